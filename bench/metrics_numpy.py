"""NumPy/SciPy reference timing for `em-guard analyze` (bench/metrics.ts prints the em-guard side).

The "straightforward route": two thin SVDs (train and eval deltas, d×n) + scipy subspace_angles on the
top-k right singular vectors, single-threaded BLAS so the comparison with single-threaded wasm is fair.
Run: /usr/bin/python3 bench/metrics_numpy.py
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[var] = "1"

import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy.linalg import subspace_angles  # noqa: E402

K = 16
REPEATS = 5


def route(tb, ta, eb, ea, k):
    dt = (ta.astype(np.float64) - tb)
    de = (ea.astype(np.float64) - eb)
    _, _, vt_t = np.linalg.svd(dt, full_matrices=False)
    _, _, vt_e = np.linalg.svd(de, full_matrices=False)
    u, v = vt_t[:k].T, vt_e[:k].T
    return subspace_angles(u, v)


def main():
    rng = np.random.default_rng(0)
    print(f"numpy {np.__version__}, single-threaded BLAS, k={K}, median of {REPEATS} (ms), load avg {os.getloadavg()[0]:.1f}")
    print("two thin SVDs + subspace_angles")
    print("d     n     wall ms  CPU ms")
    for d in (256, 1024, 4096):
        for n in (256, 1024):
            tb, ta, eb, ea = (rng.standard_normal((n, d)).astype(np.float32) for _ in range(4))
            walls, cpus = [], []
            for _ in range(REPEATS):
                c0, t0 = time.process_time(), time.perf_counter()
                route(tb, ta, eb, ea, K)
                walls.append((time.perf_counter() - t0) * 1000)
                cpus.append((time.process_time() - c0) * 1000)
            print(f"{d:<5} {n:<5} {np.median(walls):7.0f} {np.median(cpus):7.0f}")


if __name__ == "__main__":
    main()

/**
 * Mulberry32, the seeded PRNG (uniform in [0, 1)) behind random baselines and start vectors: the
 * same generator as `seededRandom` in src/analysis, under the name the metrics code uses.
 */
export { seededRandom as mulberry32 } from '../analysis/seededRandom.js';

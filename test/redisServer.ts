// A real redis-server for the queue tests (issue 18): loopback only, a free port, a temp dir;
// never a mock. Missing redis-server is a failure with the fix in the message, not a skip.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

export interface RedisServer {
  port: number;
  url: string;
  /** Stops it (SIGTERM; with appendonly the data is on disk in `dir`). */
  stop(): Promise<void>;
  /** Stops and starts it again on the same port and directory. */
  restart(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ port, host: '127.0.0.1' });
    let data = '';
    c.setTimeout(1000, () => (c.destroy(), resolve(false)));
    c.once('error', () => resolve(false));
    c.on('connect', () => c.write('PING\r\n'));
    c.on('data', (d) => {
      data += d.toString();
      if (data.includes('\r\n')) {
        c.end();
        // A server still loading its append-only file answers -LOADING.
        resolve(data.startsWith('+PONG'));
      }
    });
  });
}

/** Starts `redis-server` on 127.0.0.1 in `dir`; `persistent` keeps an fsynced append-only file there so a restart keeps the queue. */
export async function startRedis(dir: string, persistent = false): Promise<RedisServer> {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'redis-server is not installed: the sweep-queue tests run a real Redis. Install it with `apt-get install -y redis-server` (.ci/run does), then re-run.',
    );
  }
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    persistent ? 'yes' : 'no',
    '--appendfsync',
    'always',
    '--daemonize',
    'no',
    '--logfile',
    '',
  ];
  let proc: ChildProcess;
  let log = '';
  const start = async () => {
    log = '';
    proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (d) => (log += d));
    proc.stderr!.on('data', (d) => (log += d));
    const until = Date.now() + 10000;
    while (Date.now() < until) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}: ${log}`);
      if (await ping(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not answer on 127.0.0.1:${port} within 10 s: ${log}`);
  };
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  };
  await start();
  return { port, url: `redis://127.0.0.1:${port}`, stop, restart: async () => (await stop(), await start()) };
}

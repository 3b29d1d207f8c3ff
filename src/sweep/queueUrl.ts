import { Redis, type RedisOptions } from 'ioredis';

/** A parsed `--queue redis://[user:password@]host:port[/db]` address. */
export interface QueueUrl {
  /** The address as given, with any password masked, for messages. */
  display: string;
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** `rediss://`: connect with TLS. */
  tls?: boolean;
}

/** A `--queue` value that is not a Redis address. */
export class QueueUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueUrlError';
  }
}

/** The one BullMQ queue every em-guard sweep run goes through (jobs carry their sweep's name). */
export const SWEEP_QUEUE_NAME = 'em-guard-sweep';

/** Parses `redis://host:port[/db]` (also `rediss://` for TLS); throws QueueUrlError naming what is wrong. */
export function parseQueueUrl(raw: string): QueueUrl {
  const example = 'expected e.g. `redis://127.0.0.1:6379` or `redis://host:6379/2`';
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new QueueUrlError(`\`${raw}\` is not a URL; ${example}`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new QueueUrlError(`\`${raw}\`: unsupported scheme \`${u.protocol}\`; ${example}`);
  if (!u.hostname) throw new QueueUrlError(`\`${raw}\` names no host; ${example}`);
  const port = u.port === '' ? 6379 : Number(u.port);
  const path = u.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0 || db > 15 || !/^\d*$/.test(path))
    throw new QueueUrlError(`\`${raw}\`: the database \`/${path}\` is not an integer in [0, 15]; ${example}`);
  if (u.search || u.hash) throw new QueueUrlError(`\`${raw}\`: query strings and fragments are not supported; ${example}`);
  const display = u.password ? raw.replace(`:${u.password}@`, ':***@') : raw;
  return {
    display,
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: true } : {}),
  };
}

/**
 * An ioredis client for BullMQ. `maxRetriesPerRequest: null` is what BullMQ requires of a worker's
 * connection: commands wait through a Redis restart instead of failing, and ioredis reconnects
 * with the backoff below, so a restarted Redis is picked up again without any em-guard code.
 */
export function redisConnection(q: QueueUrl, extra: RedisOptions = {}): Redis {
  return new Redis({
    host: q.host,
    port: q.port,
    db: q.db,
    ...(q.username ? { username: q.username } : {}),
    ...(q.password ? { password: q.password } : {}),
    ...(q.tls ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(200 * times, 2000),
    ...extra,
  });
}

/**
 * Fails fast, with the address in the message, when nothing answers at `q` (a typo or Redis not
 * started): the BullMQ connections would otherwise wait for it forever.
 */
export async function assertRedisReachable(q: QueueUrl, timeoutMs = 5000): Promise<void> {
  const client = redisConnection(q, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    enableOfflineQueue: false,
  });
  let cause = '';
  // ioredis rejects connect() with a bare "Connection is closed"; the socket's error says why.
  client.on('error', (e: Error) => void (cause ||= e.message));
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    const why = (cause || (e instanceof Error ? e.message : String(e))).replace(/\.$/, '');
    throw new QueueUrlError(
      `cannot reach Redis at ${q.display}: ${why}. Start it (README "Running a sweep on many machines": \`redis-server --port ${q.port}\`) or fix --queue`,
    );
  } finally {
    client.disconnect();
  }
}

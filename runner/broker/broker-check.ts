// BullMQ needs Redis to keep every key: with an eviction policy other than noeviction, Redis
// under memory pressure may drop a job's keys and the queue silently loses work. ElastiCache
// refuses CONFIG, so the policy is read from INFO, which every Redis answers.
import type { Redis } from 'ioredis';

/** The server's maxmemory-policy, or null when INFO does not say. */
export async function maxmemoryPolicy(redis: Redis): Promise<string | null> {
  const info = await redis.info('memory');
  const line = info.split(/\r?\n/).find((l) => l.startsWith('maxmemory_policy:'));
  return line ? line.slice('maxmemory_policy:'.length).trim() : null;
}

/** A warning to print, or null when the broker is set up as BullMQ requires. */
export async function brokerWarning(redis: Redis, display: string): Promise<string | null> {
  const policy = await maxmemoryPolicy(redis);
  if (policy === null || policy === 'noeviction') return null;
  return `warning: Redis at ${display} has maxmemory-policy '${policy}'; BullMQ needs 'noeviction' or jobs may be lost under memory pressure (CONFIG SET maxmemory-policy noeviction)`;
}

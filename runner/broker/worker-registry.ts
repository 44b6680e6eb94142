// Live workers announce themselves with a heartbeat key that expires: a worker that dies (a
// SIGKILL, a spot reclaim) disappears from `bitbench status` within the TTL, with nothing to
// clean up. The record carries the CPU tags, so status shows what each queue really runs on.
import * as z from 'zod';
import type { Redis } from 'ioredis';
import { brokerKeys } from '../protocol/broker-keys.js';

export const HEARTBEAT_INTERVAL_MS = 5_000;
export const HEARTBEAT_TTL_MS = 20_000;

export const workerRecordSchema = z.object({
  id: z.string(),
  instanceType: z.string(),
  /** How the worker learned its instance type: from EC2's metadata service or from --instance-type. */
  instanceTypeSource: z.enum(['imds', 'flag']),
  queue: z.string(),
  host: z.string(),
  pid: z.number(),
  cpu: z.object({
    model: z.string(),
    microarchitecture: z.string(),
    isa: z.string().nullable(),
    logicalCpus: z.number(),
  }),
  startedAt: z.string(),
  lastSeen: z.string(),
  state: z.enum(['starting', 'idle', 'busy', 'stopping']),
  currentJob: z.string().nullable(),
  jobsDone: z.number(),
  jobsFailed: z.number(),
  /** Milliseconds spent running jobs (what an ETA divides by). */
  busyMs: z.number(),
  /** The full fingerprint the worker tags its results with (`bitbench status --json` shows it). */
  fingerprint: z.record(z.string(), z.unknown()),
});

export type WorkerRecord = z.infer<typeof workerRecordSchema>;

export async function writeHeartbeat(redis: Redis, record: WorkerRecord): Promise<void> {
  await redis.set(brokerKeys.worker(record.id), JSON.stringify(record), 'PX', HEARTBEAT_TTL_MS);
}

export async function removeHeartbeat(redis: Redis, workerId: string): Promise<void> {
  await redis.del(brokerKeys.worker(workerId));
}

/** Every live worker; a record that does not parse is skipped (it is not ours to trust). */
export async function listWorkers(redis: Redis): Promise<WorkerRecord[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', brokerKeys.workerPattern, 'COUNT', 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(keys);
  const workers: WorkerRecord[] = [];
  for (const value of values) {
    if (value === null) continue;
    try {
      const parsed = workerRecordSchema.safeParse(JSON.parse(value));
      if (parsed.success) workers.push(parsed.data);
    } catch {
      // not JSON: skipped
    }
  }
  return workers.sort((a, b) => a.instanceType.localeCompare(b.instanceType) || a.id.localeCompare(b.id));
}

// A fleet run as the broker knows it: what was enqueued (the matrix, its seed, which job went to
// which queue), which jobs have been collected into a store, and whether it was cancelled. The
// collector builds the store's run row from this, so it needs no file from the enqueuing machine.
import * as z from 'zod';
import type { Redis } from 'ioredis';
import { brokerKeys } from '../../runner/protocol/broker-keys.js';

export const runRecordSchema = z.object({
  id: z.string().min(1),
  matrixName: z.string().min(1),
  matrix: z.record(z.string(), z.unknown()),
  orderSeed: z.number().int(),
  createdAt: z.iso.datetime(),
  toolVersion: z.string(),
  /** Queue name -> its instance type and job ids, in the order they were added. */
  queues: z.record(z.string(), z.object({ instanceType: z.string(), jobIds: z.array(z.string()) })),
});

export type RunRecord = z.infer<typeof runRecordSchema>;

export function runJobCount(record: RunRecord): number {
  return Object.values(record.queues).reduce((sum, queue) => sum + queue.jobIds.length, 0);
}

/** Saves the record unless one exists; returns the stored one (the first writer's). */
export async function saveRunRecord(redis: Redis, record: RunRecord): Promise<RunRecord> {
  const created = await redis.set(brokerKeys.run(record.id), JSON.stringify(record), 'NX');
  if (created === 'OK') {
    await redis.sadd(brokerKeys.runs, record.id);
    return record;
  }
  const existing = await loadRunRecord(redis, record.id);
  if (!existing) throw new Error(`run ${record.id}: its record vanished while it was being written; try again`);
  return existing;
}

export async function loadRunRecord(redis: Redis, runId: string): Promise<RunRecord | undefined> {
  const text = await redis.get(brokerKeys.run(runId));
  if (text === null) return undefined;
  const parsed = runRecordSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`run ${runId}: the record in Redis is not a bitbench run (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data;
}

export async function listRunIds(redis: Redis): Promise<string[]> {
  return (await redis.smembers(brokerKeys.runs)).sort();
}

export async function collectedJobIds(redis: Redis, runId: string): Promise<Set<string>> {
  return new Set(await redis.smembers(brokerKeys.collected(runId)));
}

export async function markCollected(redis: Redis, runId: string, jobIds: readonly string[]): Promise<void> {
  if (jobIds.length > 0) await redis.sadd(brokerKeys.collected(runId), ...jobIds);
}

export async function isCancelled(redis: Redis, runId: string): Promise<boolean> {
  return (await redis.exists(brokerKeys.cancelled(runId))) === 1;
}

export async function markCancelled(redis: Redis, runId: string): Promise<void> {
  await redis.set(brokerKeys.cancelled(runId), new Date().toISOString());
}

// `bitbench collect`: finished jobs move from the broker into the result store exactly once. The
// store write comes first and is idempotent on job id; only then is the job marked collected and
// removed from Redis. A collector killed in between leaves a job that the next pass stores again
// as a no-op and then removes, so two collectors, or one run twice, change nothing.
import type { Job } from 'bullmq';
import type { ResultStore, StoredResult, NewFailure } from '../store/result-store.js';
import { storedResultFor } from '../local/job-execution.js';
import { parseJobSpec, type JobSpec } from '../../runner/protocol/job-spec.js';
import { jobOutcomeSchema } from '../../runner/protocol/job-outcome.js';
import { FLEET_RUN_INSTANCE_TYPE, specIdFromQueueJobId } from '../../runner/protocol/queue-name.js';
import type { Fingerprint } from '../../runner/fingerprint/fingerprint.js';
import type { SandboxResult } from '../../runner/sandbox/sandbox-protocol.js';
import type { BrokerSession } from './broker-session.js';
import { idsInStates, outstanding, runProgress } from './run-progress.js';
import { isCancelled, loadRunRecord, markCollected, runJobCount, type RunRecord } from './run-registry.js';

const FETCH_BATCH = 200;

export interface CollectPass {
  results: number;
  failures: number;
  /** Results that were already in the store (another collector, or a re-run). */
  duplicates: number;
  /** Failed jobs whose data does not name a run: left in Redis, reported. */
  unattributed: { queue: string; jobId: string; reason: string }[];
  /** Per run: jobs not yet finished, and whether the run is now complete. */
  runs: { runId: string; total: number; collected: number; outstanding: number; finished: boolean }[];
}

/** The store's run row for a fleet run, made from the broker's record. */
function ensureStoreRun(store: ResultStore, record: RunRecord): void {
  if (store.getRun(record.id)) return;
  try {
    store.createRun({
      id: record.id,
      startedAt: record.createdAt,
      matrixName: record.matrixName,
      matrix: record.matrix,
      orderSeed: record.orderSeed,
      order: Object.values(record.queues).flatMap((q) => q.jobIds),
      instanceType: FLEET_RUN_INSTANCE_TYPE,
      fingerprint: { fleet: true, queues: Object.fromEntries(Object.entries(record.queues).map(([name, q]) => [name, q.instanceType])) },
      toolVersion: record.toolVersion,
    });
  } catch (error) {
    // Another collector created it between the check and the insert: that is the same row.
    if (!store.getRun(record.id)) throw error;
  }
}

type Finished = { kind: 'result'; row: StoredResult } | { kind: 'failure'; failure: NewFailure };

/** What a completed job becomes: its result, or (for data that does not hold up) a failure. */
function fromCompleted(job: Job, spec: JobSpec): Finished {
  const parsed = jobOutcomeSchema.safeParse(job.returnvalue);
  const at = new Date(job.finishedOn ?? Date.now()).toISOString();
  const failure = (reason: string): Finished => ({ kind: 'failure', failure: { jobId: spec.id, runId: spec.runId, reason, at, instanceType: spec.instanceType } });
  if (!parsed.success) return failure(`the worker's result does not parse: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`.trim());
  const outcome = parsed.data;
  if (outcome.jobId !== spec.id || outcome.runId !== spec.runId || outcome.instanceType !== spec.instanceType) {
    return failure(`the worker's result is for job ${outcome.jobId} on ${outcome.instanceType}, not this one`);
  }
  const row = storedResultFor(spec, outcome.result as unknown as SandboxResult, outcome.fingerprint as unknown as Fingerprint, outcome.startedAt, outcome.finishedAt);
  return { kind: 'result', row: { ...row, isa: outcome.isa } };
}

/** Stores what finished; returns the job ids the store refused (left on the broker). */
function saveAll(store: ResultStore, finished: Finished[], pass: CollectPass): Set<string> {
  const rows = finished.flatMap((f) => (f.kind === 'result' ? [f.row] : []));
  let written: number;
  try {
    written = store.saveResults(rows);
  } catch {
    // One bad row would undo the batch: store them one by one, and a row the store refuses
    // becomes that job's failure, with the store's reason.
    written = 0;
    for (const row of rows) {
      try {
        if (store.saveResult(row)) written++;
      } catch (error) {
        const reason = `the result was refused by the store: ${(error as Error).message}`;
        store.saveFailure({ jobId: row.jobId, runId: row.runId, reason, instanceType: row.instanceType });
        pass.failures++;
      }
    }
  }
  pass.results += written;
  pass.duplicates += rows.length - written;
  const refused = new Set<string>();
  for (const f of finished) {
    if (f.kind !== 'failure') continue;
    try {
      if (store.saveFailure(f.failure)) pass.failures++;
    } catch (error) {
      // Data the store cannot hold (a tampered id): it stays on the broker, and is reported.
      refused.add(f.failure.jobId);
      pass.unattributed.push({ queue: f.failure.instanceType ?? '?', jobId: f.failure.jobId, reason: `${f.failure.reason} (not stored: ${(error as Error).message})` });
    }
  }
  return refused;
}

async function fetchJobs(session: BrokerSession, queueName: string, ids: string[]): Promise<Job[]> {
  const queue = session.queue(queueName);
  const jobs = await Promise.all(ids.map((id) => queue.getJob(id)));
  return jobs.filter((job): job is Job => job !== undefined && job !== null);
}

/**
 * What one finished job of a known run becomes; null for a job of another run (or one that names
 * none, which is reported and left on the broker).
 */
function classify(job: Job, state: 'completed' | 'failed', queueName: string, records: Map<string, RunRecord>, pass: CollectPass): Finished | null {
  const runId = (job.data as { runId?: unknown } | null)?.runId;
  if (typeof runId !== 'string' || !records.has(runId)) {
    if (state === 'failed' && typeof runId !== 'string') pass.unattributed.push({ queue: queueName, jobId: String(job.id), reason: job.failedReason ?? 'failed' });
    return null;
  }
  let spec: JobSpec | null;
  try {
    spec = parseJobSpec(job.data);
  } catch {
    spec = null;
  }
  if (state === 'completed' && spec) return fromCompleted(job, spec);
  const instanceType = records.get(runId)!.queues[queueName]?.instanceType;
  const at = new Date(job.finishedOn ?? Date.now()).toISOString();
  const reason = state === 'failed' ? job.failedReason || 'failed without a reason' : 'completed, but its spec does not parse';
  return { kind: 'failure', failure: { jobId: spec?.id ?? specIdFromQueueJobId(String(job.id)), runId, reason, at, ...(instanceType ? { instanceType } : {}) } };
}

/** Stores one batch of a queue's finished jobs, then marks them collected and removes them. */
async function collectBatch(session: BrokerSession, store: ResultStore, jobs: Job[], state: 'completed' | 'failed', queueName: string, records: Map<string, RunRecord>, pass: CollectPass): Promise<void> {
  const taken: { job: Job; finished: Finished }[] = [];
  for (const job of jobs) {
    const finished = classify(job, state, queueName, records, pass);
    if (finished) taken.push({ job, finished });
  }
  const refused = saveAll(store, taken.map((t) => t.finished), pass);
  // Only after the store has them: mark collected, then remove from the broker.
  const stored = taken.filter((t) => !refused.has(specIdFromQueueJobId(String(t.job.id))));
  const byRun = new Map<string, string[]>();
  for (const { job } of stored) {
    const runId = (job.data as { runId: string }).runId;
    (byRun.get(runId) ?? byRun.set(runId, []).get(runId)!).push(specIdFromQueueJobId(String(job.id)));
  }
  for (const [runId, jobIds] of byRun) await markCollected(session.redis, runId, jobIds);
  await Promise.all(stored.map(({ job }) => job.remove().catch(() => undefined)));
}

/** One pass over the given runs: everything finished now goes into the store. */
export async function collectOnce(session: BrokerSession, store: ResultStore, runIds: readonly string[]): Promise<CollectPass> {
  const pass: CollectPass = { results: 0, failures: 0, duplicates: 0, unattributed: [], runs: [] };
  const records = new Map<string, RunRecord>();
  for (const runId of runIds) {
    const record = await loadRunRecord(session.redis, runId);
    if (record) records.set(runId, record);
  }
  for (const record of records.values()) ensureStoreRun(store, record);

  const queueNames = new Set([...records.values()].flatMap((r) => Object.keys(r.queues)));
  for (const queueName of queueNames) {
    for (const state of ['completed', 'failed'] as const) {
      const ids = [...(await idsInStates(session, queueName, [state]))];
      for (let start = 0; start < ids.length; start += FETCH_BATCH) {
        const jobs = await fetchJobs(session, queueName, ids.slice(start, start + FETCH_BATCH));
        await collectBatch(session, store, jobs, state, queueName, records, pass);
      }
    }
  }

  for (const record of records.values()) {
    const total = runJobCount(record);
    const progress = await runProgress(session, record);
    // Only the run's own jobs count: a tampered job recorded under the run is not one of them.
    const collected = progress.reduce((sum, q) => sum + q.collected, 0);
    const pending = outstanding(progress);
    const cancelled = await isCancelled(session.redis, record.id);
    const finished = collected >= total || (cancelled && pending === 0);
    if (finished && store.getRun(record.id)?.status === 'running') store.finishRun(record.id, collected >= total ? 'finished' : 'interrupted');
    pass.runs.push({ runId: record.id, total, collected, outstanding: pending, finished });
  }
  return pass;
}

// `bitbench status`: per run and queue where the jobs stand, the live workers with the CPU they
// run on, and an ETA from how long the workers of each queue have taken per job so far.
import { listWorkers, type WorkerRecord } from '../../runner/broker/worker-registry.js';
import type { BrokerSession } from './broker-session.js';
import { runProgress, type QueueProgress } from './run-progress.js';
import { isCancelled, listRunIds, loadRunRecord } from './run-registry.js';
import { UsageError } from '../../runner/errors.js';
import { maxOf } from '../../reports/number-extremes.js';

export interface QueueStatus extends QueueProgress {
  workers: number;
  /** Seconds until the queue's outstanding jobs are done; null when it cannot be told. */
  etaSeconds: number | null;
  /** Why there is no ETA ('no worker', 'no job finished yet'). */
  etaNote: string | null;
}

export interface RunStatus {
  runId: string;
  matrixName: string;
  createdAt: string;
  cancelled: boolean;
  queues: QueueStatus[];
  etaSeconds: number | null;
}

export interface StatusSnapshot {
  at: string;
  runs: RunStatus[];
  /** Runs left out because every job is collected (shown with `all`). */
  hiddenComplete: number;
  workers: WorkerRecord[];
}

function etaFor(progress: QueueProgress, workers: WorkerRecord[]): Pick<QueueStatus, 'etaSeconds' | 'etaNote'> {
  const remaining = progress.waiting + progress.retrying + progress.active;
  if (remaining === 0) return { etaSeconds: 0, etaNote: null };
  if (workers.length === 0) return { etaSeconds: null, etaNote: 'no worker' };
  const jobs = workers.reduce((sum, w) => sum + w.jobsDone + w.jobsFailed, 0);
  if (jobs === 0) return { etaSeconds: null, etaNote: 'no job finished yet' };
  const perJobMs = workers.reduce((sum, w) => sum + w.busyMs, 0) / jobs;
  return { etaSeconds: (remaining * perJobMs) / workers.length / 1000, etaNote: null };
}

export interface StatusOptions {
  runId?: string;
  /** Also list runs whose every job is collected (a named run is always shown). */
  all?: boolean;
}

export async function readStatus(session: BrokerSession, options: StatusOptions = {}): Promise<StatusSnapshot> {
  const { runId } = options;
  const runIds = runId ? [runId] : await listRunIds(session.redis);
  const workers = await listWorkers(session.redis);
  const runs: RunStatus[] = [];
  let hiddenComplete = 0;
  for (const id of runIds) {
    const record = await loadRunRecord(session.redis, id);
    if (!record) {
      if (runId) throw new UsageError(`--run: no run '${runId}' on this broker`);
      continue;
    }
    const queues = (await runProgress(session, record)).map((progress) => {
      const own = workers.filter((w) => w.queue === progress.queue && w.state !== 'stopping');
      return { ...progress, workers: own.length, ...etaFor(progress, own) };
    });
    if (!runId && !options.all && queues.every((q) => q.collected === q.total)) {
      hiddenComplete++;
      continue;
    }
    const etas = queues.map((q) => q.etaSeconds);
    runs.push({
      runId: id,
      matrixName: record.matrixName,
      createdAt: record.createdAt,
      cancelled: await isCancelled(session.redis, id),
      queues,
      etaSeconds: etas.some((e) => e === null) ? null : maxOf(etas as number[], 0),
    });
  }
  return { at: new Date().toISOString(), runs, hiddenComplete, workers };
}

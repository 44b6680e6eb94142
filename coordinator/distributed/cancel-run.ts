// `bitbench cancel`: a run's jobs that have not started are removed from their queues, and the
// run is flagged so a worker that races to take one fails it as cancelled instead of running it.
// Jobs already running finish (their results are still collected); nothing else is touched.
import type { BrokerSession } from './broker-session.js';
import { idsInStates, PENDING_STATES } from './run-progress.js';
import { loadRunRecord, markCancelled } from './run-registry.js';
import { UsageError } from '../../runner/errors.js';
import { queueJobIdFor } from '../../runner/protocol/queue-name.js';

export interface CancelSummary {
  runId: string;
  removed: number;
  stillRunning: number;
}

export async function cancelRun(session: BrokerSession, runId: string): Promise<CancelSummary> {
  const record = await loadRunRecord(session.redis, runId);
  if (!record) throw new UsageError(`--run: no run '${runId}' on this broker (bitbench status lists them)`);
  // The flag first: from here on no worker starts one of these jobs, whatever this loop sees.
  await markCancelled(session.redis, runId);
  let removed = 0;
  let stillRunning = 0;
  for (const [queueName, { jobIds }] of Object.entries(record.queues)) {
    const queue = session.queue(queueName);
    const [pending, active] = await Promise.all([idsInStates(session, queueName, [...PENDING_STATES, 'delayed']), idsInStates(session, queueName, ['active'])]);
    const ids = jobIds.map(queueJobIdFor);
    const mine = ids.filter((id) => pending.has(id));
    const results = await Promise.all(mine.map((id) => queue.remove(id)));
    removed += results.filter((r) => r === 1).length;
    stillRunning += ids.filter((id) => active.has(id)).length;
  }
  return { runId, removed, stillRunning };
}

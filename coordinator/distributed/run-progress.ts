// Where each job of a run stands, read from BullMQ's state lists (ids only, no job data), so
// status, collect and cancel agree on what is waiting, running, finished or gone.
import type { BrokerSession } from './broker-session.js';
import { collectedJobIds, type RunRecord } from './run-registry.js';
import { queueJobIdFor } from '../../runner/protocol/queue-name.js';

export const PENDING_STATES = ['waiting', 'prioritized', 'paused', 'waiting-children'] as const;
const PAGE = 5_000;

export interface QueueProgress {
  queue: string;
  instanceType: string;
  total: number;
  waiting: number;
  /** Failed once and waiting out the backoff before the next attempt. */
  retrying: number;
  active: number;
  /** Finished and not yet collected. */
  completed: number;
  failed: number;
  collected: number;
  /** Neither in a queue nor collected: cancelled, or removed by hand. */
  missing: number;
}

/** Every id in the queue's given states. */
export async function idsInStates(session: BrokerSession, queueName: string, states: readonly string[]): Promise<Set<string>> {
  const queue = session.queue(queueName);
  const ids = new Set<string>();
  for (const state of states) {
    for (let start = 0; ; start += PAGE) {
      const page = await queue.getRanges([state as 'waiting'], start, start + PAGE - 1, true);
      page.forEach((id) => ids.add(id));
      if (page.length < PAGE) break;
    }
  }
  return ids;
}

export async function runProgress(session: BrokerSession, record: RunRecord): Promise<QueueProgress[]> {
  const collected = await collectedJobIds(session.redis, record.id);
  const progress: QueueProgress[] = [];
  for (const [queue, { instanceType, jobIds }] of Object.entries(record.queues)) {
    const [pending, delayed, active, completed, failed] = await Promise.all([
      idsInStates(session, queue, PENDING_STATES),
      idsInStates(session, queue, ['delayed']),
      idsInStates(session, queue, ['active']),
      idsInStates(session, queue, ['completed']),
      idsInStates(session, queue, ['failed']),
    ]);
    const row: QueueProgress = { queue, instanceType, total: jobIds.length, waiting: 0, retrying: 0, active: 0, completed: 0, failed: 0, collected: 0, missing: 0 };
    for (const specId of jobIds) {
      const id = queueJobIdFor(specId);
      if (collected.has(specId)) row.collected++;
      else if (active.has(id)) row.active++;
      else if (pending.has(id)) row.waiting++;
      else if (delayed.has(id)) row.retrying++;
      else if (completed.has(id)) row.completed++;
      else if (failed.has(id)) row.failed++;
      else row.missing++;
    }
    progress.push(row);
  }
  return progress;
}

/** Jobs that may still produce a result: waiting, retrying or running. */
export function outstanding(progress: readonly QueueProgress[]): number {
  return progress.reduce((sum, q) => sum + q.waiting + q.retrying + q.active, 0);
}

// One BullMQ queue per instance type: a runner on a c7i.2xlarge takes jobs only from that
// type's queue, so every result in it was measured on that hardware.

export const QUEUE_PREFIX = 'bitbench-';

/**
 * `bitbench-<instanceType>`, e.g. `bitbench-m7i.large`. BullMQ builds its Redis keys as
 * `bull:<queue>:<...>` and refuses queue names holding ':', so ':' and any character outside
 * letters, digits, '.', '_' and '-' (whitespace included) becomes '-'. Instance types that pass
 * the matrix schema contain none of them, so for those the mapping is one-to-one.
 */
export function queueNameFor(instanceType: string): string {
  const trimmed = instanceType.trim();
  if (trimmed === '') throw new RangeError('Expected a non-empty instance type for the queue name');
  return QUEUE_PREFIX + trimmed.replace(/[^A-Za-z0-9._-]/g, '-');
}

/**
 * What a run enqueued on a fleet records as its instance type: its jobs span several, and each
 * result and failure carries its own.
 */
export const FLEET_RUN_INSTANCE_TYPE = 'fleet';

const QUEUE_JOB_PREFIX = 'j';

/**
 * A job's id in its BullMQ queue: the spec's id behind a letter, because BullMQ refuses custom
 * ids that read as integers, and 1 in 2,000 hex ids is all digits.
 */
export function queueJobIdFor(specId: string): string {
  return QUEUE_JOB_PREFIX + specId;
}

/** The spec id back from a queue job id; an id bitbench did not make is returned as it is. */
export function specIdFromQueueJobId(queueJobId: string): string {
  return /^j[0-9a-f]{16}$/.test(queueJobId) ? queueJobId.slice(QUEUE_JOB_PREFIX.length) : queueJobId;
}

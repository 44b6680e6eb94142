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

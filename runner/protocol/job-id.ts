// Stable job ids: the same normalized spec in the same run on the same instance type always
// hashes to the same id, so a store unique on job id makes re-runs idempotent and a resume can
// tell what is done. Any change to the spec (a repetition policy too) is another measurement.
import { createHash } from 'node:crypto';

export const JOB_ID_LENGTH = 16;

/** JSON with object keys sorted at every depth and undefined members left out. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new RangeError(`canonicalJson: ${value} has no JSON form`);
  }
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) sorted[key] = sortKeys(member);
  }
  return sorted;
}

/**
 * First 16 hex digits (64 bits) of sha256 over the canonical JSON of the spec with its run id
 * and instance type. An `id` member, if present, is ignored, so a parsed spec can be checked.
 */
export function jobIdFor(spec: { runId: string; instanceType: string; id?: string; [key: string]: unknown }): string {
  const { id: _ignored, ...rest } = spec;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex').slice(0, JOB_ID_LENGTH);
}

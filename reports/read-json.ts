// Defensive reads of untyped result JSON: a missing or mistyped field is null (or empty), never
// an exception, so a result from an older or newer runner still has its row.

export type JsonRecord = Record<string, unknown>;

export function record(value: unknown): JsonRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonRecord) : {};
}

/** The first finite number among the candidates, else null. */
export function num(...candidates: unknown[]): number | null {
  const found = candidates.find((c): c is number => typeof c === 'number' && Number.isFinite(c));
  return found ?? null;
}

/** The first non-empty string among the candidates, else null. */
export function str(...candidates: unknown[]): string | null {
  const found = candidates.find((c): c is string => typeof c === 'string' && c !== '');
  return found ?? null;
}

export function numbers(value: unknown): number[] {
  return Array.isArray(value) ? value.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)) : [];
}

export function pair(value: unknown): [number, number] | null {
  const xs = numbers(value);
  return Array.isArray(value) && value.length === 2 && xs.length === 2 ? [xs[0]!, xs[1]!] : null;
}

/** Text order with numbers compared as numbers ('c7i.2xlarge' before 'c7i.12xlarge'). */
export const byText = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

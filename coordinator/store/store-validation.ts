// Checks on what goes into the result store. A result is written once and read by every later
// report, so a bad value is refused at the door with the field it came in on, never stored
// for a report to trip over later.

/** A short, safe description of a received value for an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 60 ? value.slice(0, 57) + '...' : value}'`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  return String(value);
}

function fail(field: string, expected: string, value: unknown): never {
  throw new TypeError(`Expected ${expected} for ${field} but received ${describeValue(value)}`);
}

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
const MAX_IDENTIFIER_LENGTH = 256;

/** Ids and names that end up in table cells, file names and queue names: one short line. */
export function identifier(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') fail(field, 'a non-empty string', value);
  if (value.length > MAX_IDENTIFIER_LENGTH) fail(field, `a string of at most ${MAX_IDENTIFIER_LENGTH} characters`, value);
  if (CONTROL_CHARACTERS.test(value)) fail(field, 'a string without control characters', value);
  return value;
}

/** Free text (a failure reason may carry a child's stderr over several lines). */
export function text(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') fail(field, 'a non-empty string', value);
  return value;
}

export function oneOf<T extends string>(field: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    fail(field, `one of ${choices.join(', ')}`, value);
  }
  return value as T;
}

export function boolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(field, 'a boolean', value);
  return value;
}

export function safeInteger(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(field, 'a safe integer', value);
  return value;
}

/** An optional figure: absent (undefined or null) is stored as NULL; present must be finite and >= 0. */
export function optionalNonNegative(field: string, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(field, 'a finite non-negative number', value);
  return value;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * An ISO 8601 time with a zone, normalized to UTC (`toISOString`) so that the text columns
 * sort in time order whatever zone each runner wrote.
 */
export function timestamp(field: string, value: unknown): string {
  if (typeof value !== 'string' || !ISO_8601.test(value) || !Number.isFinite(Date.parse(value))) {
    fail(field, 'an ISO 8601 time with a zone (e.g. 2025-01-31T12:00:00.000Z)', value);
  }
  return new Date(value).toISOString();
}

/**
 * A plain JSON object, serialized. Nested numbers that are not finite become null, as
 * JSON.stringify makes them: a result whose derived figure is NaN (a zero-length decode)
 * keeps its measured samples rather than being refused whole.
 */
export function jsonObject(field: string, value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(field, 'a JSON object', value);
  let serialized: string | undefined;
  try {
    serialized = JSON.stringify(value);
  } catch (error) {
    // Cycles and BigInts: JSON.stringify throws; say which field held them.
    throw new TypeError(`Expected a JSON-serializable object for ${field}: ${(error as Error).message}`);
  }
  if (serialized === undefined || !serialized.startsWith('{')) fail(field, 'a JSON object', value);
  return serialized;
}

/** A list of distinct identifiers (the job order of a run). */
export function identifierList(field: string, value: unknown): string[] {
  if (!Array.isArray(value)) fail(field, 'an array of strings', value);
  const seen = new Set<string>();
  value.forEach((item, index) => {
    const id = identifier(`${field}[${index}]`, item);
    if (seen.has(id)) fail(`${field}[${index}]`, 'an id not already listed', item);
    seen.add(id);
  });
  return value as string[];
}

// Turning flag strings into checked values, with errors that name the flag.
import { availableParallelism } from 'node:os';
import { UsageError } from './cli-error.js';
import { MAX_THREADS } from '../../runner/protocol/limits.js';

/** `max`: the largest value allowed (a limit of the native core: runner/protocol/limits.ts). */
export function positiveInteger(flag: string, text: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined) return fallback;
  const expected = max < Number.MAX_SAFE_INTEGER ? `a positive integer of at most ${max}` : 'a positive integer';
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1 || !Number.isSafeInteger(Number(text)) || Number(text) > max) {
    throw new UsageError(`--${flag}: expected ${expected} but received '${text}'`);
  }
  return Number(text);
}

export function nonNegativeNumber(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`--${flag}: expected a non-negative number but received '${text}'`);
  }
  return value;
}

/** A thread count, or 'all' for every CPU this process may use. */
export function threadCount(text: string | undefined, fallback: 'all' | number = 'all'): number {
  const value = text ?? String(fallback);
  if (value === 'all') return availableParallelism();
  return positiveInteger('threads', value, 1, MAX_THREADS);
}

export function oneOf<T extends string>(flag: string, text: string | undefined, choices: readonly T[], fallback: T): T {
  if (text === undefined) return fallback;
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(`--${flag}: expected one of ${choices.join(', ')} but received '${text}'`);
  }
  return text as T;
}

/** A fraction in (0, 1]: a ratio kept or zeroed. */
export function ratio(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > 1) {
    throw new UsageError(`--${flag}: expected a ratio in (0, 1] but received '${text}'`);
  }
  return value;
}

export function positiveNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`--${flag}: expected a number above 0 but received '${text}'`);
  }
  return value;
}

// One time unit per chart, chosen from its values, so a log axis of microsecond calls reads
// "20 50 100 µs" instead of "0.00 0.00 0.00 ms": the unit goes in the axis title, and tick labels
// are formatted with as many significant digits as they need (AXIS_NUMBER_FORMAT), so no two
// ticks print the same.

export interface TimeUnit {
  name: 'µs' | 'ms' | 's';
  /** How many of this unit make a millisecond. */
  perMs: number;
}

const UNITS: TimeUnit[] = [
  { name: 'µs', perMs: 1000 },
  { name: 'ms', perMs: 1 },
  { name: 's', perMs: 0.001 },
];

/** d3-format: thousands separated, no exponent, trailing zeros trimmed ('~g' would print 10 as 1e+1 where vega sets a precision from the tick step). */
export const AXIS_NUMBER_FORMAT = ',~r';

/** The unit in which the middle value (by rank) reads between 1 and 1000. */
export function timeUnitFor(valuesMs: readonly number[]): TimeUnit {
  const sorted = valuesMs.filter((v) => Number.isFinite(v) && v > 0).sort((a, b) => a - b);
  if (!sorted.length) return UNITS[1]!;
  const middle = sorted[sorted.length >> 1]!;
  if (middle < 1) return UNITS[0]!;
  if (middle >= 1000) return UNITS[2]!;
  return UNITS[1]!;
}

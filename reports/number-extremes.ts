// The largest and smallest of a list, by a loop. `Math.max(...values)` passes every value as an
// argument, and past about 100k values (a long run's samples, a store's rows) V8 throws
// "Maximum call stack size exceeded". Same answers as Math.max/Math.min otherwise: -Infinity
// and Infinity for none, NaN if any value is NaN.

export function maxOf(values: Iterable<number>, ...more: number[]): number {
  let largest = -Infinity;
  for (const list of [values, more]) {
    for (const value of list) {
      if (Number.isNaN(value)) return NaN;
      if (value > largest) largest = value;
    }
  }
  return largest;
}

export function minOf(values: Iterable<number>, ...more: number[]): number {
  let smallest = Infinity;
  for (const list of [values, more]) {
    for (const value of list) {
      if (Number.isNaN(value)) return NaN;
      if (value < smallest) smallest = value;
    }
  }
  return smallest;
}

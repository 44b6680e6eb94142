// The order a run executes its jobs in: a seeded shuffle, so slow drift of a cloud machine
// (thermal state, noisy neighbours, turbo budget) spreads over every configuration instead of
// landing on whichever ran last (randomized multiple interleaved trials, RMIT). The seed is
// recorded with the run so the same order can be replayed.
import { randomInt } from 'node:crypto';
import { mulberry32 } from '../../runner/seeded-random.js';

export { mulberry32 };

/** A fresh seed for a run whose matrix names none (record it with the run). */
export function chooseRunSeed(): number {
  return randomInt(0, 0xffff_ffff);
}

/** A permutation of `jobs` (a new array) that depends only on the jobs' order and `seed`. */
export function runOrder<T>(jobs: readonly T[], seed: number): T[] {
  if (!Number.isInteger(seed)) throw new RangeError(`Expected an integer seed but received ${seed}`);
  const random = mulberry32(seed);
  const order = [...jobs];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

// The order a run executes its jobs in: a seeded shuffle, so slow drift of a cloud machine
// (thermal state, noisy neighbours, turbo budget) spreads over every configuration instead of
// landing on whichever ran last (randomized multiple interleaved trials, RMIT). The seed is
// recorded with the run so the same order can be replayed.
import { randomInt } from 'node:crypto';

/** mulberry32: a small, fast 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

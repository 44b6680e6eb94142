// The one definition of how a cell is sampled when nobody says otherwise. The matrix
// (REPETITION_DEFAULTS), `bitbench kernel`/`bitbench model` (their help text prints these) and
// the kernel job all read it from here; the native timing loop is given every field explicitly.

/**
 * One trial: `warmup` untimed calls, then at least `minSamples` and `minTimeMs` of timed calls,
 * then more while the coefficient of variation is above `targetCv`, for at most `maxTimeMs`,
 * never more than `maxSamples`. A cell is `trials` such trials, interleaved with the other
 * cells' trials (see coordinator/local/trial-rounds.ts), because one sitting's samples share one
 * page placement and one frequency state and say little about a re-run.
 */
export const SAMPLING_DEFAULTS = Object.freeze({
  warmup: 3,
  minSamples: 10,
  maxSamples: 1000,
  minTimeMs: 0,
  targetCv: 0.03,
  maxTimeMs: 1000,
  seed: 1,
  trials: 3,
});

export type SamplingDefaults = typeof SAMPLING_DEFAULTS;

/** Fewer trials than this and a comparison says "too few trials" instead of a verdict. */
export const MIN_TRIALS_TO_COMPARE = 3;

/** Most trials a cell may ask for: each is a full sampling session. */
export const MAX_TRIALS = 100;

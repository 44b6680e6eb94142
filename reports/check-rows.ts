// Rows that check a path runs, not how fast: the tiny model (tests' dimensions) and kernel
// shapes whose call takes microseconds, so the figure is call overhead, not the kernel. A report
// keeps them apart, marked as checks, out of its charts, cards and rankings.

/** Below a million weights (a 1024x1024 matrix, 256 KiB packed) a call measures its own overhead. */
export const CHECK_SHAPE_WEIGHTS = 1024 * 1024;

export function isCheckShape(n: number | null, k: number | null): boolean {
  return n !== null && k !== null && n * k < CHECK_SHAPE_WEIGHTS;
}

/** `tiny` and `tiny-256`: the test presets, not a model anyone serves. */
export function isCheckPreset(preset: string | null): boolean {
  return preset !== null && /^tiny(\b|-)/i.test(preset);
}

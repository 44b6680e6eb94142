// What holds a measured cell back, in words, from the roofline model (Williams, Waterman and
// Patterson, CACM 2009): a cell near the memory ceiling (its weight bytes per second against the
// measured read bandwidth) is memory-bound; one near its ISA's compute peak (its operations per
// second against the probe's fp32 FMA or int8 dot-product peak) is compute-bound; one near
// neither loses its time elsewhere: decode work, call overhead, synchronisation.

export type Bound = 'memory' | 'compute' | 'overhead' | 'unclear';

/** A share of a ceiling at or above this names the bound: past half of it, that ceiling is what the cell is pressing on. */
export const BOUND_THRESHOLD = 0.5;

export interface Verdict {
  bound: Bound;
  /** The share of the ceiling that names the bound (memory or compute); the larger share for overhead. */
  fraction: number;
  /** Weight GB/s over the read bandwidth at the cell's threads; null for hot cells (they read from cache) or no bandwidth. */
  memoryFraction: number | null;
  /** GOPS over the ISA's peak at the cell's threads; null where the fingerprint has no compute probe. */
  computeFraction: number | null;
  /** Which peak: e.g. 'avx512-vnni int8'. */
  computeCeiling: string | null;
  text: string;
}

export interface VerdictInput {
  gops: number | null;
  weightGBs: number | null;
  /** The DRAM read bandwidth at the cell's threads; pass null for a hot cell. */
  memoryGBs: number | null;
  /** The ISA's peak GOPS (fp32 or int8, as the path computes) at the cell's threads. */
  computeGops: number | null;
  /** 'avx2 fp32', for the words. */
  computeCeiling: string | null;
}

const percent = (fraction: number) => `${Math.round(100 * fraction)}%`;

function ratio(value: number | null, ceiling: number | null): number | null {
  return value !== null && ceiling !== null && ceiling > 0 && value >= 0 ? value / ceiling : null;
}

/** The verdict of one kernel cell; null when neither ceiling is known. */
export function classifyKernel(input: VerdictInput): Verdict | null {
  const memoryFraction = ratio(input.weightGBs, input.memoryGBs);
  const computeFraction = ratio(input.gops, input.computeGops);
  if (memoryFraction === null && computeFraction === null) return null;
  const peakName = input.computeCeiling ?? 'compute';
  const base = { memoryFraction, computeFraction, computeCeiling: input.computeCeiling };
  const memory = memoryFraction ?? -1;
  const compute = computeFraction ?? -1;
  // Past 100% a ceiling is not what it seems: a cold cell read faster than the bandwidth probe
  // did (a noisy machine), or a path does less work per counted operation than the probe's
  // instruction (ternary weights need no multiply; bf16 dot products outrun fp32 FMA).
  if (memory >= BOUND_THRESHOLD && memory >= compute) {
    const text =
      memory > 1
        ? `memory-bound: ${percent(memory)} of the memory ceiling (read faster than the bandwidth probe measured)`
        : `memory-bound at ${percent(memory)} of the memory ceiling`;
    return { ...base, bound: 'memory', fraction: memory, text };
  }
  if (compute >= BOUND_THRESHOLD) {
    const text =
      compute > 1
        ? `compute-bound: ${percent(compute)} of the ${peakName} peak (fewer instructions than 2nk multiply-adds)`
        : `compute-bound at ${percent(compute)} of the ${peakName} peak`;
    return { ...base, bound: 'compute', fraction: compute, text };
  }
  const shares = [
    ...(memoryFraction !== null ? [`${percent(memoryFraction)} of the memory ceiling`] : []),
    ...(computeFraction !== null ? [`${percent(computeFraction)} of the ${peakName} peak`] : []),
  ];
  return { ...base, bound: 'overhead', fraction: Math.max(memory, compute), text: `neither: overhead (${shares.join(', ')})` };
}

/**
 * The verdict of a model's decode step: its bytes per token against the bandwidth give the
 * memory share (the runner's rooflineFraction); a step's operations are not recorded, so below
 * the threshold the words say what is known, not which of compute or overhead it is.
 * @param bandwidthSource 'run' where the roofline was drawn at the decode's own read rate, the
 * bandwidth probe around it having read less (runner/roofline.ts): the ceiling is then the
 * run's, and the words say so.
 */
export function classifyModel(rooflineFraction: number | null, bandwidthSource: string | null = null): Verdict | null {
  if (rooflineFraction === null || rooflineFraction < 0) return null;
  const base = { memoryFraction: rooflineFraction, computeFraction: null, computeCeiling: null, fraction: rooflineFraction };
  const ceiling = bandwidthSource === 'run' ? "the memory ceiling (this run's own reads: the bandwidth probe read less)" : 'the memory ceiling';
  if (rooflineFraction >= BOUND_THRESHOLD) return { ...base, bound: 'memory', text: `memory-bound at ${percent(rooflineFraction)} of ${ceiling}` };
  return { ...base, bound: 'unclear', text: `below the memory ceiling (${percent(rooflineFraction)}): compute or overhead` };
}

/** Which compute peak a path is held against: fused-i8 multiplies int8, every other path fp32. */
export function computeKindOfPath(path: string): 'fp32' | 'int8' {
  return path === 'fused-i8' ? 'int8' : 'fp32';
}

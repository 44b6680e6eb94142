// A plain TypeScript reference for the native kernels: y = scale * (W x) in float64 from
// unpacked Int8Array weights, seeded random inputs, and the error measures the tests name.

/** A seeded PRNG (mulberry32): the same seed gives the same sequence on every machine. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, bound). */
  int(bound: number): number;
  /** One element of `items`. */
  pick<T>(items: readonly T[]): T;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (bound: number): number => Math.floor(next() * bound);
  return { next, int, pick: (items) => items[int(items.length)]! };
}

/** n x k weights in {-1, 0, +1}, row-major, each value equally likely. */
export function randomTernaryWeights(rng: Rng, n: number, k: number): Int8Array {
  const weights = new Int8Array(n * k);
  for (let i = 0; i < weights.length; i++) weights[i] = rng.int(3) - 1;
  return weights;
}

/** batch x k activations, uniform in [-1, 1) (exact in fp32). */
export function randomActivations(rng: Rng, batch: number, k: number): Float32Array {
  const x = new Float32Array(batch * k);
  for (let i = 0; i < x.length; i++) x[i] = rng.next() * 2 - 1;
  return x;
}

export interface ReferenceProduct {
  /** batch x n, row-major: scale * sum_c w[r, c] * x[b, c], in float64. */
  y: Float64Array;
  /** batch x n: |scale| * sum_c |w[r, c] * x[b, c]|, the size of the terms behind each output. */
  termMagnitude: Float64Array;
}

/** y (batch x n) = scale * W x for W (n x k, Int8Array) and x (batch x k), in float64. */
export function referenceTernaryMatmul(
  weights: Int8Array,
  x: Float32Array,
  n: number,
  k: number,
  batch: number,
  scale: number,
): ReferenceProduct {
  if (weights.length !== n * k) throw new RangeError(`reference: weights must hold ${n * k} values`);
  if (x.length !== batch * k) throw new RangeError(`reference: x must hold ${batch * k} values`);
  const y = new Float64Array(batch * n);
  const termMagnitude = new Float64Array(batch * n);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < n; r++) {
      let sum = 0;
      let magnitude = 0;
      for (let c = 0; c < k; c++) {
        const term = weights[r * k + c]! * x[b * k + c]!;
        sum += term;
        magnitude += Math.abs(term);
      }
      y[b * n + r] = scale * sum;
      termMagnitude[b * n + r] = Math.abs(scale) * magnitude;
    }
  }
  return { y, termMagnitude };
}

/** |actual - expected| / |expected|, with |expected| floored at `floor` (for zeros). */
export function relativeError(actual: number, expected: number, floor = 1e-30): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), floor);
}

/** Largest |actual - expected| / max|expected| over a whole vector. */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - expected[i]!));
    maxRef = Math.max(maxRef, Math.abs(expected[i]!));
  }
  return maxDiff / Math.max(maxRef, 1e-30);
}

/** Cosine similarity of two vectors; 1 when both are all zero. */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError('cosineSimilarity: lengths differ');
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    normA += a[i]! * a[i]!;
    normB += b[i]! * b[i]!;
  }
  if (normA === 0 && normB === 0) return 1;
  return dot / Math.sqrt(normA * normB);
}

export interface ToleranceViolation {
  index: number;
  actual: number;
  expected: number;
  allowed: number;
}

/**
 * Outputs where |actual - expected| > relative * termMagnitude + absolute, i.e. an error
 * larger than `relative` measured against the size of the terms summed into that output
 * (cancellation can make the output itself near zero, so it is no fair yardstick).
 */
export function termToleranceViolations(
  actual: ArrayLike<number>,
  reference: ReferenceProduct,
  relative: number,
  absolute: number,
): ToleranceViolation[] {
  const violations: ToleranceViolation[] = [];
  if (actual.length !== reference.y.length) {
    return [{ index: -1, actual: actual.length, expected: reference.y.length, allowed: 0 }];
  }
  for (let i = 0; i < reference.y.length; i++) {
    const allowed = relative * reference.termMagnitude[i]! + absolute;
    const value = actual[i]!;
    if (!(Math.abs(value - reference.y[i]!) <= allowed)) {
      violations.push({ index: i, actual: value, expected: reference.y[i]!, allowed });
    }
  }
  return violations;
}

/** Rounds to the nearest integer, ties to even (as the native kernels' fp32 rounding does). */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

export interface QuantizedRow {
  q: Int8Array;
  /** max|x| / 127 in fp32: what one unit of q is worth. */
  dequant: number;
}

/**
 * BitNet's per-token activation quantization, computed in fp32 exactly as the fused-i8 path
 * specifies it: scale = 127 / max|x|, q = clamp(round(x * scale), -127, 127).
 */
export function quantizeActivationRow(x: Float32Array, offset: number, k: number): QuantizedRow {
  let maxAbs = 0;
  for (let c = 0; c < k; c++) maxAbs = Math.max(maxAbs, Math.abs(x[offset + c]!));
  const scale = maxAbs > 0 ? Math.fround(127 / maxAbs) : 0;
  const q = new Int8Array(k);
  for (let c = 0; c < k; c++) q[c] = Math.min(127, Math.max(-127, roundHalfEven(Math.fround(x[offset + c]! * scale))));
  return { q, dequant: maxAbs > 0 ? Math.fround(maxAbs / 127) : 0 };
}

/**
 * y (batch x n) for the fused-i8 path from the same quantized activations: the exact integer
 * sum W.q of each output times the activation's and the weights' scales, in float64.
 */
export function referenceI8Matmul(
  weights: Int8Array,
  x: Float32Array,
  n: number,
  k: number,
  batch: number,
  scale: number,
): Float64Array {
  const y = new Float64Array(batch * n);
  for (let b = 0; b < batch; b++) {
    const { q, dequant } = quantizeActivationRow(x, b * k, k);
    for (let r = 0; r < n; r++) {
      let dot = 0;
      for (let c = 0; c < k; c++) dot += weights[r * k + c]! * q[c]!;
      y[b * n + r] = dot * dequant * scale;
    }
  }
  return y;
}

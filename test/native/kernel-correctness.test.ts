// Every compute path on every ISA this CPU and build support, against the float64 TypeScript
// reference, on shapes chosen to hit the kernels' remainder cases (k not a multiple of 4, 16
// or 64; n not a multiple of the row tile; batch 1, a partial batch chunk, a large batch).
import { describe, expect, it } from 'vitest';
import { implementations, packTernary, PATHS, runPath, type PathName } from '../../native/index.js';
import {
  cosineSimilarity,
  createRng,
  randomActivations,
  randomTernaryWeights,
  referenceI8Matmul,
  referenceTernaryMatmul,
  relativeError,
  termToleranceViolations,
  type ReferenceProduct,
} from '../helpers/reference.js';

/** fp32 paths: error per output at most this times |scale| * sum_k |w * x|. */
const FP32_TERM_TOLERANCE = 1e-4;
/** Slack for outputs whose terms are all (near) zero. */
const ABSOLUTE_EPSILON = 1e-6;
/** cached-bf16: cosine similarity of the whole output against the reference. */
const BF16_MIN_COSINE = 0.9999;
/**
 * cached-bf16, per output: rounding activations to bf16 moves each term by at most 2^-9 of
 * itself; 2^-7 leaves room for fp32 accumulation.
 */
const BF16_TERM_TOLERANCE = 2 ** -7;
/**
 * fused-i8, per output, against the exact integer sum over the same quantized activations
 * times the two scales: only the final fp32 rescale may round (a few ulp).
 */
const I8_RELATIVE_TOLERANCE = 1e-6;
/** fused-i8 against the fp32 reference: cosine per output vector (int8 activations lose ~0.4%). */
const I8_MIN_COSINE = 0.999;

const SCALE = 0.37;
// 13: one full batch chunk of the fused GEMM (8 rows) and a partial one; 6 and 13: fused-i8's
// four-row inner loop followed by a pair and by a single row.
const BATCHES = [1, 3, 6, 13, 64] as const;
const THREADS = [1, 2] as const;
const SHAPES = [
  { n: 1, k: 7 },
  { n: 37, k: 70 },
  { n: 16, k: 130 },
  { n: 5, k: 1000 },
  { n: 1, k: 1000 },
  { n: 33, k: 4 },
  { n: 17, k: 1 },
  { n: 130, k: 33 },
  // fused-i8: k past one block (128 columns on AVX2, 256 on AVX-512) and past one chunk of
  // the batched kernel (1024 columns on AVX2, 2048 with VNNI), not a multiple of 4, 32, 64
  // or 256.
  { n: 9, k: 257 },
  { n: 12, k: 2501 },
] as const;

const supported = implementations().filter((impl) => impl.supported);

interface Problem {
  n: number;
  k: number;
  batch: number;
  weights: Int8Array;
  packed: Uint8Array;
  x: Float32Array;
  reference: ReferenceProduct;
  /** What fused-i8 must produce exactly (up to the final rescale). */
  i8Reference: Float64Array;
}

const problems = new Map<string, Problem>();

/** Seeded inputs and their reference product, built once per shape, batch and scale. */
function problem(n: number, k: number, batch: number, scale = SCALE): Problem {
  const key = `${n}x${k}x${batch}@${scale}`;
  let found = problems.get(key);
  if (!found) {
    const rng = createRng(n * 1_000_003 + k * 7919 + batch);
    const weights = randomTernaryWeights(rng, n, k);
    const x = randomActivations(rng, batch, k);
    found = {
      n,
      k,
      batch,
      weights,
      packed: packTernary(weights, n, k),
      x,
      reference: referenceTernaryMatmul(weights, x, n, k, batch, scale),
      i8Reference: referenceI8Matmul(weights, x, n, k, batch, scale),
    };
    problems.set(key, found);
  }
  return found;
}

function describeViolations(y: Float32Array, reference: ReferenceProduct, tolerance: number): string[] {
  return termToleranceViolations(y, reference, tolerance, ABSOLUTE_EPSILON)
    .slice(0, 5)
    .map((v) => `y[${v.index}] = ${v.actual}, reference ${v.expected}, allowed error ${v.allowed.toExponential(2)}`);
}

/** Asserts y against the reference with the tolerance the path is held to. */
function expectMatchesReference(path: PathName, y: Float32Array, p: Problem, label: string): void {
  expect(y).toBeInstanceOf(Float32Array);
  expect(y.length, label).toBe(p.batch * p.n);
  if (path === 'fused-i8') {
    const off: string[] = [];
    for (let i = 0; i < y.length && off.length < 5; i++) {
      const expected = p.i8Reference[i]!;
      const ok = expected === 0 ? y[i] === 0 : relativeError(y[i]!, expected) <= I8_RELATIVE_TOLERANCE;
      if (!ok) off.push(`y[${i}] = ${y[i]}, exact integer reference ${expected}`);
    }
    expect(off, label).toEqual([]);
    // Per output vector; a vector of a single output only has a sign to agree on.
    for (let b = 0; b < p.batch && p.n > 1; b++) {
      const row = (v: ArrayLike<number>) => Array.from({ length: p.n }, (_, r) => v[b * p.n + r]!);
      expect(cosineSimilarity(row(y), row(p.reference.y)), `${label} row ${b}`).toBeGreaterThanOrEqual(I8_MIN_COSINE);
    }
  } else if (path === 'cached-bf16') {
    expect(cosineSimilarity(y, p.reference.y), label).toBeGreaterThanOrEqual(BF16_MIN_COSINE);
    expect(describeViolations(y, p.reference, BF16_TERM_TOLERANCE), label).toEqual([]);
  } else {
    expect(describeViolations(y, p.reference, FP32_TERM_TOLERANCE), label).toEqual([]);
  }
}

describe('native kernels match the float64 reference', () => {
  it('at least the scalar implementation is supported', () => {
    expect(supported.map((impl) => impl.name)).toContain('scalar');
  });

  describe.each(supported)('isa $name', ({ name: isa }) => {
    describe.each([...PATHS])('path %s', (path) => {
      it.each(SHAPES)('n=$n k=$k, batches 1/3/6/13/64, threads 1/2', async ({ n, k }) => {
        for (const batch of BATCHES) {
          const p = problem(n, k, batch);
          for (const threads of THREADS) {
            const y = await runPath({ path, isa, weights: p.packed, n, k, x: p.x, batch, threads, scale: SCALE });
            expectMatchesReference(path, y, p, `${isa} ${path} n=${n} k=${k} batch=${batch} threads=${threads}`);
          }
        }
      });

      it('a negative scale and a scale of 1 (the default)', async () => {
        const scaled = problem(37, 70, 3, -1.75);
        const y = await runPath({ path, isa, weights: scaled.packed, n: 37, k: 70, x: scaled.x, batch: 3, scale: -1.75 });
        expectMatchesReference(path, y, scaled, `${isa} ${path} scale -1.75`);
        const unit = problem(37, 70, 3, 1);
        const y1 = await runPath({ path, isa, weights: unit.packed, n: 37, k: 70, x: unit.x, batch: 3 });
        expectMatchesReference(path, y1, unit, `${isa} ${path} default scale`);
      });

      it('the same inputs give bit-identical outputs on two runs', async () => {
        for (const [batch, threads] of [
          [1, 1],
          [3, 2],
          [64, 2],
        ] as const) {
          const p = problem(37, 130, batch);
          const options = { path, isa, weights: p.packed, n: 37, k: 130, x: p.x, batch, threads, scale: SCALE };
          const first = await runPath(options);
          const second = await runPath(options);
          expect(Buffer.from(second.buffer), `batch ${batch} threads ${threads}`).toEqual(Buffer.from(first.buffer));
        }
      });

      it('more threads than row tiles (some threads get no rows)', async () => {
        for (const [n, threads] of [
          [5, 3],
          [17, 4],
          [1, 2],
        ] as const) {
          const p = problem(n, 70, 3);
          const y = await runPath({ path, isa, weights: p.packed, n, k: 70, x: p.x, batch: 3, threads, scale: SCALE });
          expectMatchesReference(path, y, p, `${isa} ${path} n=${n} threads=${threads}`);
        }
      });

      it('threads 1 and 2 agree within tolerance', async () => {
        for (const batch of BATCHES) {
          const p = problem(130, 70, batch);
          const options = { path, isa, weights: p.packed, n: 130, k: 70, x: p.x, batch, scale: SCALE };
          const one = await runPath({ ...options, threads: 1 });
          const two = await runPath({ ...options, threads: 2 });
          // Measured against the reference's term sizes: threads change only how rows are
          // split, so the two may differ by at most two fp32 roundings' worth.
          const asReference: ReferenceProduct = { y: Float64Array.from(one), termMagnitude: p.reference.termMagnitude };
          expect(describeViolations(two, asReference, 2 * FP32_TERM_TOLERANCE), `batch ${batch}`).toEqual([]);
        }
      });
    });

    describe.each(['baseline', 'cached-f32'] as const)('path %s with useBlas: false (builtin dense loops)', (path) => {
      it.each(SHAPES)('n=$n k=$k, batches 1/3/6/13/64, threads 1/2', async ({ n, k }) => {
        for (const batch of BATCHES) {
          const p = problem(n, k, batch);
          for (const threads of THREADS) {
            const y = await runPath({
              path,
              isa,
              weights: p.packed,
              n,
              k,
              x: p.x,
              batch,
              threads,
              scale: SCALE,
              useBlas: false,
            });
            expectMatchesReference(path, y, p, `${isa} ${path} useBlas=false n=${n} k=${k} batch=${batch} threads=${threads}`);
          }
        }
      });
    });
  });

  it('all-zero weights give exact zeros on every path and ISA', async () => {
    const n = 19;
    const k = 21;
    const packed = packTernary(new Int8Array(n * k), n, k);
    const x = randomActivations(createRng(5), 3, k);
    // Batch 1 too: the fp32 LUT kernels sum tables of activations there (quintet-code.h).
    for (const batch of [1, 3]) {
      for (const { name: isa } of supported) {
        for (const path of PATHS) {
          const y = await runPath({ path, isa, weights: packed, n, k, x: x.subarray(0, batch * k), batch, scale: SCALE });
          expect(Array.from(y).every((v) => v === 0), `${isa} ${path} batch ${batch}`).toBe(true);
        }
      }
    }
  });

  it('fused-i8 stays exact at the largest sums (weights all +1 or all -1, activations all at 127)', async () => {
    // Every product at its largest: the int16 partials of the maddubs kernels and the int32
    // accumulators reach their bounds, which random inputs never do.
    const k = 4099;
    const rows = [1, -1, 1, -1, 1, 0, -1, 1, 1];
    const n = rows.length;
    const weights = new Int8Array(n * k);
    rows.forEach((w, r) => weights.fill(w, r * k, (r + 1) * k));
    const packed = packTernary(weights, n, k);
    for (const batch of [1, 3, 64]) {
      const x = new Float32Array(batch * k);
      for (let b = 0; b < batch; b++) x.fill(b % 2 === 0 ? 0.5 : -2, b * k, (b + 1) * k);
      for (const { name: isa } of supported) {
        const y = await runPath({ path: 'fused-i8', isa, weights: packed, n, k, x, batch, threads: 2, scale: 1 });
        const expected = (b: number, r: number) => rows[r]! * (b % 2 === 0 ? 0.5 : -2) * k;
        const off: string[] = [];
        for (let b = 0; b < batch; b++)
          for (let r = 0; r < n; r++)
            if (Math.abs(y[b * n + r]! - expected(b, r)) > 1e-6 * k * 2) off.push(`b${b} r${r}: ${y[b * n + r]} vs ${expected(b, r)}`);
        expect(off.slice(0, 5), `${isa} batch ${batch}`).toEqual([]);
      }
    }
  });

  it('calls in flight together give the same bits as the same calls one at a time', async () => {
    // Several libuv workers share one kernel thread pool: overlapping calls must not mix.
    const calls = [];
    for (let i = 0; i < 48; i++) {
      const n = [1, 37, 130][i % 3]!;
      const k = [7, 70, 130][(i >> 1) % 3]!;
      const batch = [1, 3, 13][(i >> 2) % 3]!;
      const p = problem(n, k, batch);
      calls.push({
        path: PATHS[i % PATHS.length]!,
        isa: supported[i % supported.length]!.name,
        weights: p.packed,
        n,
        k,
        x: p.x,
        batch,
        threads: 1 + (i % 3),
        scale: SCALE,
      });
    }
    const oneAtATime: Float32Array[] = [];
    for (const call of calls) oneAtATime.push(await runPath(call));
    const together = await Promise.all(calls.map((call) => runPath(call)));
    together.forEach((y, i) => {
      expect(Buffer.from(y.buffer), `call ${i}`).toEqual(Buffer.from(oneAtATime[i]!.buffer));
    });
  });

  it('the active ISA (no isa named) gives the same result as naming it', async () => {
    const active = implementations().find((impl) => impl.active);
    expect(active).toBeDefined();
    const p = problem(37, 70, 3);
    for (const path of PATHS) {
      const options = { path, weights: p.packed, n: 37, k: 70, x: p.x, batch: 3, scale: SCALE };
      const implicit = await runPath(options);
      const named = await runPath({ ...options, isa: active!.name });
      expect(Buffer.from(implicit.buffer), path).toEqual(Buffer.from(named.buffer));
    }
  });
});

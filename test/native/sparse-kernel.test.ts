// The sparse GEMV kernels (activation sparsity) against the dense ones on the same zeroed
// activations, on every ISA this CPU and build support: bitwise for fused-i8 (the integer dot
// over the listed blocks is the dense dot), and within 1e-5 of the terms' magnitude for fused
// fp32 (the sparse kernel adds in another order). The zeroed blocks are the kernel benchmark's
// shape: aligned runs of 256 columns, plus single zeros, which neither kernel may mind.
import { describe, expect, it } from 'vitest';
import { implementations, packTernary, runPath, timeKernel } from '../../native/index.js';
import { createRng, randomActivations, randomTernaryWeights, type Rng } from '../helpers/reference.js';

/** fused fp32: |sparse - dense| per output at most this times |scale| * sum_k |x_k|. */
const FP32_RELATIVE_TOLERANCE = 1e-5;
const SCALE = 0.37;
// k: several 256-column blocks with a partial last one (2501), exactly whole blocks (2560), and
// less than one AVX-512 block (200); n: not a multiple of the fp32 sparse layouts' tiles, so
// threads split inside a tile; 4100 rows: past the fused-i8 kernel's 4096-row groups, and past
// the 4096 from which fused on AVX-512 has its sparse kernel (the column-panel copy; below it
// the path runs dense); 4092 rows: whole chunks of the AVX-512 panel copy (32 tiles of 16
// rows) whose last tile is cut by n.
const SHAPES = [
  { n: 300, k: 2501 },
  { n: 257, k: 2560 },
  { n: 70, k: 200 },
  { n: 4100, k: 300 },
  { n: 4092, k: 300 },
] as const;
const THREADS = [1, 2] as const;
const SPARSE_PATHS = ['fused-i8', 'fused'] as const;

/**
 * Zeroes `fraction` of the aligned blocks of `blockColumns` columns (chosen by `rng`), then
 * about one value in 14 elsewhere.
 */
function zeroBlocks(rng: Rng, x: Float32Array, k: number, fraction: number, blockColumns: number): void {
  const blocks = Math.ceil(k / blockColumns);
  const order = Array.from({ length: blocks }, (_, i) => i);
  for (let i = blocks - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  for (const block of order.slice(0, Math.round(fraction * blocks))) x.fill(0, block * blockColumns, Math.min(k, (block + 1) * blockColumns));
  for (let i = 0; i < k; i += 7) if (rng.next() < 0.5) x[i] = 0;
}

// Enough zero blocks that each path's sparse kernel runs (sparse-choice.h: fused-i8 from
// 15% of its 64- to 256-column blocks, fused from a fifth of its 36- to 64-column ones:
// 93% of 64-column blocks zeroed leaves most of those all zero on every ISA).
const ZEROED = { 'fused-i8': { fraction: 0.6, blockColumns: 256 }, fused: { fraction: 0.93, blockColumns: 64 } } as const;

const supported = implementations().filter((impl) => impl.supported);

describe.each(supported.map((impl) => [impl.name] as const))('sparse kernels on %s', (isa) => {
  // fused-i8 reads the listed blocks a few at a time and the rest in smaller steps: every
  // count of listed blocks from 1 to 8 of 11, so every remainder of every step size runs.
  it('fused-i8 sparse = dense for 1 to 8 listed blocks of 11', async () => {
    const n = 300, k = 11 * 256;
    const rng = createRng(1100);
    const weights = packTernary(randomTernaryWeights(rng, n, k), n, k);
    for (let kept = 1; kept <= 8; kept++) {
      const x = randomActivations(rng, 1, k);
      zeroBlocks(rng, x, k, (11 - kept) / 11, 256);
      const common = { path: 'fused-i8', isa, weights, n, k, x, threads: 2, scale: SCALE } as const;
      const dense = await runPath(common);
      const sparse = await runPath({ ...common, sparseKernel: true });
      expect(new Uint32Array(sparse.buffer), `${kept} kept`).toEqual(new Uint32Array(dense.buffer));
    }
  });

  for (const path of SPARSE_PATHS) {
    it.each(SHAPES.flatMap((shape) => THREADS.map((threads) => ({ ...shape, threads }))))(
      `${path} sparse = dense on zeroed activations, n $n k $k, $threads threads`,
      async ({ n, k, threads }) => {
        const rng = createRng(n * 31 + k);
        const weights = packTernary(randomTernaryWeights(rng, n, k), n, k);
        const x = randomActivations(rng, 1, k);
        zeroBlocks(rng, x, k, ZEROED[path].fraction, ZEROED[path].blockColumns);
        const common = { path, isa, weights, n, k, x, threads, scale: SCALE } as const;
        const dense = await runPath(common);
        const sparse = await runPath({ ...common, sparseKernel: true });
        if (path === 'fused-i8') {
          expect(new Uint32Array(sparse.buffer)).toEqual(new Uint32Array(dense.buffer));
          return;
        }
        let magnitude = 0;
        for (const v of x) magnitude += Math.abs(v);
        const bound = FP32_RELATIVE_TOLERANCE * SCALE * magnitude;
        let worst = 0;
        for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(sparse[i]! - dense[i]!));
        expect(worst).toBeLessThanOrEqual(bound);
      },
    );
  }

  // fused-i8's column stripes (stripe-layout.h; x86 but scalar, NEON dotprod) on zeros one by one, from
  // 45% zero and 1024 rows: columns split among the threads (1 to 3, the third's share past
  // a whole number of eight-column sweeps), every thread's dots added per row; n not a multiple
  // of the 256-row chunk; k from fewer than one sweep to past the kernel's 256-column batches.
  it.each([
    { n: 1100, k: 7, threads: 2 },
    { n: 1024, k: 300, threads: 1 },
    { n: 2500, k: 1000, threads: 3 },
    { n: 4100, k: 2560, threads: 2 },
  ])('fused-i8 sparse = dense on scattered zeros, n $n k $k, $threads threads', async ({ n, k, threads }) => {
    const rng = createRng(n + 7 * k);
    const weights = packTernary(randomTernaryWeights(rng, n, k), n, k);
    for (const zero of [0.5, 0.9, 1]) {
      const x = randomActivations(rng, 1, k);
      for (let i = 0; i < k; i++) if (rng.next() < zero) x[i] = 0;
      const common = { path: 'fused-i8', isa, weights, n, k, x, threads, scale: SCALE } as const;
      const dense = await runPath(common);
      const sparse = await runPath({ ...common, sparseKernel: true });
      expect(new Uint32Array(sparse.buffer), `${zero} zero`).toEqual(new Uint32Array(dense.buffer));
    }
  });

  // fused runs its sparse kernel only when almost every block is zero (sparse-choice.h).
  it.each([['fused-i8', 0.5], ['fused', 1]] as const)('%s: the timing loop runs the sparse kernel on activations %f zero and dense calls beside it', async (path, sparsity) => {
    const timing = await timeKernel({
      path, isa, n: 4096, k: 1024, batch: 1, threads: 1, cache: 'hot', coldBytes: 1 << 20, warmup: 1,
      minSamples: 3, maxSamples: 3, minTimeMs: 0, targetCv: 0, maxTimeMs: 0, seed: 3, useBlas: false, sparsity,
    });
    expect(timing.sparsity?.zeroFraction).toBeCloseTo(sparsity, 2);
    expect(timing.sparsity?.zeroBlockFraction).toBeGreaterThanOrEqual(sparsity);
    expect(timing.sparsity?.sparseCallFraction).toBe(1);
    expect(timing.sparsity?.denseSamplesNs.length).toBe(timing.samplesNs.length);
  });
});

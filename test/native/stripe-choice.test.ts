// When fused-i8 runs its column-stripe kernel on scattered zeros (sparse-choice.h): from 45%
// zeros, and on the 512-bit kernels from 25% when the weights come from memory at every call
// (the kernel benchmark cold; a model whose ternary weights exceed the last-level cache).
// The choice shows in sparseCallFraction; that the stripes equal dense is sparse-kernel.test.ts's.
import { describe, expect, it } from 'vitest';
import { implementations, timeKernel } from '../../native/index.js';
import { benchmarkModel, type ModelSpec } from '../../native/model.js';
import { lastLevelCacheBytes } from '../../runner/cold-footprint.js';
import { MODEL_PRESETS } from '../../runner/model-config.js';
import { modelSpecFor } from '../../runner/model-job.js';

const supported = implementations().filter((impl) => impl.supported);
// The ISAs with a stripe kernel, and which of them have 512-bit vectors.
const STRIPES = new Set(['amx-int8', 'avx512-vnni', 'avx512', 'avx-vnni', 'avx2', 'neon-dotprod']);
const WIDE = new Set(['amx-int8', 'avx512-vnni', 'avx512']);
const withStripes = supported.filter((impl) => STRIPES.has(impl.name)).map((impl) => [impl.name] as const);

describe.skipIf(withStripes.length === 0).each(withStripes)('stripe choice on %s', (isa) => {
  const wide = WIDE.has(isa);

  it.each([
    { zeros: 0.3, cache: 'hot', runs: false },
    { zeros: 0.3, cache: 'cold', runs: wide },
    { zeros: 0.2, cache: 'cold', runs: false },
    { zeros: 0.5, cache: 'hot', runs: true },
  ] as const)('kernel, $zeros zero one by one, $cache: stripes $runs', async ({ zeros, cache, runs }) => {
    const timing = await timeKernel({
      path: 'fused-i8', isa, n: 2048, k: 1024, batch: 1, threads: 2, cache, coldBytes: 64 << 20, warmup: 1,
      minSamples: 3, maxSamples: 3, minTimeMs: 0, targetCv: 0, maxTimeMs: 0, seed: 5, useBlas: false,
      sparsity: zeros, sparsityPattern: 'scattered',
    });
    expect(timing.sparsity?.zeroFraction).toBeCloseTo(zeros, 2);
    expect(timing.sparsity?.sparseCallFraction).toBe(runs ? 1 : 0);
  });

  // One layer 1024 wide: q, o and down have 1024 rows, gate and up 2048, k and v 256 (too few
  // for stripes). Top-k keeping 70% zeroes 30% of every input; the down projection's input is
  // mostly the squared ReLU's zeros.
  const spec = (lastLevelCacheBytes?: number): ModelSpec => ({
    dims: { hidden: 1024, ffn: 2048, layers: 1, heads: 8, kvHeads: 2, vocab: 256, ropeTheta: 10000, rmsEps: 1e-5 },
    path: 'fused-i8', isa, threads: 2, sequences: 1, prompt: 3, tokens: 3, seed: 2,
    sparsity: 'top-k', sparsityLevel: 0.7,
    ...(lastLevelCacheBytes === undefined ? {} : { lastLevelCacheBytes }),
  });
  // The layer's 2-bit weights: 3.3 MB.
  it.each([
    { llc: undefined, streamed: false },
    { llc: 64 << 20, streamed: false },
    { llc: 1 << 20, streamed: true },
  ])('model top-k 0.7, last-level cache $llc: weights streamed $streamed', async ({ llc, streamed }) => {
    const run = await benchmarkModel(spec(llc));
    const expected = streamed && wide ? 5 / 7 : 1 / 7;
    expect(run.sparsity?.sparseCallFraction).toBeCloseTo(expected, 6);
  });
});

it("a model job tells the native model this machine's last-level cache", () => {
  const spec = modelSpecFor({ path: 'fused-i8', batch: 1, prompt: 3, tokens: 1, threads: 1 }, MODEL_PRESETS.tiny, 'scalar');
  expect(spec.lastLevelCacheBytes).toBe(lastLevelCacheBytes());
});

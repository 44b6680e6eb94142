// The sizes the protocol and the CLI refuse beyond (runner/protocol/limits.ts) are the native
// core's own: one past each is what the addon refuses, and the largest kernel sizes still run.
import { describe, expect, it } from 'vitest';
import { addon } from '../../native/addon.js';
import { runPath } from '../../native/index.js';
import { MODEL_PRESETS } from '../../runner/model-config.js';
import { modelSpecFor } from '../../runner/model-job.js';
import { MAX_DIMENSION, MAX_KERNEL_BATCH, MAX_MODEL_TOKENS, MAX_SEQUENCES, MAX_THREADS } from '../../runner/protocol/limits.js';

/** A fused product of n x k ternary weights (all code 0x55: weight 0) on `batch` rows of ones. */
function product(n: number, k: number, batch = 1, threads = 1): Promise<Float32Array> {
  const weights = new Uint8Array(n * Math.ceil(k / 4)).fill(0x55);
  return runPath({ path: 'fused', isa: 'scalar', weights, n, k, x: new Float32Array(batch * k).fill(1), batch, threads });
}

describe('native limits', () => {
  it.each([
    ['n', () => product(MAX_DIMENSION + 1, 4), MAX_DIMENSION],
    ['k', () => product(1, MAX_DIMENSION + 1), MAX_DIMENSION],
    ['batch', () => product(1, 4, MAX_KERNEL_BATCH + 1), MAX_KERNEL_BATCH],
    ['threads', () => product(1, 4, 1, MAX_THREADS + 1), MAX_THREADS],
  ] as const)('the addon refuses %s one past the protocol limit', async (field, run, limit) => {
    await expect(run()).rejects.toThrow(new RegExp(`at most ${limit} for ${field} but received ${limit + 1}`));
  });

  it('the addon runs the largest n, k and batch the protocol allows', async () => {
    expect((await product(MAX_DIMENSION, 4)).length).toBe(MAX_DIMENSION);
    expect((await product(1, MAX_DIMENSION)).length).toBe(1);
    expect((await product(1, 4, MAX_KERNEL_BATCH)).length).toBe(MAX_KERNEL_BATCH);
  });

  it.each([
    ['sequences', { batch: MAX_SEQUENCES + 1 }, MAX_SEQUENCES],
    ['prompt', { prompt: MAX_MODEL_TOKENS + 1 }, MAX_MODEL_TOKENS],
    ['tokens', { tokens: MAX_MODEL_TOKENS + 1 }, MAX_MODEL_TOKENS],
  ] as const)('the model reader refuses %s one past the protocol limit, and takes the limit itself', (field, over, limit) => {
    const base = { path: 'fused' as const, batch: 1, prompt: 8, tokens: 8, threads: 1 };
    const estimate = (fields: Partial<typeof base>) =>
      addon.estimateModelBytes(modelSpecFor({ ...base, ...fields }, MODEL_PRESETS.tiny, 'scalar'));
    expect(() => estimate(over)).toThrow(new RegExp(`at most ${limit} for ${field} but received ${limit + 1}`));
    const key = Object.keys(over)[0] as keyof typeof base;
    expect(estimate({ [key]: limit })).toBeGreaterThan(0);
  });
});

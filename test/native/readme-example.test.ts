// The README's API example, kept true.
import { expect, it } from 'vitest';
import { packTernary, runPath } from '../../native/index.js';

it('computes the README example on every path', async () => {
  const n = 3, k = 5;
  const weights = packTernary(Int8Array.from([1, 0, -1, 1, 1, 0, 0, 0, 0, 0, -1, -1, -1, -1, -1]), n, k);
  const x = Float32Array.from([1, 2, 3, 4, 5]);
  for (const path of ['fused', 'cached-f32', 'cached-bf16', 'baseline'] as const) {
    expect(Array.from(await runPath({ path, weights, n, k, x, scale: 0.5 }))).toEqual([3.5, 0, -7.5]);
  }
});

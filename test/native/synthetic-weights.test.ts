// The synthetic embedding handed out a slice at a time (what the GGUF writer streams): any range
// of rows is the same bytes as that range of the whole table, and the table is the model's own.
import { describe, expect, it } from 'vitest';
import { addon } from '../../native/addon.js';
import { syntheticEmbeddingRows } from '../../native/synthetic-weights.js';

const DIMS = { hidden: 64, ffn: 160, layers: 2, heads: 4, kvHeads: 2, vocab: 256, ropeTheta: 10000, rmsEps: 1e-5 };
const SEED = 3;

describe('syntheticEmbeddingRows', () => {
  it('gives any range of rows exactly as that range of the whole table', async () => {
    const whole = await syntheticEmbeddingRows(DIMS, SEED, 0, DIMS.vocab);
    expect(whole).toHaveLength(DIMS.vocab * DIMS.hidden);
    for (const [begin, end] of [[0, 1], [5, 9], [100, 228], [255, 256], [17, 17]] as const) {
      const rows = await syntheticEmbeddingRows(DIMS, SEED, begin, end);
      expect(rows).toHaveLength((end - begin) * DIMS.hidden);
      expect(Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength).equals(Buffer.from(whole.buffer, whole.byteOffset + begin * DIMS.hidden * 2, rows.byteLength))).toBe(true);
    }
  });

  it('is the table the native model builds for the same seed', async () => {
    const whole = await syntheticEmbeddingRows(DIMS, SEED, 0, DIMS.vocab);
    const weights = await (addon as unknown as { modelWeights(spec: object): Promise<{ embedding: Float32Array }> }).modelWeights({ dims: DIMS, path: 'fused', threads: 1, sequences: 1, prompt: 1, seed: SEED });
    const widened = new Float32Array(new Uint32Array(Array.from(whole, (bits) => bits << 16)).buffer);
    expect(Buffer.from(widened.buffer).equals(Buffer.from(weights.embedding.buffer, weights.embedding.byteOffset, weights.embedding.byteLength))).toBe(true);
  });
});

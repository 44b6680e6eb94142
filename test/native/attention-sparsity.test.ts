// Attention sparsity (native/src/model/attention-sparsity.*, the masked kernels in
// attention-chunk.inl and window mode in attention.cc) against plain TypeScript: the same
// selection on float64 scores over the keys and values a bf16 cache stores, on every ISA this
// CPU supports, on one thread and split across several (window mode's chunks then straddle
// the global tokens and the window).
import { describe, expect, it } from 'vitest';
import { implementations, type IsaName } from '../../native/index.js';
import { attendKv, type AttendSpec } from '../../native/kv-cache.js';
import { bf16, seeded } from '../helpers/attention-inputs.js';

const HEADS = 4, KV_HEADS = 2;

type Mode = Pick<AttendSpec, 'attentionSparsity' | 'attentionLevel' | 'attentionWindow' | 'attentionGlobal'>;

/** Which positions a head keeps, as the README defines each mode. */
function kept(mode: Mode, scores: Float64Array): boolean[] {
  const n = scores.length;
  const keepLargest = (keep: number) => {
    if (keep >= n) return scores.map(() => 1) as unknown as boolean[];
    const cut = [...scores].sort((a, b) => b - a)[keep - 1]!;
    return [...scores].map((s) => s >= cut);
  };
  const top = Math.max(...scores);
  const weights = [...scores].map((s) => Math.exp(s - top));
  const sum = weights.reduce((a, b) => a + b, 0);
  switch (mode.attentionSparsity) {
    case 'top-k':
      return keepLargest(Math.ceil(mode.attentionLevel! * n));
    case 'threshold':
      return weights.map((w, j) => scores[j] === top || w >= mode.attentionLevel! * sum);
    case 'dynamic': {
      if (n < 2) return [true];
      const entropy = -weights.reduce((h, w) => (w > 0 ? h + (w / sum) * Math.log(w / sum) : h), 0);
      return keepLargest(Math.max(1, Math.ceil(((mode.attentionLevel! * entropy) / Math.log(n)) * n)));
    }
    case 'window': {
      const global = Math.min(mode.attentionGlobal ?? 0, n);
      const window = Math.min(mode.attentionWindow!, n - global);
      return [...scores].map((_, j) => j < global || j >= n - window);
    }
    default:
      return [...scores].map(() => true);
  }
}

function sparseReference(mode: Mode, q: Float32Array, keys: Float32Array, values: Float32Array, positions: number, headDim: number) {
  const out = new Float64Array(HEADS * headDim);
  const group = HEADS / KV_HEADS;
  let keptPairs = 0;
  for (let h = 0; h < HEADS; h++) {
    const kvHead = Math.floor(h / group);
    const scores = new Float64Array(positions);
    for (let p = 0; p < positions; p++) {
      let dot = 0;
      for (let i = 0; i < headDim; i++) dot += q[h * headDim + i]! * keys[(p * KV_HEADS + kvHead) * headDim + i]!;
      scores[p] = dot / Math.sqrt(headDim);
    }
    const keep = kept(mode, scores);
    const top = Math.max(...scores.filter((_, p) => keep[p]));
    let sum = 0;
    const weights = [...scores].map((s, p) => (keep[p] ? Math.exp(s - top) : 0));
    for (const w of weights) sum += w;
    for (let p = 0; p < positions; p++) {
      if (!keep[p]) continue;
      keptPairs++;
      for (let i = 0; i < headDim; i++) out[h * headDim + i] = out[h * headDim + i]! + (weights[p]! / sum) * values[(p * KV_HEADS + kvHead) * headDim + i]!;
    }
  }
  return { out, sparsity: 1 - keptPairs / (HEADS * positions) };
}

const MODES: [string, Mode][] = [
  ['top-k 0.3', { attentionSparsity: 'top-k', attentionLevel: 0.3 }],
  ['top-k 1', { attentionSparsity: 'top-k', attentionLevel: 1 }],
  ['threshold 0.002', { attentionSparsity: 'threshold', attentionLevel: 0.002 }],
  ['window 200 + 4 global', { attentionSparsity: 'window', attentionWindow: 200, attentionGlobal: 4 }],
  ['window 50, no global', { attentionSparsity: 'window', attentionWindow: 50 }],
  ['window 3 + 1000 global (all)', { attentionSparsity: 'window', attentionWindow: 3, attentionGlobal: 1000 }],
  ['dynamic 0.8', { attentionSparsity: 'dynamic', attentionLevel: 0.8 }],
];

const isas = implementations().filter((i) => i.supported).map((i) => i.name as IsaName);

describe.each(isas)('attention sparsity on %s', (isa) => {
  describe.each(MODES)('%s', (_, mode) => {
    it.each([
      [1, 32, 1],
      [70, 64, 1],
      [600, 128, 1],
      [600, 128, 3],
    ])('%i positions, headDim %i, %i threads: the plain reference', async (positions, headDim, threads) => {
      const random = seeded(positions * 977 + headDim);
      // Keys scaled so the softmax is peaked enough for top-k and threshold to matter.
      const vector = (length: number, scale: number) => Float32Array.from({ length }, () => bf16((random() * 2 - 1) * scale));
      const q = vector(HEADS * headDim, 2);
      const keys = vector(positions * KV_HEADS * headDim, 2);
      const values = vector(positions * KV_HEADS * headDim, 2);
      const out = await attendKv({ kv: 'bf16', heads: HEADS, kvHeads: KV_HEADS, headDim, positions, q, keys, values, threads, isa, ...mode });
      const reference = sparseReference(mode, q, keys, values, positions, headDim);
      const scale = reference.out.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      for (let i = 0; i < out.length; i++) expect(Math.abs(out[i]! - reference.out[i]!), `output ${i}`).toBeLessThanOrEqual(2e-5 * scale + 1e-6);
      if (positions === 600 && mode.attentionLevel !== 1 && mode.attentionGlobal !== 1000) expect(reference.sparsity).toBeGreaterThan(0.1);
    });
  });
});

describe('attention sparsity values', () => {
  const base = { heads: HEADS, kvHeads: KV_HEADS, headDim: 8, positions: 4, q: new Float32Array(32), keys: new Float32Array(64), values: new Float32Array(64) };
  it.each([
    [{ attentionSparsity: 'strided' as never }, /attentionSparsity/],
    [{ attentionSparsity: 'top-k' as const, attentionLevel: 0 }, /attentionLevel/],
    [{ attentionSparsity: 'threshold' as const, attentionLevel: 1.5 }, /attentionLevel/],
    [{ attentionSparsity: 'window' as const }, /attentionWindow/],
  ])('%o rejects naming the field', async (mode, message) => {
    await expect(Promise.resolve().then(() => attendKv({ ...base, ...mode }))).rejects.toThrow(message);
  });
});

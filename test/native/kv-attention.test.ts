// Decode attention over each KV cache format (native/src/model/attention*.{h,cc,inl}) against
// fp32 attention in plain TypeScript: on every ISA this CPU supports, on one thread and split
// across several (chunks whose softmax partials are combined), over short and long spans.
// Two references: plain fp32 (how much each format loses: a cosine floor per format), and fp32
// over the keys and values the format stores, quantized here as the cache quantizes them (that
// the kernels compute the rest exactly, to rounding).
import { describe, expect, it } from 'vitest';
import { implementations, type IsaName, type KvDtype } from '../../native/index.js';
import { attendKv } from '../../native/kv-cache.js';
import { decodeFp8Reference, encodeFp8Reference } from '../helpers/fp8-reference.js';
import { bf16, seeded } from '../helpers/attention-inputs.js';

const HEADS = 4, KV_HEADS = 2;
const FORMATS: KvDtype[] = ['bf16', 'int8', 'fp8-e4m3', 'fp8-e5m2'];
/** Smallest cosine against fp32 attention on these random inputs (bf16 and int8 measure ~1 - 1e-5). */
const COSINE_FLOOR: Record<KvDtype, number> = { bf16: 0.9999, int8: 0.9999, 'fp8-e4m3': 0.999, 'fp8-e5m2': 0.995 };

/** One head's vector as the cache stores and reads it back. */
function quantizeHead(kv: KvDtype, v: Float32Array): Float32Array {
  if (kv === 'bf16') return v.map(bf16);
  const top = kv === 'int8' ? 127 : kv === 'fp8-e4m3' ? 448 : 57344;
  const absmax = v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  const scale = absmax > 0 ? Math.fround(absmax / top) : 1;
  if (kv === 'int8') return v.map((x) => Math.fround(Math.round(Math.fround(x / scale)) * scale));
  const format = kv === 'fp8-e4m3' ? 'e4m3' : 'e5m2';
  const inverse = absmax > 0 ? Math.fround(top / absmax) : 1;
  return v.map((x) => Math.fround(decodeFp8Reference(format, encodeFp8Reference(format, Math.fround(x * inverse))) * scale));
}

function quantizeRows(kv: KvDtype, rows: Float32Array, headDim: number): Float32Array {
  const out = new Float32Array(rows.length);
  for (let h = 0; h < rows.length / headDim; h++) out.set(quantizeHead(kv, rows.subarray(h * headDim, (h + 1) * headDim)), h * headDim);
  return out;
}

function attentionReference(q: Float32Array, keys: Float32Array, values: Float32Array, positions: number, headDim: number): Float64Array {
  const out = new Float64Array(HEADS * headDim);
  const group = HEADS / KV_HEADS;
  for (let h = 0; h < HEADS; h++) {
    const kvHead = Math.floor(h / group);
    const scores = new Float64Array(positions);
    for (let p = 0; p < positions; p++) {
      let dot = 0;
      for (let i = 0; i < headDim; i++) dot += q[h * headDim + i]! * keys[(p * KV_HEADS + kvHead) * headDim + i]!;
      scores[p] = dot / Math.sqrt(headDim);
    }
    const top = Math.max(...scores);
    let sum = 0;
    for (let p = 0; p < positions; p++) sum += scores[p] = Math.exp(scores[p]! - top);
    for (let p = 0; p < positions; p++)
      for (let i = 0; i < headDim; i++) out[h * headDim + i] = out[h * headDim + i]! + (scores[p]! / sum) * values[(p * KV_HEADS + kvHead) * headDim + i]!;
  }
  return out;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!, aa += a[i]! ** 2, bb += b[i]! ** 2;
  return dot / Math.sqrt(aa * bb);
}

const isas = implementations().filter((i) => i.supported).map((i) => i.name as IsaName);

describe.each(isas)('KV attention on %s', (isa) => {
  describe.each(FORMATS)('%s cache', (kv) => {
    it.each([
      [1, 32, 1],
      [70, 64, 1],
      [600, 128, 1],
      [600, 128, 3],
      [37, 24, 4],
    ])('%i positions, headDim %i, %i threads: fp32 attention within the format\'s loss', async (positions, headDim, threads) => {
      const random = seeded(positions * 131 + headDim);
      const vector = (length: number) => Float32Array.from({ length }, () => (random() * 2 - 1) * 2);
      const q = vector(HEADS * headDim);
      const keys = vector(positions * KV_HEADS * headDim);
      const values = vector(positions * KV_HEADS * headDim);
      const out = await attendKv({ kv, heads: HEADS, kvHeads: KV_HEADS, headDim, positions, q, keys, values, threads, isa });

      const exact = attentionReference(q, keys, values, positions, headDim);
      expect(cosine(out, exact)).toBeGreaterThanOrEqual(COSINE_FLOOR[kv]);

      const stored = attentionReference(q, quantizeRows(kv, keys, headDim), quantizeRows(kv, values, headDim), positions, headDim);
      const scale = stored.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      for (let i = 0; i < out.length; i++) expect(Math.abs(out[i]! - stored[i]!), `output ${i}`).toBeLessThanOrEqual(2e-5 * scale + 1e-6);
    });
  });
});

// A plain TypeScript reference forward pass of the BitNet b1.58 model the native addon runs,
// in float64, for small models: embedding -> layers (RMSNorm, ternary q/k/v, RoPE, causal GQA
// attention, attention sub-norm, o, RMSNorm, ternary gate/up, ReLU^2 gating, FFN sub-norm,
// down) -> final RMSNorm -> tied LM head. No quantization of activations, KV or LM head.

import type { AddonModelDims } from '../../native/addon.js';

export type ModelDims = AddonModelDims;

/** A projection as the addon hands it out: n rows of ceil(k / 4) bytes, y = scale * W x. */
export interface PackedProjection {
  packed: Uint8Array;
  n: number;
  k: number;
  scale: number;
}

export interface LayerWeights {
  norms: { input: Float32Array; attentionSub: Float32Array; postAttention: Float32Array; ffnSub: Float32Array };
  projections: Record<'q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down', PackedProjection>;
}

export interface ModelWeights {
  /** vocab x hidden, row-major: row t is token t. */
  embedding: Float32Array;
  finalNorm: Float32Array;
  layers: LayerWeights[];
}

/** A projection unpacked to Int8Array weights in {-1, 0, +1}, n x k row-major. */
export interface DenseProjection {
  weights: Int8Array;
  n: number;
  k: number;
  scale: number;
}

/** Unpacks the public 2-bit format: code = w + 1, column 4j + m at bits (6 - 2m) of byte j. */
export function unpackProjection(projection: PackedProjection): DenseProjection {
  const { packed, n, k, scale } = projection;
  const rowBytes = Math.ceil(k / 4);
  if (packed.length !== n * rowBytes) {
    throw new RangeError(`reference: packed must hold ${n} x ${rowBytes} bytes, has ${packed.length}`);
  }
  const weights = new Int8Array(n * k);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < k; c++) {
      const code = (packed[r * rowBytes + (c >> 2)]! >> (6 - 2 * (c & 3))) & 3;
      if (code === 3) throw new RangeError(`reference: invalid code 3 at row ${r}, column ${c}`);
      weights[r * k + c] = code - 1;
    }
  }
  return { weights, n, k, scale };
}

/** y = scale * W x in float64. */
export function project(p: DenseProjection, x: ArrayLike<number>): Float64Array {
  if (x.length !== p.k) throw new RangeError(`reference: projection expects ${p.k} inputs, got ${x.length}`);
  const y = new Float64Array(p.n);
  for (let r = 0; r < p.n; r++) {
    let sum = 0;
    const row = r * p.k;
    for (let c = 0; c < p.k; c++) {
      const w = p.weights[row + c]!;
      if (w !== 0) sum += w * x[c]!;
    }
    y[r] = p.scale * sum;
  }
  return y;
}

/** v / sqrt(mean(v^2) + eps) * w, elementwise. */
export function rmsNorm(v: ArrayLike<number>, w: ArrayLike<number>, eps: number): Float64Array {
  if (v.length !== w.length) throw new RangeError('reference: rmsNorm lengths differ');
  let sumSquares = 0;
  for (let i = 0; i < v.length; i++) sumSquares += v[i]! * v[i]!;
  const inv = 1 / Math.sqrt(sumSquares / v.length + eps);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * inv * w[i]!;
  return out;
}

/** RoPE in place on `heads` consecutive slices of headDim: pairs (i, i + headDim / 2). */
export function applyRope(v: Float64Array, heads: number, headDim: number, pos: number, theta: number): void {
  const half = headDim / 2;
  for (let h = 0; h < heads; h++) {
    const base = h * headDim;
    for (let i = 0; i < half; i++) {
      const angle = pos * Math.pow(theta, (-2 * i) / headDim);
      const cos = Math.cos(angle);
      const sin = Math.sin(angle);
      const a = v[base + i]!;
      const b = v[base + i + half]!;
      v[base + i] = a * cos - b * sin;
      v[base + i + half] = b * cos + a * sin;
    }
  }
}

interface DenseLayer {
  norms: LayerWeights['norms'];
  q: DenseProjection;
  k: DenseProjection;
  v: DenseProjection;
  o: DenseProjection;
  gate: DenseProjection;
  up: DenseProjection;
  down: DenseProjection;
}

export function checkDims(d: ModelDims): { headDim: number; kvWidth: number } {
  if (d.hidden % d.heads !== 0) throw new RangeError('reference: hidden must be divisible by heads');
  if (d.heads % d.kvHeads !== 0) throw new RangeError('reference: heads must be divisible by kvHeads');
  const headDim = d.hidden / d.heads;
  if (headDim % 2 !== 0) throw new RangeError('reference: headDim must be even');
  return { headDim, kvWidth: d.kvHeads * headDim };
}

/**
 * One sequence of the reference model: feed tokens one at a time, get the vocab logits for
 * each. Positions start at 0; the KV cache is this sequence's own.
 */
export class ReferenceSequence {
  private readonly keys: Float64Array[][];
  private readonly values: Float64Array[][];
  private position = 0;

  constructor(private readonly model: ReferenceModel) {
    this.keys = model.layers.map(() => []);
    this.values = model.layers.map(() => []);
  }

  /** The logits (vocab) after feeding `token` at the next position. */
  step(token: number): Float64Array {
    const { dims, headDim, kvWidth, layers, weights } = this.model;
    if (!Number.isInteger(token) || token < 0 || token >= dims.vocab) {
      throw new RangeError(`reference: token ${token} out of range [0, ${dims.vocab})`);
    }
    const pos = this.position++;
    const eps = dims.rmsEps;
    const x = Float64Array.from(weights.embedding.subarray(token * dims.hidden, (token + 1) * dims.hidden));
    const group = dims.heads / dims.kvHeads;
    const invSqrt = 1 / Math.sqrt(headDim);

    for (let l = 0; l < layers.length; l++) {
      const layer = layers[l]!;
      const hn = rmsNorm(x, layer.norms.input, eps);
      const q = project(layer.q, hn);
      const k = project(layer.k, hn);
      const v = project(layer.v, hn);
      applyRope(q, dims.heads, headDim, pos, dims.ropeTheta);
      applyRope(k, dims.kvHeads, headDim, pos, dims.ropeTheta);
      const keys = this.keys[l]!;
      const values = this.values[l]!;
      keys.push(k);
      values.push(v);

      const att = new Float64Array(dims.hidden);
      const scores = new Float64Array(keys.length);
      for (let h = 0; h < dims.heads; h++) {
        const g = Math.floor(h / group);
        const qBase = h * headDim;
        const kvBase = g * headDim;
        let max = -Infinity;
        for (let j = 0; j < keys.length; j++) {
          const kj = keys[j]!;
          let dot = 0;
          for (let i = 0; i < headDim; i++) dot += q[qBase + i]! * kj[kvBase + i]!;
          scores[j] = dot * invSqrt;
          if (scores[j]! > max) max = scores[j]!;
        }
        let total = 0;
        for (let j = 0; j < keys.length; j++) {
          scores[j] = Math.exp(scores[j]! - max);
          total += scores[j]!;
        }
        for (let j = 0; j < keys.length; j++) {
          const p = scores[j]! / total;
          const vj = values[j]!;
          for (let i = 0; i < headDim; i++) att[qBase + i] = att[qBase + i]! + p * vj[kvBase + i]!;
        }
      }
      if (kvWidth !== k.length) throw new Error('reference: kv width mismatch');

      const a = rmsNorm(att, layer.norms.attentionSub, eps);
      const o = project(layer.o, a);
      for (let i = 0; i < dims.hidden; i++) x[i] = x[i]! + o[i]!;

      const h2 = rmsNorm(x, layer.norms.postAttention, eps);
      const gate = project(layer.gate, h2);
      const up = project(layer.up, h2);
      const f = new Float64Array(dims.ffn);
      for (let i = 0; i < dims.ffn; i++) {
        const r = Math.max(gate[i]!, 0);
        f[i] = r * r * up[i]!;
      }
      const fn = rmsNorm(f, layer.norms.ffnSub, eps);
      const down = project(layer.down, fn);
      for (let i = 0; i < dims.hidden; i++) x[i] = x[i]! + down[i]!;
    }

    const xn = rmsNorm(x, weights.finalNorm, eps);
    const logits = new Float64Array(dims.vocab);
    for (let t = 0; t < dims.vocab; t++) {
      let dot = 0;
      const row = t * dims.hidden;
      for (let i = 0; i < dims.hidden; i++) dot += weights.embedding[row + i]! * xn[i]!;
      logits[t] = dot;
    }
    return logits;
  }
}

export class ReferenceModel {
  readonly headDim: number;
  readonly kvWidth: number;
  readonly layers: DenseLayer[];

  constructor(
    readonly dims: ModelDims,
    readonly weights: ModelWeights,
  ) {
    const { headDim, kvWidth } = checkDims(dims);
    this.headDim = headDim;
    this.kvWidth = kvWidth;
    if (weights.embedding.length !== dims.vocab * dims.hidden) throw new RangeError('reference: embedding size');
    if (weights.finalNorm.length !== dims.hidden) throw new RangeError('reference: finalNorm size');
    if (weights.layers.length !== dims.layers) throw new RangeError('reference: layer count');
    const shapes: Record<keyof LayerWeights['projections'], [number, number]> = {
      q: [dims.hidden, dims.hidden],
      k: [kvWidth, dims.hidden],
      v: [kvWidth, dims.hidden],
      o: [dims.hidden, dims.hidden],
      gate: [dims.ffn, dims.hidden],
      up: [dims.ffn, dims.hidden],
      down: [dims.hidden, dims.ffn],
    };
    this.layers = weights.layers.map((layer, l) => {
      const dense = {} as Record<keyof LayerWeights['projections'], DenseProjection>;
      for (const name of Object.keys(shapes) as (keyof LayerWeights['projections'])[]) {
        const p = layer.projections[name];
        const [n, k] = shapes[name];
        if (p.n !== n || p.k !== k) {
          throw new RangeError(`reference: layer ${l} ${name} is ${p.n} x ${p.k}, expected ${n} x ${k}`);
        }
        dense[name] = unpackProjection(p);
      }
      const norms = layer.norms;
      for (const key of ['input', 'attentionSub', 'postAttention'] as const) {
        if (norms[key].length !== dims.hidden) throw new RangeError(`reference: layer ${l} norm ${key} size`);
      }
      if (norms.ffnSub.length !== dims.ffn) throw new RangeError(`reference: layer ${l} norm ffnSub size`);
      return { norms, ...dense };
    });
  }

  sequence(): ReferenceSequence {
    return new ReferenceSequence(this);
  }

  /**
   * The same layout as the addon's runModel: prompt logits rows s * P + p, decode logits rows
   * t * S + s. promptTokens is sequence-major (s * P + p), decodeTokens step-major (t * S + s).
   */
  run(options: {
    sequences: number;
    prompt: number;
    tokens: number;
    promptTokens: ArrayLike<number>;
    decodeTokens: ArrayLike<number>;
  }): { promptLogits: Float64Array; decodeLogits: Float64Array } {
    const { sequences: S, prompt: P, tokens: T } = options;
    const V = this.dims.vocab;
    if (options.promptTokens.length !== S * P) throw new RangeError('reference: promptTokens length');
    if (options.decodeTokens.length !== S * T) throw new RangeError('reference: decodeTokens length');
    const promptLogits = new Float64Array(S * P * V);
    const decodeLogits = new Float64Array(T * S * V);
    for (let s = 0; s < S; s++) {
      const seq = this.sequence();
      for (let p = 0; p < P; p++) promptLogits.set(seq.step(options.promptTokens[s * P + p]!), (s * P + p) * V);
      for (let t = 0; t < T; t++) decodeLogits.set(seq.step(options.decodeTokens[t * S + s]!), (t * S + s) * V);
    }
    return { promptLogits, decodeLogits };
  }
}

/** Cosine similarity of each row of `width` values; rows = a.length / width. */
export function rowCosines(a: ArrayLike<number>, b: ArrayLike<number>, width: number): number[] {
  if (a.length !== b.length) throw new RangeError(`rowCosines: lengths differ (${a.length} vs ${b.length})`);
  if (a.length % width !== 0) throw new RangeError('rowCosines: length is not a multiple of width');
  const out: number[] = [];
  for (let r = 0; r < a.length / width; r++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = r * width; i < (r + 1) * width; i++) {
      dot += a[i]! * b[i]!;
      na += a[i]! * a[i]!;
      nb += b[i]! * b[i]!;
    }
    out.push(na === 0 && nb === 0 ? 1 : dot / Math.sqrt(na * nb));
  }
  return out;
}

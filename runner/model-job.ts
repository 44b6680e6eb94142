// One model measurement: resolve the model (preset or config.json), refuse runs that will not
// fit in memory before anything is allocated, run the native prefill + decode loop, and
// derive what a person compares: tokens/s, latency percentiles, bytes per token and the
// bandwidth roofline.
import { addon, type AddonModelSpec, type KvDtype, type LmHeadDtype } from '../native/addon.js';
import { resolveIsa, type IsaName, type PathName } from '../native/index.js';
import { readBandwidthGBs } from './bandwidth.js';
import { checkMemoryFits } from './memory-guard.js';
import { resolveModel, type ModelDimensions } from './model-config.js';
import { runLlamaEngine, type LlamaEngineInfo } from './llama/llama-engine.js';
import { estimateLlamaModelBytes } from './llama/llama-memory.js';
import type { EngineName } from './protocol/names.js';
import {
  ggufCacheDirectory,
  ggufWeightBytesPerStep,
  prepareSyntheticGguf,
  type LlamaQuant,
} from './llama/synthetic-gguf.js';

/** Who runs the model: bitbench's own paths, or llama.cpp (through node-llama-cpp) on the same synthetic model. */
export { ENGINE_NAMES as ENGINES } from './protocol/names.js';
export type Engine = EngineName;
/** What a llama.cpp result shows where bitbench's show their path. */
export type LlamaPathLabel = `llama.cpp:${LlamaQuant}`;
export function llamaPathLabel(quant: LlamaQuant): LlamaPathLabel {
  return `llama.cpp:${quant}`;
}

export interface ModelJobSpec {
  preset?: string;
  config?: string;
  /** Absent: bitbench. */
  engine?: Engine;
  /** bitbench's compute path (ignored by llama.cpp). */
  path: PathName;
  /** llama.cpp's weight type for the ternary layers (llama.cpp only). */
  quant?: LlamaQuant;
  /** Where llama.cpp's model files are cached (default: ggufCacheDirectory()). */
  ggufCache?: string;
  isa?: IsaName;
  /** Sequences decoded in lockstep. */
  batch: number;
  prompt: number;
  tokens: number;
  threads: number;
  kv?: KvDtype;
  lmHead?: LmHeadDtype;
  seed?: number;
  useBlas?: boolean;
  /** Read bandwidth for the roofline when already measured (e.g. by the fingerprint); else measured here. */
  bandwidthGBs?: number;
}

export interface ModelResult {
  preset: string;
  dims: ModelDimensions;
  /** Absent in results from before llama.cpp was an engine: bitbench. */
  engine?: Engine;
  /** bitbench's path, or `llama.cpp:<quant>`. */
  path: PathName | LlamaPathLabel;
  quant?: LlamaQuant;
  /** llama.cpp runs: versions, the CPU variant loaded, the architecture, the model file. */
  llama?: LlamaEngineInfo & { ggufPath: string; ggufBytes: number; ggufWriteMs: number };
  isa: IsaName;
  kernel: string;
  batch: number;
  prompt: number;
  tokens: number;
  threads: number;
  kv: KvDtype;
  lmHead: LmHeadDtype;
  buildMs: number;
  prefillTokS: number;
  decodeTokS: number;
  ttftMs: number;
  p50Ms: number;
  p99Ms: number;
  /** Every decode step's time, in ns. */
  stepNs: number[];
  peakRssBytes: number;
  estimateBytes: number;
  /** Bytes of weights and KV cache read per generated token (a step reads the weights once for the whole batch). */
  bytesPerToken: number;
  weightBytesPerStep: number;
  kvBytesPerStep: number;
  bandwidthGBs: number;
  rooflineTokS: number;
  rooflineFraction: number;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function modelSpecFor(spec: ModelJobSpec, dims: ModelDimensions, isa: IsaName): AddonModelSpec {
  return {
    dims: {
      hidden: dims.hidden,
      ffn: dims.ffn,
      layers: dims.layers,
      heads: dims.heads,
      kvHeads: dims.kvHeads,
      vocab: dims.vocab,
      ropeTheta: dims.ropeTheta,
      rmsEps: dims.rmsEps,
    },
    path: spec.path,
    isa,
    threads: spec.threads,
    useBlas: spec.useBlas ?? true,
    kv: spec.kv ?? 'bf16',
    lmHead: spec.lmHead ?? 'bf16',
    seed: spec.seed ?? 1,
    sequences: spec.batch,
    prompt: spec.prompt,
    tokens: spec.tokens,
  };
}

/** Bytes the run would allocate; throws MemoryGuardError when it will not fit. */
export function checkModelFits(spec: ModelJobSpec): { name: string; dims: ModelDimensions; estimateBytes: number } {
  const model = resolveModel({ preset: spec.preset, config: spec.config });
  const isa = resolveIsa(spec.isa);
  const estimateBytes = addon.estimateModelBytes(modelSpecFor(spec, model.dimensions, isa));
  checkMemoryFits(estimateBytes, `${spec.path} on ${model.name} (batch ${spec.batch})`);
  return { name: model.name, dims: model.dimensions, estimateBytes };
}

export async function runModelJob(
  spec: ModelJobSpec,
  onProgress?: (tokensDone: number, tokensTotal: number) => void,
): Promise<ModelResult> {
  if (spec.engine === 'llama.cpp') return runLlamaModelJob(spec, onProgress);
  const { name, dims } = checkModelFits(spec);
  if (spec.prompt + spec.tokens > dims.maxPositions) {
    throw new RangeError(`prompt + tokens (${spec.prompt + spec.tokens}) exceeds the model's ${dims.maxPositions} positions`);
  }
  const isa = resolveIsa(spec.isa);
  const bandwidthGBs = spec.bandwidthGBs ?? (await readBandwidthGBs(spec.threads, isa));
  const run = await addon.benchmarkModel(modelSpecFor(spec, dims, isa), onProgress);
  const steps = Float64Array.from(run.stepNs).sort();
  const decodeNs = steps.reduce((sum, ns) => sum + ns, 0);
  const bytesPerStep = run.weightBytesPerStep + run.kvBytesPerStep;
  const decodeTokS = decodeNs > 0 ? (spec.batch * spec.tokens * 1e9) / decodeNs : NaN;
  const rooflineTokS = (spec.batch * bandwidthGBs * 1e9) / bytesPerStep;
  return {
    preset: name,
    dims,
    engine: 'bitbench',
    path: spec.path,
    isa: run.isa,
    kernel: run.kernel,
    batch: spec.batch,
    prompt: spec.prompt,
    tokens: spec.tokens,
    threads: spec.threads,
    kv: spec.kv ?? 'bf16',
    lmHead: spec.lmHead ?? 'bf16',
    buildMs: run.buildNs / 1e6,
    prefillTokS: (spec.batch * spec.prompt * 1e9) / run.prefillNs,
    decodeTokS,
    ttftMs: run.prefillNs / 1e6,
    p50Ms: percentile(steps, 50) / 1e6,
    p99Ms: percentile(steps, 99) / 1e6,
    stepNs: Array.from(run.stepNs),
    peakRssBytes: run.peakRssBytes,
    estimateBytes: run.estimateBytes,
    bytesPerToken: bytesPerStep / spec.batch,
    weightBytesPerStep: run.weightBytesPerStep,
    kvBytesPerStep: run.kvBytesPerStep,
    bandwidthGBs,
    rooflineTokS,
    rooflineFraction: decodeTokS / rooflineTokS,
  };
}

/**
 * The same measurement through llama.cpp: the model's GGUF (from the cache, or written first),
 * then the same prefill and lockstep decode, the same derived figures. Memory is checked the
 * same way, against what llama.cpp will hold (runner/llama/llama-memory.ts).
 */
export async function runLlamaModelJob(
  spec: ModelJobSpec,
  onProgress?: (tokensDone: number, tokensTotal: number) => void,
): Promise<ModelResult> {
  const model = resolveModel({ preset: spec.preset, config: spec.config });
  const dims = model.dimensions;
  if (spec.prompt + spec.tokens > dims.maxPositions) {
    throw new RangeError(`prompt + tokens (${spec.prompt + spec.tokens}) exceeds the model's ${dims.maxPositions} positions`);
  }
  const quant = spec.quant ?? 'tq2_0';
  const kv = spec.kv ?? 'bf16';
  const lmHead = spec.lmHead ?? 'bf16';
  const seed = spec.seed ?? 1;
  const gguf = { name: model.name, dims, seed, quant, lmHead };
  const weightBytesPerStep = ggufWeightBytesPerStep(gguf, spec.batch);
  const kvSlotBytes = 2 * dims.kvHeads * dims.headDim * (kv === 'int8' ? 34 / 32 : 2);
  const { totalBytes: estimateBytes } = estimateLlamaModelBytes({ gguf, sequences: spec.batch, prompt: spec.prompt, tokens: spec.tokens, kv });
  checkMemoryFits(estimateBytes, `llama.cpp ${quant} on ${model.name} (batch ${spec.batch})`);
  const isa = resolveIsa(spec.isa);
  const bandwidthGBs = spec.bandwidthGBs ?? (await readBandwidthGBs(spec.threads, isa));
  const prepared = await prepareSyntheticGguf(gguf, ggufCacheDirectory(spec.ggufCache));
  const run = await runLlamaEngine(
    { ggufPath: prepared.path, sequences: spec.batch, prompt: spec.prompt, tokens: spec.tokens, threads: spec.threads, kv, vocab: dims.vocab, seed },
    onProgress,
  );
  const steps = Float64Array.from(run.stepNs).sort();
  const decodeNs = steps.reduce((sum, ns) => sum + ns, 0);
  let kvRead = 0;
  for (let t = 0; t < spec.tokens; t++) kvRead += dims.layers * spec.batch * (spec.prompt + t + 1) * kvSlotBytes;
  const kvBytesPerStep = spec.tokens ? kvRead / spec.tokens : 0;
  const bytesPerStep = weightBytesPerStep + kvBytesPerStep;
  const decodeTokS = decodeNs > 0 ? (spec.batch * spec.tokens * 1e9) / decodeNs : NaN;
  const rooflineTokS = (spec.batch * bandwidthGBs * 1e9) / bytesPerStep;
  return {
    preset: model.name,
    dims,
    engine: 'llama.cpp',
    path: llamaPathLabel(quant),
    quant,
    llama: { ...run.engine, ggufPath: prepared.path, ggufBytes: prepared.bytes, ggufWriteMs: prepared.writeMs },
    isa,
    kernel: `llama.cpp ${run.engine.cpuVariant} ${quant.toUpperCase()}`,
    batch: spec.batch,
    prompt: spec.prompt,
    tokens: spec.tokens,
    threads: spec.threads,
    kv,
    lmHead,
    buildMs: run.loadNs / 1e6,
    prefillTokS: (spec.batch * spec.prompt * 1e9) / run.prefillNs,
    decodeTokS,
    ttftMs: run.prefillNs / 1e6,
    p50Ms: percentile(steps, 50) / 1e6,
    p99Ms: percentile(steps, 99) / 1e6,
    stepNs: run.stepNs,
    peakRssBytes: run.peakRssBytes,
    estimateBytes,
    bytesPerToken: bytesPerStep / spec.batch,
    weightBytesPerStep,
    kvBytesPerStep,
    bandwidthGBs,
    rooflineTokS,
    rooflineFraction: decodeTokS / rooflineTokS,
  };
}

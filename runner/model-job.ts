// One model measurement: resolve the model (preset or config.json), refuse runs that will not
// fit in memory before anything is allocated, run the native prefill + decode loop, and
// derive what a person compares: tokens/s, latency percentiles, bytes per token and the
// bandwidth roofline.
import { benchmarkModel, estimateModelBytes, type ActivationSparsityMode, type AttentionSparsityMode, type KvDtype, type KvFill, type LmHeadDtype, type ModelBenchmark, type ModelSpec as AddonModelSpec } from '../native/model.js';
import { resolveIsa, type IsaName, type PathName } from '../native/index.js';
import { bandwidthAround } from './bandwidth.js';
import { rooflineOf, type BandwidthSource } from './roofline.js';
import { checkMemoryFits } from './memory-guard.js';
import { resolveModel, type ModelDimensions } from './model-config.js';
import { runLlamaEngine, type LlamaEngineInfo } from './llama/llama-engine.js';
import { estimateLlamaModelBytes } from './llama/llama-memory.js';
import { MAX_CONTEXT, type EngineName } from './protocol/names.js';
import type { ModelTrial } from './trials/trial-records.js';
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
  /** Decode measured at this KV cache position (>= prompt); absent: right after the prompt. */
  context?: number;
  /** How the cache reaches `context` (default: tiled). */
  fill?: KvFill;
  /** Compare each layer's attention with a bf16 cache's in a short untimed pass (default: true). */
  kvQuality?: boolean;
  lmHead?: LmHeadDtype;
  seed?: number;
  useBlas?: boolean;
  /** Read bandwidth for the roofline when already measured (e.g. by the fingerprint); else measured before and after the decode, the higher kept. */
  bandwidthGBs?: number;
  /**
   * Activation sparsity on the input of every ternary layer (absent or none: off); each timed
   * decode step then also runs dense first, for the comparison in ModelResult.sparsity.
   */
  sparsity?: ActivationSparsityMode;
  /** threshold: |x| below it zeroed (> 0); top-k, adaptive, top-k-blocks: keep ratio in (0, 1]. */
  sparsityLevel?: number;
  /**
   * Attention sparsity: which cached positions each query head's softmax keeps (absent or
   * none: all), with its level (top-k, threshold, dynamic: in (0, 1]) or window and global
   * tokens (window). The quality pass then also compares each layer's output with dense attention.
   */
  attentionSparsity?: AttentionSparsityMode;
  attentionLevel?: number;
  attentionWindow?: number;
  attentionGlobal?: number;
}

/** Attention sparsity of a model result. */
export interface ModelAttentionSparsity {
  mode: AttentionSparsityMode;
  /** top-k, threshold, dynamic. */
  level?: number;
  /** window. */
  window?: number;
  global?: number;
  /** Fraction of (query head, position) scores dropped over the timed decode steps. */
  sparsity: number;
  /** Smallest cosine of a layer's attention output against dense attention over the same cache (quality pass); null when skipped. */
  cosineMin: number | null;
}

/** Activation sparsity of a model result: what was zeroed, and the run against dense. */
export interface ModelSparsity {
  mode: ActivationSparsityMode;
  level: number;
  /** Mean fraction of ternary-layer inputs zeroed (decode steps). */
  zeroFraction: number;
  /** Over the fused paths' batch-1 calls: mean fraction of column blocks all zero, and share that ran the sparse kernel. */
  zeroBlockFraction: number;
  sparseCallFraction: number;
  /** The dense steps interleaved with the timed ones, as tokens/s, and decodeTokS over it. */
  denseDecodeTokS: number;
  speedup: number;
  /** Cosine of each step's logits against the dense step's over the same cache: min and mean. */
  logitsCosineMin: number | null;
  logitsCosineMean: number | null;
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
  /** KV cache position of the first decode step; absent in results from before `context`. */
  context?: number;
  /** How the cache got there: `prefill` (every position through the layers) or `tiled` (the prompt's entries repeated). */
  fill?: KvFill;
  fillMs?: number;
  /** Attention (all layers) per decode step, mean, and its share of the step's time. */
  attentionMsPerStep?: number;
  attentionShare?: number;
  attentionKernel?: string;
  /**
   * The ternary projections' calls (activation quantization, kernels and the threads' meetings;
   * all layers) and the LM head, per decode step, means, and their shares of the step's time;
   * bitbench engine only (the first trial's, on a combined result).
   */
  projectionMsPerStep?: number;
  projectionShare?: number;
  lmHeadMsPerStep?: number;
  lmHeadShare?: number;
  /** The KV cache of one sequence at `context`, scales included. */
  kvBytesPerSequence?: number;
  /**
   * Smallest cosine of a layer's attention output against attention over a bf16 cache on the
   * same inputs, over layers and the quality pass's steps: 1 for bf16; null when skipped.
   */
  kvCosineMin?: number | null;
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
  /** The roofline's bandwidth: the probe's around the run, or the run's own reads where faster (runner/roofline.ts). */
  bandwidthGBs: number;
  /** What the probe read around the run (absent in results stored before it was recorded). */
  probeBandwidthGBs?: number;
  bandwidthSource?: BandwidthSource;
  rooflineTokS: number;
  rooflineFraction: number;
  /**
   * Set on a cell's combined result (runner/trials/combine-model-trials.ts): `decodeTokS` is then
   * the mean of the trials' rates, `stepNs` every trial's steps, trial after trial.
   */
  decodeTokSCi95?: [number, number];
  /** Where a repeat run's decode tokens/s lands, 95% of the time (runner/trial-statistics.ts). */
  decodeTokSRerun95?: [number, number];
  intervalSource?: 'trials' | 'samples';
  withinTrialCv?: number;
  betweenTrialCv?: number | null;
  /** Within- or between-trial CV above MODEL_NOISY_CV. */
  noisy?: boolean;
  trials?: ModelTrial[];
  /** Host identity (EC2 instance id or hostname) of the machine that measured it. */
  host?: string;
  /** With spec.sparsity (the first trial's, on a combined result). */
  sparsity?: ModelSparsity;
  /** With spec.attentionSparsity (the first trial's, on a combined result); attentionMsPerStep is the sparse attention's. */
  attentionSparsity?: ModelAttentionSparsity;
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
    context: Math.max(spec.context ?? spec.prompt, spec.prompt),
    fill: spec.fill ?? 'tiled',
    kvQualitySteps: kvQualityStepsFor(spec),
    ...(spec.sparsity && spec.sparsity !== 'none' ? { sparsity: spec.sparsity, sparsityLevel: spec.sparsityLevel ?? 0 } : {}),
    ...attentionSparsitySpec(spec),
  };
}

function attentionSparsitySpec(spec: ModelJobSpec) {
  const mode = spec.attentionSparsity ?? 'none';
  if (mode === 'none') return {};
  if (mode === 'window') return { attentionSparsity: mode, attentionWindow: spec.attentionWindow ?? 0, attentionGlobal: spec.attentionGlobal ?? 0 };
  return { attentionSparsity: mode, attentionLevel: spec.attentionLevel ?? 0 };
}

/** Untimed decode steps of the KV quality pass: none for bf16 (it is the reference) or when turned off. */
export const KV_QUALITY_STEPS = 4;
function kvQualityStepsFor(spec: ModelJobSpec): number {
  if (spec.kvQuality === false) return 0;
  // Attention sparsity's cosine against dense attention comes from the same pass.
  const sparseAttention = (spec.attentionSparsity ?? 'none') !== 'none';
  return (spec.kv ?? 'bf16') === 'bf16' && !sparseAttention ? 0 : KV_QUALITY_STEPS;
}

/** Bytes the run would allocate; throws MemoryGuardError when it will not fit. */
export function checkModelFits(spec: ModelJobSpec): { name: string; dims: ModelDimensions; estimateBytes: number } {
  const model = resolveModel({ preset: spec.preset, config: spec.config });
  const isa = resolveIsa(spec.isa);
  const estimateBytes = estimateModelBytes(modelSpecFor(spec, model.dimensions, isa));
  checkMemoryFits(estimateBytes, `${spec.path} on ${model.name} (batch ${spec.batch})`);
  return { name: model.name, dims: model.dimensions, estimateBytes };
}

/** The decode run, and the bandwidth of its roofline: the spec's, or measured around the run. */
async function withBandwidth<T>(spec: ModelJobSpec, isa: IsaName, decode: () => Promise<T>): Promise<{ result: T; bandwidthGBs: number }> {
  if (spec.bandwidthGBs !== undefined) return { result: await decode(), bandwidthGBs: spec.bandwidthGBs };
  return bandwidthAround(spec.threads, isa, decode);
}

export async function runModelJob(
  spec: ModelJobSpec,
  onProgress?: (tokensDone: number, tokensTotal: number) => void,
): Promise<ModelResult> {
  if (spec.engine === 'llama.cpp') return runLlamaModelJob(spec, onProgress);
  if (spec.context !== undefined && (spec.context < spec.prompt || spec.context > MAX_CONTEXT)) {
    throw new RangeError(`context (${spec.context}) must be from prompt (${spec.prompt}) to ${MAX_CONTEXT}`);
  }
  const { name, dims } = checkModelFits(spec);
  if (spec.prompt + spec.tokens > dims.maxPositions) {
    throw new RangeError(`prompt + tokens (${spec.prompt + spec.tokens}) exceeds the model's ${dims.maxPositions} positions`);
  }
  const isa = resolveIsa(spec.isa);
  const decode = () => benchmarkModel(modelSpecFor(spec, dims, isa), onProgress);
  const { result: run, bandwidthGBs: probeGBs } = await withBandwidth(spec, isa, decode);
  const steps = Float64Array.from(run.stepNs).sort();
  const decodeNs = steps.reduce((sum, ns) => sum + ns, 0);
  const bytesPerStep = run.weightBytesPerStep + run.kvBytesPerStep;
  const decodeTokS = decodeNs > 0 ? (spec.batch * spec.tokens * 1e9) / decodeNs : NaN;
  const roofline = rooflineOf(probeGBs, bytesPerStep, steps.length, decodeNs, spec.batch);
  const total = (values: Float64Array) => values.reduce((sum, ns) => sum + ns, 0);
  const attentionNs = total(run.attentionNs);
  const projectionNs = total(run.projectionNs);
  const lmHeadNs = total(run.lmHeadNs);
  const perStepMs = (ns: number) => (run.stepNs.length > 0 ? ns / run.stepNs.length / 1e6 : NaN);
  const shareOfSteps = (ns: number) => (decodeNs > 0 ? ns / decodeNs : NaN);
  const context = run.context;
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
    context,
    // With no positions to fill, the cache is the prompt's prefill.
    fill: context > spec.prompt ? (spec.fill ?? 'tiled') : 'prefill',
    fillMs: run.fillNs / 1e6,
    attentionMsPerStep: perStepMs(attentionNs),
    attentionShare: shareOfSteps(attentionNs),
    attentionKernel: run.attentionKernel,
    projectionMsPerStep: perStepMs(projectionNs),
    projectionShare: shareOfSteps(projectionNs),
    lmHeadMsPerStep: perStepMs(lmHeadNs),
    lmHeadShare: shareOfSteps(lmHeadNs),
    kvBytesPerSequence: run.kvBytesPerSequence,
    kvCosineMin: (spec.kv ?? 'bf16') === 'bf16' ? 1 : (run.kvCosineMin ?? null),
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
    ...roofline,
    rooflineFraction: decodeTokS / roofline.rooflineTokS,
    ...(run.sparsity && spec.sparsity ? { sparsity: modelSparsityOf(spec, run.sparsity, decodeTokS) } : {}),
    ...(run.attentionSparsity && spec.attentionSparsity && spec.attentionSparsity !== 'none'
      ? {
          attentionSparsity: {
            mode: spec.attentionSparsity,
            ...(spec.attentionSparsity === 'window'
              ? { window: spec.attentionWindow ?? 0, global: spec.attentionGlobal ?? 0 }
              : { level: spec.attentionLevel ?? 0 }),
            sparsity: run.attentionSparsity.sparsity,
            cosineMin: run.attentionSparsity.cosineMin ?? null,
          },
        }
      : {}),
  };
}

function modelSparsityOf(spec: ModelJobSpec, s: NonNullable<ModelBenchmark['sparsity']>, decodeTokS: number): ModelSparsity {
  const denseNs = Array.from(s.denseStepNs).reduce((sum, ns) => sum + ns, 0);
  const denseDecodeTokS = denseNs > 0 ? (spec.batch * s.denseStepNs.length * 1e9) / denseNs : NaN;
  return {
    mode: spec.sparsity!,
    level: spec.sparsityLevel ?? 0,
    zeroFraction: s.zeroFraction,
    zeroBlockFraction: s.zeroBlockFraction,
    sparseCallFraction: s.sparseCallFraction,
    denseDecodeTokS,
    speedup: decodeTokS / denseDecodeTokS,
    logitsCosineMin: s.logitsCosineMin ?? null,
    logitsCosineMean: s.logitsCosineMean ?? null,
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
  // llama.cpp's CPU KV types are F16 and Q8_0 (what int8 maps to); it has no fp8 cache.
  if (kv !== 'bf16' && kv !== 'int8') throw new RangeError(`kv ${kv}: llama.cpp has no fp8 KV cache (bf16 or int8)`);
  if (spec.context !== undefined && spec.context !== spec.prompt) throw new RangeError('context: only bitbench fills the KV cache to a context position');
  const lmHead = spec.lmHead ?? 'bf16';
  const seed = spec.seed ?? 1;
  const gguf = { name: model.name, dims, seed, quant, lmHead };
  const weightBytesPerStep = ggufWeightBytesPerStep(gguf, spec.batch);
  const kvSlotBytes = 2 * dims.kvHeads * dims.headDim * (kv === 'int8' ? 34 / 32 : 2);
  const { totalBytes: estimateBytes } = estimateLlamaModelBytes({ gguf, sequences: spec.batch, prompt: spec.prompt, tokens: spec.tokens, kv });
  checkMemoryFits(estimateBytes, `llama.cpp ${quant} on ${model.name} (batch ${spec.batch})`);
  const isa = resolveIsa(spec.isa);
  const prepared = await prepareSyntheticGguf(gguf, ggufCacheDirectory(spec.ggufCache));
  const decode = () =>
    runLlamaEngine(
      { ggufPath: prepared.path, sequences: spec.batch, prompt: spec.prompt, tokens: spec.tokens, threads: spec.threads, kv, vocab: dims.vocab, seed },
      onProgress,
    );
  const { result: run, bandwidthGBs: probeGBs } = await withBandwidth(spec, isa, decode);
  const steps = Float64Array.from(run.stepNs).sort();
  const decodeNs = steps.reduce((sum, ns) => sum + ns, 0);
  let kvRead = 0;
  for (let t = 0; t < spec.tokens; t++) kvRead += dims.layers * spec.batch * (spec.prompt + t + 1) * kvSlotBytes;
  const kvBytesPerStep = spec.tokens ? kvRead / spec.tokens : 0;
  const bytesPerStep = weightBytesPerStep + kvBytesPerStep;
  const decodeTokS = decodeNs > 0 ? (spec.batch * spec.tokens * 1e9) / decodeNs : NaN;
  const roofline = rooflineOf(probeGBs, bytesPerStep, steps.length, decodeNs, spec.batch);
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
    ...roofline,
    rooflineFraction: decodeTokS / roofline.rooflineTokS,
  };
}

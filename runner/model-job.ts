// One model measurement: resolve the model (preset or config.json), refuse runs that will not
// fit in memory before anything is allocated, run the native prefill + decode loop, and
// derive what a person compares: tokens/s, latency percentiles, bytes per token and the
// bandwidth roofline.
import { addon, type AddonModelSpec, type KvDtype, type LmHeadDtype } from '../native/addon.js';
import { resolveIsa, type IsaName, type PathName } from '../native/index.js';
import { readBandwidthGBs } from './bandwidth.js';
import { checkMemoryFits } from './memory-guard.js';
import { resolveModel, type ModelDimensions } from './model-config.js';

export interface ModelJobSpec {
  preset?: string;
  config?: string;
  path: PathName;
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
  path: PathName;
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

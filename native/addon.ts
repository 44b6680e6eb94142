// The only module that knows the shape of the compiled addon (build/Release/bitbench_native.node).
// Everything else imports the typed API from native/index.ts.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';

export type IsaName = 'amx-int8' | 'avx512-vnni' | 'avx512' | 'avx-vnni' | 'avx2' | 'neon-dotprod' | 'neon' | 'scalar';
export type PathName = 'baseline' | 'cached-f32' | 'cached-bf16' | 'fused' | 'fused-i8';
export type CacheMode = 'hot' | 'cold';

export interface AddonImplementation {
  name: IsaName;
  compiled: boolean;
  supported: boolean;
  missing: string[];
  best: boolean;
  fusedKernel?: string;
  bf16Kernel?: string;
  i8Kernel?: string;
}

export interface AddonBuildInfo {
  architecture: string;
  blas: string | null;
  compiler?: string;
  hardwareThreads: number;
}

export interface AddonKernelSpec {
  path: PathName;
  isa?: IsaName;
  n: number;
  k: number;
  batch: number;
  threads: number;
  scale?: number;
  useBlas?: boolean;
  /** fused, fused-i8: also prepare the sparse kernel's column-block copy, and run it at batch 1 when enough activation blocks are zero. */
  sparseKernel?: boolean;
}

export interface AddonRunSpec extends AddonKernelSpec {
  packed: Uint8Array;
  x: Float32Array;
}

export interface AddonBenchmarkSpec extends AddonKernelSpec {
  packed?: Uint8Array;
  cache?: CacheMode;
  coldBytes?: number;
  warmup?: number;
  minSamples?: number;
  maxSamples?: number;
  minTimeMs?: number;
  /** Past minSamples and minTimeMs, add samples while the CV is above this, up to maxTimeMs. */
  targetCv?: number;
  maxTimeMs?: number;
  seed?: number;
  /** Fraction of activations zeroed in the path's own sparse column blocks (0: none); with fused or fused-i8, dense calls are interleaved. */
  sparsity?: number;
  /** How they are zeroed: in aligned blocks (default), or one by one as top-k leaves them. */
  sparsityPattern?: SparsityPattern;
}

/** How the kernel benchmark zeroes its activations (runtime/zeroed-blocks.h). */
export type SparsityPattern = 'blocks' | 'scattered';

/** Activation sparsity of a kernel benchmark (present when sparsity > 0). */
export interface AddonKernelSparsity {
  /** Fraction of activation values zero. */
  zeroFraction: number;
  /** Mean fraction of the kernel's column blocks all zero, and of the timed calls that ran the sparse kernel. */
  zeroBlockFraction: number;
  sparseCallFraction: number;
  /** Mean fraction of the weights a timed call did not read (0 for the calls that ran dense). */
  skippedFraction: number;
  /** The interleaved dense calls (empty where the path has no sparse kernel). */
  denseSamplesNs: Float64Array;
}

export interface AddonBenchmarkResult {
  samplesNs: Float64Array;
  prepareNs: number;
  preparedBytes: number;
  /** What one dense call reads: preparedBytes less a sparse kernel's copy of the weights. */
  readBytes: number;
  copies: number;
  footprintBytes: number;
  checksum: number;
  isa: IsaName;
  kernel: string;
  blas: string | null;
  sparsity?: AddonKernelSparsity;
}

export interface AddonModelDims {
  hidden: number;
  ffn: number;
  layers: number;
  heads: number;
  kvHeads: number;
  vocab: number;
  ropeTheta: number;
  rmsEps: number;
}

export type KvDtype = 'bf16' | 'int8' | 'fp8-e4m3' | 'fp8-e5m2';
/** How the KV cache reaches the context position: real prefill, or the prompt's entries tiled. */
export type KvFill = 'prefill' | 'tiled';
export type Fp8Format = 'e4m3' | 'e5m2';
export type LmHeadDtype = 'bf16' | 'int8';

export interface AddonModelSpec extends AddonAttentionSparsitySpec {
  dims: AddonModelDims;
  path: PathName;
  isa?: IsaName;
  threads: number;
  useBlas?: boolean;
  kv?: KvDtype;
  lmHead?: LmHeadDtype;
  seed?: number;
  /** Sequences in lockstep, prompt tokens per sequence, tokens decoded per sequence. */
  sequences: number;
  prompt: number;
  tokens?: number;
  /** Position of the first decode step (default: prompt); the cache is filled up to it. */
  context?: number;
  /** Default: tiled. */
  fill?: KvFill;
  /** Untimed decode steps comparing each layer's attention with a bf16 cache's (0: none). */
  kvQualitySteps?: number;
  /** Zeroing on the input of every ternary layer (default none). */
  sparsity?: ActivationSparsityMode;
  /** threshold: |x| below it zeroed (> 0); top-k, adaptive, top-k-blocks: keep ratio in (0, 1]. */
  sparsityLevel?: number;
}

/** Which cached positions each query head's softmax keeps (default none: all). */
export const ATTENTION_SPARSITY_MODES = ['none', 'top-k', 'threshold', 'window', 'dynamic'] as const;
export type AttentionSparsityMode = (typeof ATTENTION_SPARSITY_MODES)[number];

export interface AddonAttentionSparsitySpec {
  attentionSparsity?: AttentionSparsityMode;
  /** top-k: keep ratio; threshold: probability below which a position is dropped; dynamic: keep ratio times normalized entropy. All in (0, 1]. */
  attentionLevel?: number;
  /** window: the last N positions kept (>= 1), and the first G (global tokens). */
  attentionWindow?: number;
  attentionGlobal?: number;
}

/** Attention sparsity of a model run. */
export interface AddonModelAttentionSparsity {
  /** Fraction of (query head, position) pairs dropped in the timed steps. */
  sparsity: number;
  /** Smallest cosine of a layer's attention output against dense attention (quality pass). */
  cosineMin?: number;
}

export const ACTIVATION_SPARSITY_MODES = ['none', 'threshold', 'top-k', 'adaptive', 'top-k-blocks'] as const;
export type ActivationSparsityMode = (typeof ACTIVATION_SPARSITY_MODES)[number];

/** Activation sparsity of a model run: each timed step also ran dense first. */
export interface AddonModelSparsity {
  denseStepNs: Float64Array;
  /** Mean fraction of ternary-layer inputs zeroed; of the fused kernels' column blocks all zero; of their calls that ran sparse. */
  zeroFraction: number;
  zeroBlockFraction: number;
  sparseCallFraction: number;
  /** Cosine of each step's logits against the dense step's (absent without decode steps). */
  logitsCosineMin?: number;
  logitsCosineMean?: number;
}

export interface AddonModelRunSpec extends AddonModelSpec {
  /** sequences x prompt, sequence-major. */
  promptTokens: Int32Array;
  /** tokens x sequences, step-major. */
  decodeTokens: Int32Array;
}

export interface AddonModelBenchmark {
  buildNs: number;
  prefillNs: number;
  stepNs: Float64Array;
  weightBytesPerStep: number;
  kvBytesPerStep: number;
  /** Attention time inside each decode step (all layers). */
  attentionNs: Float64Array;
  /** Time in the ternary projections' calls inside each decode step (all layers). */
  projectionNs: Float64Array;
  /** LM head time inside each decode step. */
  lmHeadNs: Float64Array;
  fillNs: number;
  kvBytesPerSequence: number;
  context: number;
  /** Present when a quality pass ran. */
  kvCosineMin?: number;
  sparsity?: AddonModelSparsity;
  attentionSparsity?: AddonModelAttentionSparsity;
  attentionKernel: string;
  peakRssBytes: number;
  kernel: string;
  isa: IsaName;
  estimateBytes: number;
}

export interface AddonAttendSpec extends AddonAttentionSparsitySpec {
  kv?: KvDtype;
  heads: number;
  kvHeads: number;
  headDim: number;
  positions: number;
  /** heads x headDim. */
  q: Float32Array;
  /** positions x kvHeads x headDim each. */
  keys: Float32Array;
  values: Float32Array;
  threads?: number;
  isa?: IsaName;
}

export type PeakKind = 'fp32' | 'int8';

/** A compute probe this build has and this CPU supports: the instructions its loops time. */
export interface AddonComputeProbe {
  isa: IsaName;
  fp32Instruction: string;
  int8Instruction: string;
}

export interface Addon {
  estimateModelBytes(spec: AddonModelSpec): number;
  benchmarkModel(spec: AddonModelSpec, onProgress?: (done: number, total: number) => void): Promise<AddonModelBenchmark>;
  runModel(spec: AddonModelRunSpec): Promise<{ promptLogits: Float32Array; decodeLogits: Float32Array }>;
  modelWeights(spec: AddonModelSpec): Promise<unknown>;
  encodeFp8(format: Fp8Format, values: Float32Array): Uint8Array;
  decodeFp8(format: Fp8Format, codes: Uint8Array): Float32Array;
  attendKv(spec: AddonAttendSpec): Promise<Float32Array>;
  measureBandwidth(spec: { bytes: number; threads: number; passes?: number; isa?: IsaName }): Promise<{ readGBs: number[]; triadGBs: number[] }>;
  computeProbes(): AddonComputeProbe[];
  measurePeak(spec: { isa: IsaName; kind: PeakKind; threads: number; targetMs?: number; passes?: number }): Promise<{ opsPerSecond: number[] }>;
  measureClock(spec: { threads: number; targetMs?: number; passes?: number }): Promise<{ ghz: number[] }>;
  cpuFeatures(): Record<string, boolean>;
  implementations(): AddonImplementation[];
  buildInfo(): AddonBuildInfo;
  runKernel(spec: AddonRunSpec): Promise<Float32Array>;
  benchmarkKernel(spec: AddonBenchmarkSpec): Promise<AddonBenchmarkResult>;
}

export const addonPath = join(packageRoot(), 'build', 'Release', 'bitbench_native.node');

export class AddonMissingError extends Error {
  override name = 'AddonMissingError';
  readonly code = 'ERR_BITBENCH_ADDON_MISSING';
}

let loaded: Addon | undefined;

/** The AVX2 fp32 fused kernels the native dispatch may be told to use (it picks by CPU otherwise). */
export const AVX2_FUSED_CHOICES = ['vpermps', 'sign-bits'] as const;

/** BITBENCH_AVX2_FUSED, checked here because the native side can only ignore a bad value. */
function checkAvx2FusedChoice(): void {
  const value = process.env.BITBENCH_AVX2_FUSED;
  if (value === undefined || value === '' || (AVX2_FUSED_CHOICES as readonly string[]).includes(value)) return;
  throw new Error(
    `environment variable BITBENCH_AVX2_FUSED must be ${AVX2_FUSED_CHOICES.join(' or ')} (or unset), got ${JSON.stringify(value)}`,
  );
}

/**
 * The addon, loaded on first use: commands that never run a kernel (help, export, report,
 * serve, the fleet tools) neither pay for it nor need it built.
 */
export function nativeAddon(): Addon {
  if (loaded) return loaded;
  if (!existsSync(addonPath)) {
    throw new AddonMissingError(`the native addon is not built (${addonPath} is missing); run npm install`);
  }
  checkAvx2FusedChoice();
  loaded = createRequire(import.meta.url)(addonPath) as Addon;
  return loaded;
}

/**
 * The same addon for the tests that probe the native boundary itself (bad input, fuzzing);
 * it loads on the first property read. Library code calls the typed wrappers in native/.
 */
export const addon: Addon = new Proxy({} as Addon, {
  get: (_target, key) => Reflect.get(nativeAddon(), key),
});

// The only module that knows the shape of the compiled addon (build/Release/bitbench_native.node).
// Everything else imports the typed API from native/index.ts.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';

export type IsaName = 'avx512-vnni' | 'avx512' | 'avx-vnni' | 'avx2' | 'neon-dotprod' | 'neon' | 'scalar';
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
}

export interface AddonBenchmarkResult {
  samplesNs: Float64Array;
  prepareNs: number;
  preparedBytes: number;
  copies: number;
  footprintBytes: number;
  checksum: number;
  isa: IsaName;
  kernel: string;
  blas: string | null;
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

export type KvDtype = 'bf16' | 'int8';
export type LmHeadDtype = 'bf16' | 'int8';

export interface AddonModelSpec {
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
  peakRssBytes: number;
  kernel: string;
  isa: IsaName;
  estimateBytes: number;
}

export interface Addon {
  estimateModelBytes(spec: AddonModelSpec): number;
  benchmarkModel(spec: AddonModelSpec, onProgress?: (done: number, total: number) => void): Promise<AddonModelBenchmark>;
  runModel(spec: AddonModelRunSpec): Promise<{ promptLogits: Float32Array; decodeLogits: Float32Array }>;
  modelWeights(spec: AddonModelSpec): unknown;
  measureBandwidth(spec: { bytes: number; threads: number; passes?: number; isa?: IsaName }): Promise<{ readGBs: number[]; triadGBs: number[] }>;
  cpuFeatures(): Record<string, boolean>;
  implementations(): AddonImplementation[];
  buildInfo(): AddonBuildInfo;
  runKernel(spec: AddonRunSpec): Promise<Float32Array>;
  benchmarkKernel(spec: AddonBenchmarkSpec): Promise<AddonBenchmarkResult>;
}

export const addonPath = join(packageRoot(), 'build', 'Release', 'bitbench_native.node');

function loadAddon(): Addon {
  if (!existsSync(addonPath)) {
    throw new Error(`bitbench: the native addon is not built (${addonPath} is missing); run npm install`);
  }
  return createRequire(import.meta.url)(addonPath) as Addon;
}

export const addon: Addon = loadAddon();

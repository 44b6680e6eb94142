// The typed kernel API: list the ISA implementations, run one compute path on given inputs,
// time one path. Validation of shapes and buffers happens in the addon (it must defend itself
// anyway); this module owns the policy: which ISA is active, and the defaults.
import {
  nativeAddon,
  type AddonBenchmarkResult,
  type AddonImplementation,
  type CacheMode,
  type IsaName,
  type PathName,
  type SparsityPattern,
} from './addon.js';
import { withWeightsNamed } from './weights-argument.js';

export type { CacheMode, IsaName, PathName, SparsityPattern };

export const PATHS: readonly PathName[] = ['baseline', 'cached-f32', 'cached-bf16', 'fused', 'fused-i8'];
export const ISAS: readonly IsaName[] = ['amx-int8', 'avx512-vnni', 'avx512', 'avx-vnni', 'avx2', 'neon-dotprod', 'neon', 'scalar'];

export interface Implementation extends AddonImplementation {
  /** The one used when no ISA is named: BITBENCH_ISA if set, else the best supported. */
  active: boolean;
}

/** Every ISA implementation, best first, with whether this build and CPU support it. */
export function implementations(env: NodeJS.ProcessEnv = process.env): Implementation[] {
  const list = nativeAddon().implementations();
  const active = activeIsaName(list, env);
  return list.map((impl) => ({ ...impl, active: impl.name === active }));
}

function activeIsaName(list: AddonImplementation[], env: NodeJS.ProcessEnv): string {
  const forced = env.BITBENCH_ISA?.trim();
  if (forced) return forced;
  return list.find((impl) => impl.best)?.name ?? 'scalar';
}

/**
 * The ISA to run: the requested one, else BITBENCH_ISA, else the best supported. An unknown
 * name is a RangeError; a known ISA this CPU or build lacks is an Error with code
 * ERR_BITBENCH_ISA_UNSUPPORTED naming the missing features.
 */
export function resolveIsa(requested?: string, env: NodeJS.ProcessEnv = process.env): IsaName {
  if (requested !== undefined && typeof requested !== 'string') {
    throw new TypeError(`Expected a string for isa but received ${requested === null ? 'null' : typeof requested}`);
  }
  const list = nativeAddon().implementations();
  if (requested !== undefined && requested.trim() === '') {
    throw new RangeError(`Expected isa to be one of ${list.map((i) => i.name).join(', ')} but received ''`);
  }
  const name = requested?.trim() || activeIsaName(list, env);
  const source = requested !== undefined ? 'isa' : env.BITBENCH_ISA?.trim() ? 'BITBENCH_ISA' : 'isa';
  const impl = list.find((entry) => entry.name === name);
  if (!impl) {
    throw new RangeError(`Expected ${source} to be one of ${list.map((i) => i.name).join(', ')} but received '${name}'`);
  }
  if (!impl.supported) {
    const why = impl.compiled
      ? `is not supported on this CPU: missing ${impl.missing.join(', ')}`
      : `is not available: this build is for ${nativeAddon().buildInfo().architecture} and does not contain ${name} kernels`;
    const error = new Error(`ISA ${name} ${why}`) as Error & { code: string };
    error.code = 'ERR_BITBENCH_ISA_UNSUPPORTED';
    throw error;
  }
  return impl.name;
}

export function cpuFeatures(): Record<string, boolean> {
  return nativeAddon().cpuFeatures();
}

export function buildInfo() {
  return nativeAddon().buildInfo();
}

export interface RunPathOptions {
  path: PathName;
  /** Packed ternary weights (see packTernary), n rows of ceil(k / 4) bytes. */
  weights: Uint8Array;
  n: number;
  k: number;
  /** batch rows of k activations, row-major. */
  x: Float32Array;
  batch?: number;
  threads?: number;
  isa?: IsaName;
  /** Per-tensor scale: y = scale * (W x). Default 1. */
  scale?: number;
  /** Dense fp32 products through OpenBLAS when built in (default true). */
  useBlas?: boolean;
  /** fused, fused-i8: run the sparse kernel at batch 1 when enough activation blocks are zero (default false). */
  sparseKernel?: boolean;
}

/** y (batch x n, row-major) = scale * W x through one compute path. */
export async function runPath(options: RunPathOptions): Promise<Float32Array> {
  return withWeightsNamed(() => nativeAddon().runKernel({
    path: options.path,
    isa: resolveIsa(options.isa),
    n: options.n,
    k: options.k,
    batch: options.batch ?? 1,
    threads: options.threads ?? 1,
    scale: options.scale ?? 1,
    useBlas: options.useBlas ?? true,
    packed: options.weights,
    x: options.x,
    ...(options.sparseKernel ? { sparseKernel: true } : {}),
  }));
}

export interface TimeKernelOptions {
  path: PathName;
  n: number;
  k: number;
  batch: number;
  threads: number;
  isa?: IsaName;
  cache: CacheMode;
  /** Bytes the cold copies span together. */
  coldBytes: number;
  warmup: number;
  minSamples: number;
  maxSamples: number;
  minTimeMs: number;
  /** Add samples while the coefficient of variation is above this (0: off), up to maxTimeMs. */
  targetCv: number;
  maxTimeMs: number;
  seed: number;
  /**
   * Every sampling field is required: the defaults live once, in runner/protocol/sampling-defaults.ts,
   * and the addon's own fallbacks are only for callers of the raw addon.
   */
  useBlas: boolean;
  /** Packed weights; synthetic from `seed` when absent. */
  weights?: Uint8Array;
  /** Fraction of activations zeroed in the path's own sparse column blocks; dense calls interleaved (fused, fused-i8). */
  sparsity?: number;
  /** blocks (default) or scattered: one by one, as top-k leaves them. */
  sparsityPattern?: SparsityPattern;
}

export type KernelTiming = AddonBenchmarkResult;

/** The native timing loop: prepare once (timed apart), warm up, time every call. */
export async function timeKernel(options: TimeKernelOptions): Promise<KernelTiming> {
  const { weights, isa, ...rest } = options;
  return withWeightsNamed(() =>
    nativeAddon().benchmarkKernel({
      ...rest,
      isa: resolveIsa(isa),
      ...(weights ? { packed: weights } : {}),
    }),
  );
}

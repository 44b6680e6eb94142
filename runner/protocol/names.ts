// The names a job may carry, as plain data. The protocol must not load the native addon (the
// coordinator validates matrices and the reports read results on machines that never built it),
// so these lists are written out here and tied to the addon's types at compile time.
import type {
  CacheMode as NativeCacheMode,
  IsaName as NativeIsaName,
  KvDtype as NativeKvDtype,
  KvFill as NativeKvFill,
  LmHeadDtype as NativeLmHeadDtype,
  PathName as NativePathName,
  SparsityPattern as NativeSparsityPattern,
} from '../../native/index.js';
import type { ActivationSparsityMode as NativeActivationSparsityMode, AttentionSparsityMode as NativeAttentionSparsityMode } from '../../native/model.js';
import { PRESET_NAMES as MODEL_PRESET_NAMES, type PresetName } from '../model-config.js';

export const PATH_NAMES = ['baseline', 'cached-f32', 'cached-bf16', 'fused', 'fused-i8'] as const;
export const ISA_NAMES = ['amx-int8', 'avx512-vnni', 'avx512', 'avx-vnni', 'avx2', 'neon-dotprod', 'neon', 'scalar'] as const;
export const CACHE_MODES = ['hot', 'cold'] as const;
/** How a kernel job zeroes its activations: aligned column blocks, or values one by one. */
export const SPARSITY_PATTERNS = ['blocks', 'scattered'] as const;
export const KV_DTYPES = ['bf16', 'int8', 'fp8-e4m3', 'fp8-e5m2'] as const;
/** How the KV cache is filled up to `context`: real prefill, or the prompt's entries tiled. */
export const KV_FILLS = ['tiled', 'prefill'] as const;
/**
 * The largest `context`. Synthetic weights have no trained length (RoPE is defined at every
 * position), so a preset's maxPositions bounds prompt + tokens but not this; memory decides.
 */
export const MAX_CONTEXT = 131072;
export const LM_HEAD_DTYPES = ['bf16', 'int8'] as const;
/** Activation sparsity on the input of every ternary layer (model jobs); `none`: dense. */
export const ACTIVATION_SPARSITY_MODES = ['none', 'threshold', 'top-k', 'adaptive', 'top-k-blocks'] as const;
/** Which cached positions each query head's softmax keeps (model jobs); `none`: all of them. */
export const ATTENTION_SPARSITY_MODES = ['none', 'top-k', 'threshold', 'window', 'dynamic'] as const;
export const PRESET_NAMES = MODEL_PRESET_NAMES as readonly PresetName[] as readonly [PresetName, ...PresetName[]];

export type PathName = (typeof PATH_NAMES)[number];
export type IsaName = (typeof ISA_NAMES)[number];
export type CacheMode = (typeof CACHE_MODES)[number];
export type SparsityPattern = (typeof SPARSITY_PATTERNS)[number];
export type KvDtype = (typeof KV_DTYPES)[number];
export type KvFill = (typeof KV_FILLS)[number];
export type LmHeadDtype = (typeof LM_HEAD_DTYPES)[number];
export type ActivationSparsityMode = (typeof ACTIVATION_SPARSITY_MODES)[number];
export type AttentionSparsityMode = (typeof ATTENTION_SPARSITY_MODES)[number];
/** Window mode's first positions always kept when none are named (the CLI's and matrices' default). */
export const DEFAULT_ATTENTION_GLOBAL = 4;
export type { PresetName };

// A path or ISA added to the addon without being added here (or the reverse) fails the build.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const namesMatchTheAddon: [
  Same<PathName, NativePathName>,
  Same<IsaName, NativeIsaName>,
  Same<CacheMode, NativeCacheMode>,
  Same<SparsityPattern, NativeSparsityPattern>,
  Same<KvDtype, NativeKvDtype>,
  Same<KvFill, NativeKvFill>,
  Same<LmHeadDtype, NativeLmHeadDtype>,
  Same<ActivationSparsityMode, NativeActivationSparsityMode>,
  Same<AttentionSparsityMode, NativeAttentionSparsityMode>,
] = [true, true, true, true, true, true, true, true, true];
void namesMatchTheAddon;

/** Who runs a model job: bitbench's own paths, or llama.cpp on the same synthetic model. */
export const ENGINE_NAMES = ['bitbench', 'llama.cpp'] as const;
/** llama.cpp's weight types for the ternary layers (GGUF): ternary TQ2_0/TQ1_0, dense BF16/F16. */
export const LLAMA_QUANTS = ['tq2_0', 'tq1_0', 'bf16', 'f16'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];
export type LlamaQuant = (typeof LLAMA_QUANTS)[number];

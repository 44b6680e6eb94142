// Which model dimensions a run uses: a named preset, or a Hugging Face config.json from disk.
// Everything that reaches the native model has passed validateDimensions, so the C++ side can
// trust its sizes (no zero heads, no head dimension RoPE cannot rotate, no absurd allocation).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { EXIT_USAGE } from './errors.js';

export interface ModelDimensions {
  hidden: number;
  ffn: number;
  layers: number;
  heads: number;
  kvHeads: number;
  vocab: number;
  /** hidden / heads. */
  headDim: number;
  ropeTheta: number;
  rmsEps: number;
  maxPositions: number;
}

export type PresetName = 'bitnet-b1.58-2b-4t' | 'seed-2b' | 'seed-7b' | 'tiny' | 'tiny-256';

function preset(d: Omit<ModelDimensions, 'headDim'>): ModelDimensions {
  return Object.freeze({ ...d, headDim: d.hidden / d.heads });
}

/** Dimensions as published (see DESIGN.md); `tiny` is for tests. Frozen: copy before changing. */
export const MODEL_PRESETS: Readonly<Record<PresetName, ModelDimensions>> = Object.freeze({
  'bitnet-b1.58-2b-4t': preset({
    hidden: 2560, ffn: 6912, layers: 30, heads: 20, kvHeads: 5, vocab: 128256,
    ropeTheta: 500000, rmsEps: 1e-5, maxPositions: 4096,
  }),
  'seed-2b': preset({
    hidden: 2048, ffn: 5632, layers: 24, heads: 32, kvHeads: 32, vocab: 32002,
    ropeTheta: 10000, rmsEps: 1e-5, maxPositions: 2048,
  }),
  'seed-7b': preset({
    hidden: 4096, ffn: 11008, layers: 32, heads: 32, kvHeads: 32, vocab: 32000,
    ropeTheta: 10000, rmsEps: 1e-5, maxPositions: 2048,
  }),
  tiny: preset({
    hidden: 64, ffn: 160, layers: 2, heads: 4, kvHeads: 2, vocab: 256,
    ropeTheta: 10000, rmsEps: 1e-5, maxPositions: 512,
  }),
  // tiny with every width a multiple of 256 and room for a byte-level vocabulary: the smallest
  // model llama.cpp's ternary types (blocks of 256) and its tokenizer accept.
  'tiny-256': preset({
    hidden: 256, ffn: 512, layers: 2, heads: 4, kvHeads: 2, vocab: 512,
    ropeTheta: 10000, rmsEps: 1e-5, maxPositions: 512,
  }),
});

export const PRESET_NAMES = Object.keys(MODEL_PRESETS) as PresetName[];

export function isPresetName(name: string): name is PresetName {
  return Object.prototype.hasOwnProperty.call(MODEL_PRESETS, name);
}

export interface ModelConfigProblem {
  /** The field as the user spelled it (a Hugging Face name for a config.json); null for the input as a whole. */
  field: string | null;
  message: string;
}

export class ModelConfigError extends Error {
  override name = 'ModelConfigError';
  readonly code = 'ERR_BITBENCH_MODEL_CONFIG';
  /** Bad input: the CLI exits 2 and prints every problem (runner/errors.ts). */
  readonly exitCode = EXIT_USAGE;
  /** The first problem's field. */
  readonly field: string | null;
  /** Where the dimensions came from: a file path, `preset <name>`, or `options`. */
  readonly source: string;
  readonly problems: readonly ModelConfigProblem[];

  constructor(source: string, problems: ModelConfigProblem[]) {
    const lines = problems.map((p) => `${source}: ${p.message}`);
    const message =
      lines.length === 1
        ? lines[0]!
        : [`${source}: ${problems.length} problems with the model dimensions`, ...lines.map((l) => `  ${l}`)].join('\n');
    super(message);
    this.field = problems[0]?.field ?? null;
    this.source = source;
    this.problems = problems;
  }
}

/** Inclusive upper bounds: far above any real model, low enough to catch garbage before it becomes an allocation. */
const UPPER_BOUNDS = {
  hidden: 65_536,
  ffn: 65_536,
  layers: 1_024,
  heads: 1_024,
  kvHeads: 1_024,
  vocab: 1_048_576,
  // Some published configs announce 10M-token contexts; 2^24 still rejects nonsense.
  maxPositions: 16_777_216,
} as const;

type IntegerField = keyof typeof UPPER_BOUNDS;

/** How each field is named to the user; validateDimensions uses our names, a config.json its own. */
export type FieldNames = Record<keyof ModelDimensions, string>;

const OWN_FIELD_NAMES: FieldNames = {
  hidden: 'hidden', ffn: 'ffn', layers: 'layers', heads: 'heads', kvHeads: 'kvHeads', vocab: 'vocab',
  headDim: 'headDim', ropeTheta: 'ropeTheta', rmsEps: 'rmsEps', maxPositions: 'maxPositions',
};

const HF_FIELD_NAMES: FieldNames = {
  hidden: 'hidden_size', ffn: 'intermediate_size', layers: 'num_hidden_layers', heads: 'num_attention_heads',
  kvHeads: 'num_key_value_heads', vocab: 'vocab_size', headDim: 'head_dim', ropeTheta: 'rope_theta',
  rmsEps: 'rms_norm_eps', maxPositions: 'max_position_embeddings',
};

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a candidate set of dimensions and returns a clean copy. `headDim` may be left out
 * (it is derived); if given it must equal hidden / heads. Throws a ModelConfigError listing
 * every problem found, not just the first.
 */
export function validateDimensions(d: unknown, source: string, names: FieldNames = OWN_FIELD_NAMES): ModelDimensions {
  if (!isPlainObject(d)) {
    throw new ModelConfigError(source, [
      { field: null, message: `model dimensions must be an object (received ${describeValue(d)})` },
    ]);
  }
  const problems: ModelConfigProblem[] = [];
  const problem = (field: keyof ModelDimensions, message: string) => problems.push({ field: names[field], message });

  const integer = (field: IntegerField): number | undefined => {
    const value = d[field];
    const name = names[field];
    if (value === undefined) {
      problem(field, `${name} is missing`);
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      problem(field, `${name} must be a positive integer (received ${describeValue(value)})`);
      return undefined;
    }
    if (value > UPPER_BOUNDS[field]) {
      problem(field, `${name} must be at most ${UPPER_BOUNDS[field]} (received ${value})`);
      return undefined;
    }
    return value;
  };

  const hidden = integer('hidden');
  const ffn = integer('ffn');
  const layers = integer('layers');
  const heads = integer('heads');
  const kvHeads = integer('kvHeads');
  const vocab = integer('vocab');
  const maxPositions = integer('maxPositions');

  let headDim: number | undefined;
  if (hidden !== undefined && heads !== undefined) {
    if (hidden % heads !== 0) {
      problem('hidden', `${names.hidden} (${hidden}) must be divisible by ${names.heads} (${heads})`);
    } else {
      headDim = hidden / heads;
      if (headDim % 2 !== 0) {
        // RoPE rotates (even, odd) pairs of each head's channels.
        problem('headDim', `head dimension ${names.hidden} / ${names.heads} (${hidden} / ${heads} = ${headDim}) must be even (RoPE rotates pairs)`);
        headDim = undefined;
      }
    }
  }
  if (heads !== undefined && kvHeads !== undefined && heads % kvHeads !== 0) {
    // Grouped-query attention shares each KV head among a whole number of query heads.
    problem('heads', `${names.heads} (${heads}) must be divisible by ${names.kvHeads} (${kvHeads})`);
  }
  const givenHeadDim = d.headDim;
  if (givenHeadDim !== undefined && headDim !== undefined && givenHeadDim !== headDim) {
    problem('headDim', `${names.headDim} (${describeValue(givenHeadDim)}) must equal ${names.hidden} / ${names.heads} (${headDim}); bitbench's model derives the head dimension`);
  }

  const ropeTheta = d.ropeTheta;
  const ropeOk = typeof ropeTheta === 'number' && Number.isFinite(ropeTheta) && ropeTheta > 0;
  if (!ropeOk) problem('ropeTheta', `${names.ropeTheta} must be a finite number greater than 0 (received ${describeValue(ropeTheta)})`);

  const rmsEps = d.rmsEps;
  const epsOk = typeof rmsEps === 'number' && Number.isFinite(rmsEps) && rmsEps > 0 && rmsEps < 1;
  if (!epsOk) problem('rmsEps', `${names.rmsEps} must be a number greater than 0 and less than 1 (received ${describeValue(rmsEps)})`);

  if (problems.length > 0) throw new ModelConfigError(source, problems);
  return {
    hidden: hidden!, ffn: ffn!, layers: layers!, heads: heads!, kvHeads: kvHeads!, vocab: vocab!,
    headDim: headDim!, ropeTheta: ropeTheta as number, rmsEps: rmsEps as number, maxPositions: maxPositions!,
  };
}

/** Defaults Hugging Face's Llama-family configs apply when a field is absent (or null). */
const HF_DEFAULTS = { ropeTheta: 10000, rmsEps: 1e-5, maxPositions: 2048 } as const;

/** Reads the dimensions from a Hugging Face config.json; errors name the file and the HF field. */
export function readHuggingFaceConfig(path: string): ModelDimensions {
  return loadHuggingFaceConfig(path).dimensions;
}

function loadHuggingFaceConfig(path: string): { json: Record<string, unknown>; dimensions: ModelDimensions } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ModelConfigError(path, [{ field: null, message: `cannot read the config file: ${(error as Error).message}` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelConfigError(path, [{ field: null, message: `not valid JSON: ${(error as Error).message}` }]);
  }
  if (!isPlainObject(json)) {
    throw new ModelConfigError(path, [
      { field: null, message: `expected a JSON object of model settings (received ${describeValue(json)})` },
    ]);
  }
  const optional = (key: string, fallback: unknown): unknown => (json[key] === undefined || json[key] === null ? fallback : json[key]);
  const heads = json.num_attention_heads;
  const candidate = {
    hidden: json.hidden_size,
    ffn: json.intermediate_size,
    layers: json.num_hidden_layers,
    heads,
    // As in transformers: no num_key_value_heads means plain multi-head attention.
    kvHeads: optional('num_key_value_heads', heads),
    vocab: json.vocab_size,
    headDim: optional('head_dim', undefined),
    ropeTheta: optional('rope_theta', HF_DEFAULTS.ropeTheta),
    rmsEps: optional('rms_norm_eps', HF_DEFAULTS.rmsEps),
    maxPositions: optional('max_position_embeddings', HF_DEFAULTS.maxPositions),
  };
  return { json, dimensions: validateDimensions(candidate, path, HF_FIELD_NAMES) };
}

export interface ResolvedModel {
  name: string;
  dimensions: ModelDimensions;
}

/** Exactly one of `preset` (a name in MODEL_PRESETS) or `config` (a path to a Hugging Face config.json). */
export function resolveModel(options: { preset?: string; config?: string }): ResolvedModel {
  const { preset: presetName, config } = options;
  if (presetName !== undefined && config !== undefined) {
    throw new ModelConfigError('options', [
      { field: 'preset/config', message: `pass either --preset or --config, not both (received --preset ${presetName} and --config ${config})` },
    ]);
  }
  if (presetName === undefined && config === undefined) {
    throw new ModelConfigError('options', [
      { field: 'preset/config', message: `pass one of --preset <name> or --config <path to config.json> (known presets: ${PRESET_NAMES.join(', ')})` },
    ]);
  }
  if (presetName !== undefined) {
    if (!isPresetName(presetName)) {
      throw new ModelConfigError('options', [
        { field: 'preset', message: `unknown preset ${JSON.stringify(presetName)}; known presets: ${PRESET_NAMES.join(', ')}` },
      ]);
    }
    return { name: presetName, dimensions: { ...MODEL_PRESETS[presetName] } };
  }
  const path = config!;
  const { json, dimensions } = loadHuggingFaceConfig(path);
  return { name: configName(path, json), dimensions };
}

function configName(path: string, json: Record<string, unknown>): string {
  const nameOrPath = json._name_or_path;
  if (typeof nameOrPath === 'string' && nameOrPath.trim() !== '') return nameOrPath.trim();
  return basename(path).replace(/\.json$/i, '');
}

export interface ParameterCounts {
  /** Every ternary weight: Q, K, V, O, gate, up and down in every layer. */
  ternary: number;
  /** The embedding table (tied with the LM head, so counted once). */
  embedding: number;
}

export function parameterCounts(d: ModelDimensions): ParameterCounts {
  const kvWidth = d.kvHeads * d.headDim;
  const perLayer = 2 * d.hidden * d.hidden + 2 * d.hidden * kvWidth + 3 * d.hidden * d.ffn;
  return { ternary: d.layers * perLayer, embedding: d.vocab * d.hidden };
}

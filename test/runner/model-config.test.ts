import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MODEL_PRESETS,
  ModelConfigError,
  PRESET_NAMES,
  parameterCounts,
  readHuggingFaceConfig,
  resolveModel,
  validateDimensions,
  type ModelDimensions,
} from '../../runner/model-config.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/bitnet-2b-4t-config.json', import.meta.url));

const scratch = mkdtempSync(join(tmpdir(), 'bitbench-model-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let fileCount = 0;
function writeConfig(content: unknown, name = `config-${fileCount++}.json`): string {
  const path = join(scratch, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const HF_2B4T = {
  architectures: ['BitNetForCausalLM'],
  hidden_size: 2560,
  intermediate_size: 6912,
  num_hidden_layers: 30,
  num_attention_heads: 20,
  num_key_value_heads: 5,
  vocab_size: 128256,
  rope_theta: 500000.0,
  rms_norm_eps: 1e-5,
  max_position_embeddings: 4096,
  hidden_act: 'relu2',
};

const TINY: ModelDimensions = MODEL_PRESETS.tiny;
/** TINY without its derived headDim, so changing hidden or heads does not also trip the headDim check. */
const { headDim: _derived, ...TINY_SIZES } = TINY;

/** Runs fn, expects a ModelConfigError, and returns it. */
function configError(fn: () => unknown): ModelConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ModelConfigError);
    return error as ModelConfigError;
  }
  throw new Error('expected a ModelConfigError');
}

describe('MODEL_PRESETS', () => {
  it.each(PRESET_NAMES)('%s passes its own validation, with headDim = hidden / heads', (name) => {
    const d = MODEL_PRESETS[name];
    expect(validateDimensions(d, `preset ${name}`)).toEqual(d);
    expect(d.headDim).toBe(d.hidden / d.heads);
  });

  it('has the published dimensions', () => {
    expect(MODEL_PRESETS['bitnet-b1.58-2b-4t']).toEqual({
      hidden: 2560, ffn: 6912, layers: 30, heads: 20, kvHeads: 5, vocab: 128256, headDim: 128,
      ropeTheta: 500000, rmsEps: 1e-5, maxPositions: 4096,
    });
    expect(MODEL_PRESETS['seed-2b']).toMatchObject({ hidden: 2048, ffn: 5632, layers: 24, heads: 32, kvHeads: 32, vocab: 32002, headDim: 64 });
    expect(MODEL_PRESETS['seed-7b']).toMatchObject({ hidden: 4096, ffn: 11008, layers: 32, heads: 32, kvHeads: 32, vocab: 32000, headDim: 128 });
    expect(MODEL_PRESETS.tiny).toMatchObject({ hidden: 64, ffn: 160, layers: 2, heads: 4, kvHeads: 2, vocab: 256, headDim: 16, maxPositions: 512 });
  });

  it('cannot be changed by a caller', () => {
    expect(Object.isFrozen(MODEL_PRESETS.tiny)).toBe(true);
    expect(() => {
      (MODEL_PRESETS.tiny as { hidden: number }).hidden = 1;
    }).toThrow(TypeError);
  });
});

describe('validateDimensions', () => {
  it('derives headDim when it is left out', () => {
    expect(validateDimensions(TINY_SIZES, 'test')).toEqual(TINY);
  });

  it('returns a copy without extra fields', () => {
    const result = validateDimensions({ ...TINY_SIZES, extra: 'ignored' }, 'test');
    expect(result).toEqual(TINY);
    expect(result).not.toBe(TINY);
  });

  const integerFields = ['hidden', 'ffn', 'layers', 'heads', 'kvHeads', 'vocab', 'maxPositions'] as const;
  const badIntegers: [string, unknown][] = [
    ['0', 0],
    ['-1', -1],
    ['1.5', 1.5],
    ['"64"', '64'],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['null', null],
    ['true', true],
  ];

  describe.each(integerFields)('%s', (field) => {
    it.each(badIntegers)('rejects %s as not a positive integer', (shown, value) => {
      const error = configError(() => validateDimensions({ ...TINY_SIZES, [field]: value }, 'test'));
      expect(error.field).toBe(field);
      expect(error.source).toBe('test');
      expect(error.message).toContain(`test: ${field} must be a positive integer (received ${shown})`);
    });

    it('names it when missing', () => {
      const candidate: Record<string, unknown> = { ...TINY_SIZES };
      delete candidate[field];
      const error = configError(() => validateDimensions(candidate, 'test'));
      expect(error.problems.map((p) => p.field)).toContain(field);
      expect(error.message).toContain(`test: ${field} is missing`);
    });
  });

  it.each([
    ['hidden', 65_536 * 2, 65_536],
    ['ffn', 65_537, 65_536],
    ['layers', 1_025, 1_024],
    ['vocab', 1_048_577, 1_048_576],
    ['maxPositions', 2 ** 24 + 1, 2 ** 24],
  ] as const)('rejects %s above its upper bound', (field, value, bound) => {
    const error = configError(() => validateDimensions({ ...TINY_SIZES, [field]: value }, 'test'));
    expect(error.field).toBe(field);
    expect(error.message).toBe(`test: ${field} must be at most ${bound} (received ${value})`);
  });

  it('rejects heads and kvHeads above their upper bound', () => {
    const error = configError(() => validateDimensions({ ...TINY_SIZES, hidden: 2048, heads: 2048, kvHeads: 2048 }, 'test'));
    expect(error.problems).toEqual([
      { field: 'heads', message: 'heads must be at most 1024 (received 2048)' },
      { field: 'kvHeads', message: 'kvHeads must be at most 1024 (received 2048)' },
    ]);
  });

  it('accepts sizes at their upper bound', () => {
    expect(validateDimensions({ ...TINY_SIZES, ffn: 65_536, vocab: 1_048_576, maxPositions: 2 ** 24 }, 'test').vocab).toBe(1_048_576);
  });

  it('requires hidden to be divisible by heads', () => {
    const error = configError(() => validateDimensions({ ...TINY_SIZES, hidden: 2560, heads: 7, kvHeads: 7 }, 'test'));
    expect(error.field).toBe('hidden');
    expect(error.message).toBe('test: hidden (2560) must be divisible by heads (7)');
  });

  it('requires heads to be divisible by kvHeads', () => {
    const error = configError(() => validateDimensions({ ...TINY_SIZES, hidden: 2560, heads: 20, kvHeads: 3 }, 'test'));
    expect(error.field).toBe('heads');
    expect(error.message).toBe('test: heads (20) must be divisible by kvHeads (3)');
  });

  it('rejects more KV heads than heads', () => {
    const error = configError(() => validateDimensions({ ...TINY_SIZES, kvHeads: 8 }, 'test'));
    expect(error.message).toBe('test: heads (4) must be divisible by kvHeads (8)');
  });

  it('requires an even head dimension, since RoPE rotates pairs', () => {
    const error = configError(() => validateDimensions({ ...TINY_SIZES, hidden: 60, heads: 4, kvHeads: 4 }, 'test'));
    expect(error.field).toBe('headDim');
    expect(error.message).toContain('must be even (RoPE rotates pairs)');
    expect(error.message).toContain('60 / 4 = 15');
  });

  it('rejects a headDim that is not hidden / heads', () => {
    const error = configError(() => validateDimensions({ ...TINY, headDim: 32 }, 'test'));
    expect(error.field).toBe('headDim');
    expect(error.message).toContain('headDim (32) must equal hidden / heads (16)');
  });

  it.each([
    ['0', 0],
    ['-1', -1],
    ['Infinity', Infinity],
    ['NaN', NaN],
    ['"10000"', '10000'],
    ['undefined', undefined],
  ])('rejects ropeTheta %s', (shown, value) => {
    const error = configError(() => validateDimensions({ ...TINY_SIZES, ropeTheta: value }, 'test'));
    expect(error.field).toBe('ropeTheta');
    expect(error.message).toBe(`test: ropeTheta must be a finite number greater than 0 (received ${shown})`);
  });

  it.each([
    ['0', 0],
    ['1', 1],
    ['-0.00001', -1e-5],
    ['NaN', NaN],
    ['"1e-5"', '1e-5'],
  ])('rejects rmsEps %s', (shown, value) => {
    const error = configError(() => validateDimensions({ ...TINY_SIZES, rmsEps: value }, 'test'));
    expect(error.field).toBe('rmsEps');
    expect(error.message).toBe(`test: rmsEps must be a number greater than 0 and less than 1 (received ${shown})`);
  });

  it('reports every problem, one per line after a summary line', () => {
    const error = configError(() => validateDimensions({ ...TINY_SIZES, heads: 0, vocab: -3, rmsEps: 2 }, 'model.json'));
    expect(error.problems.map((p) => p.field)).toEqual(['heads', 'vocab', 'rmsEps']);
    expect(error.field).toBe('heads');
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('model.json: 3 problems with the model dimensions');
    expect(lines.slice(1)).toEqual([
      '  model.json: heads must be a positive integer (received 0)',
      '  model.json: vocab must be a positive integer (received -3)',
      '  model.json: rmsEps must be a number greater than 0 and less than 1 (received 2)',
    ]);
  });

  it.each([
    ['null', null],
    ['an array', [1, 2]],
    ['"tiny"', 'tiny'],
    ['42', 42],
  ])('rejects %s as not an object', (shown, value) => {
    const error = configError(() => validateDimensions(value, 'test'));
    expect(error.field).toBeNull();
    expect(error.message).toBe(`test: model dimensions must be an object (received ${shown})`);
  });
});

describe('readHuggingFaceConfig', () => {
  it('reads a real BitNet b1.58 2B4T config as exactly the preset', () => {
    expect(readHuggingFaceConfig(FIXTURE)).toEqual(MODEL_PRESETS['bitnet-b1.58-2b-4t']);
  });

  it('applies the Hugging Face defaults for optional fields', () => {
    const { num_key_value_heads: _kv, rope_theta: _rope, rms_norm_eps: _eps, max_position_embeddings: _max, ...required } = HF_2B4T;
    const d = readHuggingFaceConfig(writeConfig(required));
    expect(d).toMatchObject({ kvHeads: 20, ropeTheta: 10000, rmsEps: 1e-5, maxPositions: 2048 });
  });

  it('treats null optional fields as absent, as transformers does for num_key_value_heads', () => {
    const d = readHuggingFaceConfig(writeConfig({ ...HF_2B4T, num_key_value_heads: null, rope_theta: null }));
    expect(d).toMatchObject({ kvHeads: 20, ropeTheta: 10000 });
  });

  it('accepts a head_dim that agrees with hidden_size / num_attention_heads', () => {
    expect(readHuggingFaceConfig(writeConfig({ ...HF_2B4T, head_dim: 128 })).headDim).toBe(128);
  });

  it('rejects a head_dim that does not', () => {
    const path = writeConfig({ ...HF_2B4T, head_dim: 256 });
    const error = configError(() => readHuggingFaceConfig(path));
    expect(error.field).toBe('head_dim');
    expect(error.message).toContain(`${path}: head_dim (256) must equal hidden_size / num_attention_heads (128)`);
  });

  it.each(['hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'vocab_size'])(
    'names a missing %s',
    (field) => {
      const config: Record<string, unknown> = { ...HF_2B4T };
      delete config[field];
      const path = writeConfig(config);
      const error = configError(() => readHuggingFaceConfig(path));
      expect(error.source).toBe(path);
      expect(error.problems.map((p) => p.field)).toContain(field);
      expect(error.message).toContain(`${path}: ${field} is missing`);
    },
  );

  it.each([
    ['hidden_size', 0, 'must be a positive integer (received 0)'],
    ['intermediate_size', '6912', 'must be a positive integer (received "6912")'],
    ['num_hidden_layers', 30.5, 'must be a positive integer (received 30.5)'],
    ['num_attention_heads', 0, 'must be a positive integer (received 0)'],
    ['num_key_value_heads', -5, 'must be a positive integer (received -5)'],
    ['vocab_size', 2_000_000, 'must be at most 1048576 (received 2000000)'],
    ['rope_theta', 0, 'must be a finite number greater than 0 (received 0)'],
    ['rms_norm_eps', 0, 'must be a number greater than 0 and less than 1 (received 0)'],
    ['max_position_embeddings', 'long', 'must be a positive integer (received "long")'],
  ])('rejects a bad %s, naming the Hugging Face field', (field, value, expected) => {
    const path = writeConfig({ ...HF_2B4T, [field]: value }, 'config.json');
    const error = configError(() => readHuggingFaceConfig(path));
    expect(error.field).toBe(field);
    expect(error.message).toContain(`${path}: ${field} ${expected}`);
  });

  it('uses Hugging Face names in divisibility errors', () => {
    const bad = configError(() => readHuggingFaceConfig(writeConfig({ ...HF_2B4T, num_attention_heads: 7, num_key_value_heads: 7 })));
    expect(bad.message).toContain('hidden_size (2560) must be divisible by num_attention_heads (7)');
    const gqa = configError(() => readHuggingFaceConfig(writeConfig({ ...HF_2B4T, num_key_value_heads: 3 })));
    expect(gqa.message).toContain('num_attention_heads (20) must be divisible by num_key_value_heads (3)');
  });

  it('lists every problem in the file', () => {
    const path = writeConfig({ ...HF_2B4T, hidden_size: undefined, vocab_size: 0, rope_theta: -1 });
    const error = configError(() => readHuggingFaceConfig(path));
    expect(error.problems.map((p) => p.field)).toEqual(['hidden_size', 'vocab_size', 'rope_theta']);
    expect(error.message.split('\n')).toHaveLength(4);
  });

  it('names the path and the problem for invalid JSON', () => {
    const path = writeConfig('{"hidden_size": 2560,');
    const error = configError(() => readHuggingFaceConfig(path));
    expect(error.source).toBe(path);
    expect(error.field).toBeNull();
    expect(error.message).toMatch(new RegExp(`^${escape(path)}: not valid JSON: .+`));
  });

  it('rejects JSON that is not an object', () => {
    const path = writeConfig('[2560, 6912]');
    expect(configError(() => readHuggingFaceConfig(path)).message).toBe(
      `${path}: expected a JSON object of model settings (received an array)`,
    );
  });

  it('names the path and the reason for a file that cannot be read', () => {
    const missing = join(scratch, 'no-such-config.json');
    const error = configError(() => readHuggingFaceConfig(missing));
    expect(error.source).toBe(missing);
    expect(error.message).toMatch(new RegExp(`^${escape(missing)}: cannot read the config file: .*ENOENT`));
    expect(configError(() => readHuggingFaceConfig(scratch)).message).toContain('EISDIR');
  });
});

describe('resolveModel', () => {
  it('resolves a preset to a copy of its dimensions', () => {
    const model = resolveModel({ preset: 'tiny' });
    expect(model).toEqual({ name: 'tiny', dimensions: MODEL_PRESETS.tiny });
    model.dimensions.hidden = 1;
    expect(MODEL_PRESETS.tiny.hidden).toBe(64);
  });

  it('names a config by its file name without .json', () => {
    expect(resolveModel({ config: FIXTURE })).toEqual({
      name: 'bitnet-2b-4t-config',
      dimensions: MODEL_PRESETS['bitnet-b1.58-2b-4t'],
    });
  });

  it('prefers the config’s _name_or_path', () => {
    const path = writeConfig({ ...HF_2B4T, _name_or_path: 'microsoft/bitnet-b1.58-2B-4T' });
    expect(resolveModel({ config: path }).name).toBe('microsoft/bitnet-b1.58-2B-4T');
  });

  it('passes config errors through', () => {
    const path = writeConfig({ ...HF_2B4T, num_hidden_layers: 0 });
    expect(configError(() => resolveModel({ config: path })).field).toBe('num_hidden_layers');
  });

  it('rejects both a preset and a config, naming both flags', () => {
    const error = configError(() => resolveModel({ preset: 'tiny', config: FIXTURE }));
    expect(error.message).toContain('--preset');
    expect(error.message).toContain('--config');
    expect(error.message).toContain('not both');
  });

  it('rejects neither, naming both flags and the presets', () => {
    const error = configError(() => resolveModel({}));
    expect(error.message).toContain('--preset');
    expect(error.message).toContain('--config');
    expect(error.message).toContain('bitnet-b1.58-2b-4t');
  });

  it('rejects an unknown preset, listing the known ones', () => {
    const error = configError(() => resolveModel({ preset: 'bitnet-7b' }));
    expect(error.field).toBe('preset');
    expect(error.message).toBe('options: unknown preset "bitnet-7b"; known presets: bitnet-b1.58-2b-4t, seed-2b, seed-7b, tiny, tiny-256');
  });

  it('does not take inherited object keys for presets', () => {
    expect(configError(() => resolveModel({ preset: 'toString' })).message).toContain('unknown preset "toString"');
  });
});

describe('parameterCounts', () => {
  it('counts BitNet b1.58 2B4T', () => {
    const counts = parameterCounts(MODEL_PRESETS['bitnet-b1.58-2b-4t']);
    expect(counts.ternary).toBe(30 * (2 * 2560 * 2560 + 2 * 2560 * 640 + 3 * 2560 * 6912));
    expect(counts.ternary).toBe(2_084_044_800);
    expect(counts.embedding).toBe(128256 * 2560);
  });

  it('counts full multi-head attention when kvHeads = heads', () => {
    const d = MODEL_PRESETS['seed-7b'];
    expect(parameterCounts(d).ternary).toBe(32 * (4 * 4096 * 4096 + 3 * 4096 * 11008));
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

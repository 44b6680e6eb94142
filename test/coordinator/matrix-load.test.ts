import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMatrix, MatrixError, parseMatrixText, type MatrixFormat } from '../../coordinator/matrix/load-matrix.js';
import { MAX_MATRIX_JOBS } from '../../coordinator/matrix/validate-matrix.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/matrices/${name}`, import.meta.url));

const scratch = mkdtempSync(join(tmpdir(), 'bitbench-matrix-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs fn, expects a MatrixError, and returns it. */
function matrixError(fn: () => unknown): MatrixError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MatrixError);
    return error as MatrixError;
  }
  throw new Error('expected a MatrixError, but the matrix was accepted');
}

function problemsOf(text: string, format: MatrixFormat = 'yaml'): string[] {
  return matrixError(() => parseMatrixText(text, `inline.${format}`, format)).problems.map((p) => `${p.path}: ${p.message}`);
}

/** A valid kernels section, as YAML lines, with overrides merged in by key. */
function kernelsYaml(overrides: Record<string, string> = {}): string {
  const fields: Record<string, string> = {
    paths: '[fused]',
    shapes: '[[64, 64]]',
    batch: '[1]',
    threads: '[1]',
    cache: '[hot]',
    ...overrides,
  };
  return `kernels:\n${Object.entries(fields).map(([key, value]) => `  ${key}: ${value}`).join('\n')}\n`;
}

function modelsYaml(overrides: Record<string, string> = {}): string {
  const fields: Record<string, string> = {
    presets: '[tiny]',
    paths: '[fused]',
    batch: '[1]',
    prompt: '8',
    tokens: '8',
    threads: '[1]',
    ...overrides,
  };
  return `models:\n${Object.entries(fields).map(([key, value]) => `  ${key}: ${value}`).join('\n')}\n`;
}

describe('loadMatrix accepts', () => {
  it('a YAML matrix and fills in the defaults', () => {
    const matrix = loadMatrix(fixture('small.yaml'));
    expect(matrix.name).toBe('small');
    expect(matrix.instanceTypes).toEqual(['local']);
    expect(matrix.seed).toBeUndefined();
    const kernels = matrix.kernels as Exclude<typeof matrix.kernels, unknown[] | undefined>;
    expect(kernels.isa).toEqual(['auto']);
    expect(kernels.threads).toEqual([1, 'all']);
    expect(kernels.exclude).toEqual([{ path: 'baseline', cache: 'cold' }]);
    const models = matrix.models as Exclude<typeof matrix.models, unknown[] | undefined>;
    expect(models.lmHead).toEqual(['bf16']);
    expect(models.kv).toEqual(['bf16', 'int8']);
  });

  it('the same matrix in JSON, to the same value', () => {
    expect(loadMatrix(fixture('small.json'))).toEqual(loadMatrix(fixture('small.yaml')));
  });

  it('.yml as YAML', () => {
    const path = join(scratch, 'm.yml');
    writeFileSync(path, kernelsYaml());
    expect(loadMatrix(path).kernels).toBeDefined();
  });

  it('a list of sections, each its own sweep', () => {
    const matrix = parseMatrixText(
      `kernels:\n  - { paths: [fused], shapes: [[8, 8]], batch: [1], threads: [1], cache: [hot] }\n` +
        `  - { paths: [baseline], shapes: [[8, 8]], batch: [2], threads: [all], cache: [cold], repetitions: { minSamples: 3 } }\n`,
      'sections.yaml',
      'yaml',
    );
    expect(Array.isArray(matrix.kernels)).toBe(true);
    expect(matrix.kernels).toHaveLength(2);
  });

  it('a models section alone, with prompt and tokens as single values or lists', () => {
    const matrix = parseMatrixText(modelsYaml({ prompt: '[8, 16]', tokens: '4' }), 'm.yaml', 'yaml');
    expect(matrix.kernels).toBeUndefined();
    expect(matrix.models).toMatchObject({ prompt: [8, 16], tokens: 4 });
  });
});

describe('loadMatrix rejects, naming the place in the file', () => {
  it('N not positive: kernels.shapes[1][0]: expected a positive integer', () => {
    const error = matrixError(() => parseMatrixText(kernelsYaml({ shapes: '[[4, 4], [0, 4]]' }), 'shapes.yaml', 'yaml'));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ path: 'kernels.shapes[1][0]', message: 'expected a positive integer' });
    expect(error.message).toContain('\n  kernels.shapes[1][0]: expected a positive integer');
    expect(error.message).toContain('shapes.yaml');
    expect(error.exitCode).toBe(2);
    expect(error.code).toBe('ERR_BITBENCH_MATRIX');
    expect(error.name).toBe('MatrixError');
  });

  it('K not positive, a fraction, a string, and a shape that is not a pair', () => {
    expect(problemsOf(kernelsYaml({ shapes: '[[4096, -1], [2.5, 4], [4, "k"], [4096], 7]' }))).toEqual([
      'kernels.shapes[0][1]: expected a positive integer',
      'kernels.shapes[1][0]: expected a positive integer, got 2.5',
      'kernels.shapes[2][1]: expected a positive integer, got "k"',
      'kernels.shapes[3]: expected [n, k], two positive integers',
      'kernels.shapes[4]: expected [n, k], two positive integers, got 7',
    ]);
  });

  it('sizes beyond what the native core takes, naming the limit (runner/protocol/limits.ts)', () => {
    expect(problemsOf(kernelsYaml({ shapes: '[[1048577, 64], [64, 1048576]]', batch: '[65537]', threads: '[4097, all]' }))).toEqual([
      'kernels.shapes[0][0]: expected a positive integer of at most 1048576',
      'kernels.batch[0]: expected a positive integer of at most 65536',
      'kernels.threads[0]: expected a positive integer of at most 4096',
    ]);
    expect(problemsOf(modelsYaml({ batch: '[4096, 4097]', prompt: '65537', tokens: '[8, 65537]', threads: '[4097]' }))).toEqual([
      'models.batch[1]: expected a positive integer of at most 4096',
      'models.prompt: expected a positive integer of at most 65536',
      'models.tokens[1]: expected a positive integer of at most 65536',
      'models.threads[0]: expected a positive integer of at most 4096',
    ]);
  });

  it('an unknown key at the top level, with the keys allowed there', () => {
    const problems = problemsOf(`colour: blue\n${kernelsYaml()}`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^: unknown key 'colour'; expected one of name, description, instanceTypes, seed, repetitions, prices, vcpus, kernels, models$/);
  });

  it('an unknown key in a section, suggesting the one meant', () => {
    expect(problemsOf(kernelsYaml({ thread: '[1]' }))).toEqual(["kernels: unknown key 'thread'; did you mean 'threads'?"]);
    expect(problemsOf(modelsYaml({ lm_head: '[int8]' }))).toEqual(["models: unknown key 'lm_head'; did you mean 'lmHead'?"]);
    expect(problemsOf(kernelsYaml({ exclude: '[{ paths: fused }]' }))).toContain("kernels.exclude[0]: unknown key 'paths'; did you mean 'path'?");
    expect(problemsOf(`repetitions: { samples: 3 }\n${kernelsYaml()}`)[0]).toMatch(/^repetitions: unknown key 'samples'/);
  });

  it('wrong types', () => {
    expect(problemsOf(kernelsYaml({ batch: '"1"' }))).toEqual(['kernels.batch: expected a list, got "1"']);
    expect(problemsOf(kernelsYaml({ batch: '["1"]' }))).toEqual(['kernels.batch[0]: expected a positive integer, got "1"']);
    expect(problemsOf(kernelsYaml({ cache: 'hot' }))).toEqual(['kernels.cache: expected a list, got "hot"']);
    expect(problemsOf(`name: 5\n${kernelsYaml()}`)).toEqual(['name: expected a string, got 5']);
    expect(problemsOf('kernels: [1]\n')).toEqual(['kernels[0]: expected a mapping, got 1']);
    expect(problemsOf('kernels: fused\n')).toEqual(['kernels: expected a section (a mapping) or a list of sections, got "fused"']);
    expect(problemsOf(`repetitions: { targetCv: 0 }\n${kernelsYaml()}`)).toEqual(['repetitions.targetCv: expected a coefficient of variation in (0, 1]']);
  });

  it('empty axes', () => {
    expect(problemsOf(kernelsYaml({ paths: '[]' }))).toEqual(['kernels.paths: must not be empty']);
    expect(problemsOf(`instanceTypes: []\n${kernelsYaml()}`)).toEqual(['instanceTypes: must not be empty']);
    expect(problemsOf(modelsYaml({ prompt: '[]' }))).toEqual(['models.prompt: must not be empty']);
    expect(problemsOf('kernels: []\n')).toEqual(['kernels: must not be empty']);
  });

  it('an unknown path, preset, ISA, cache mode or KV dtype', () => {
    expect(problemsOf(kernelsYaml({ paths: '[fused, fuse]' }))).toEqual([
      'kernels.paths[1]: expected one of baseline, cached-f32, cached-bf16, fused, fused-i8',
    ]);
    expect(problemsOf(modelsYaml({ presets: '[llama-70b]' }))).toEqual([
      'models.presets[0]: expected one of bitnet-b1.58-2b-4t, seed-2b, seed-7b, tiny, tiny-256',
    ]);
    expect(problemsOf(kernelsYaml({ isa: '[sse4]' }))).toEqual(['kernels.isa[0]: expected one of auto, amx-int8, avx512-vnni, avx512, avx-vnni, avx2, neon-dotprod, neon, scalar']);
    expect(problemsOf(kernelsYaml({ cache: '[warm]' }))).toEqual(['kernels.cache[0]: expected one of hot, cold']);
    expect(problemsOf(modelsYaml({ kv: '[fp8]' }))).toEqual(['models.kv[0]: expected one of bf16, int8, fp8-e4m3, fp8-e5m2']);
    expect(problemsOf(modelsYaml({ context: '[1024, 0]' }))).toEqual(['models.context[1]: expected an integer from 1 to 131072']);
  });

  it('threads that are neither a positive count nor all', () => {
    expect(problemsOf(kernelsYaml({ threads: '[0, many, all]' }))).toEqual([
      'kernels.threads[0]: expected a positive integer',
      "kernels.threads[1]: expected a positive integer of at most 4096 or 'all', got \"many\"",
    ]);
  });

  it('a missing axis, and a file with neither section', () => {
    expect(problemsOf('kernels: { paths: [fused], shapes: [[4, 4]], batch: [1], threads: [1] }\n')).toEqual(['kernels.cache: is required']);
    expect(problemsOf('name: nothing\n')).toEqual([': must have a kernels or a models section (or both)']);
    expect(problemsOf('')).toEqual([': is empty: a matrix needs a kernels or a models section']);
    expect(problemsOf('- 1\n')).toEqual([': expected a mapping, got a list']);
  });

  it('bad instance types and seeds', () => {
    expect(problemsOf(`instanceTypes: ["c7i 2xlarge"]\n${kernelsYaml()}`)[0]).toMatch(/^instanceTypes\[0\]: expected an instance type name/);
    expect(problemsOf(`seed: 1.5\n${kernelsYaml()}`)).toEqual(['seed: expected an integer from 0 to 4294967295, got 1.5']);
    expect(problemsOf(`seed: 4294967296\n${kernelsYaml()}`)).toEqual(['seed: expected an integer from 0 to 4294967295']);
  });

  it('bad exclude entries', () => {
    expect(problemsOf(kernelsYaml({ exclude: '[{}]' }))).toEqual([
      'kernels.exclude[0]: names no axis; an exclude entry needs at least one of path, shape, batch, threads, isa, cache, sparsity, sparsityPattern',
    ]);
    expect(problemsOf(kernelsYaml({ exclude: '[{ path: fuse }]' }))).toEqual([
      'kernels.exclude[0].path: expected a path or a list of them, got "fuse"',
    ]);
    expect(problemsOf(kernelsYaml({ exclude: '[{ path: [fused, fuse] }]' }))).toEqual([
      'kernels.exclude[0].path[1]: expected one of baseline, cached-f32, cached-bf16, fused, fused-i8',
    ]);
    expect(problemsOf(kernelsYaml({ exclude: '{ path: fused }' }))).toEqual(['kernels.exclude: expected a list of exclude entries, got a mapping']);
  });

  it('problems inside a list of sections, by index', () => {
    const text = [
      'kernels:',
      '  - { paths: [fused], shapes: [[4, 4]], batch: [1], threads: [1], cache: [hot] }',
      '  - { paths: [fused], shapes: [[0, 4]], batch: [1], threads: [1], cache: [hot] }',
      '',
    ].join('\n');
    const error = matrixError(() => parseMatrixText(text, 'sections.yaml', 'yaml'));
    expect(error.problems).toEqual([{ path: 'kernels[1].shapes[0][0]', message: 'expected a positive integer', line: 3, column: 33 }]);
  });

  it('every problem at once, in file order, each with its line', () => {
    const error = matrixError(() => loadMatrix(fixture('many-problems.yaml')));
    expect(error.problems.map((p) => p.path)).toEqual([
      '',
      'seed',
      'kernels.paths[1]',
      'kernels.shapes[1][0]',
      'kernels.batch',
      'kernels.threads[1]',
      'kernels.cache',
      'kernels.isa[1]',
      'models.presets[1]',
      'models',
    ]);
    expect(error.problems.map((p) => p.line)).toEqual([3, 4, 6, 7, 8, 9, 10, 11, 13, 19]);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe(`Invalid matrix ${fixture('many-problems.yaml')} (10 problems):`);
    expect(lines).toHaveLength(11);
    expect(lines).toContain('  kernels.shapes[1][0]: expected a positive integer (line 7, column 21)');
    expect(lines).toContain(
      "  models: unknown key 'kvCache'; expected one of presets, engines, paths, quants, batch, prompt, tokens, threads, isa, kv, context, lmHead, sparsity, attentionSparsity, exclude (line 19, column 3)",
    );
    expect(lines[1]).toBe("  line 3, column 1: unknown key 'colour'; expected one of name, description, instanceTypes, seed, repetitions, prices, vcpus, kernels, models");
  });

  it('whole-matrix problems: everything excluded, an exclude that matches nothing, a prompt the model cannot hold', () => {
    expect(problemsOf(kernelsYaml({ exclude: '[{ path: fused }]' }))).toEqual(['kernels: every combination is excluded: this section would run nothing']);
    expect(problemsOf(kernelsYaml({ exclude: '[{ batch: 64 }]' }))).toEqual(['kernels.exclude[0]: excludes nothing: no combination of the axes matches it']);
    expect(problemsOf(modelsYaml({ prompt: '500', tokens: '[8, 16]' }))).toEqual([
      "models.tokens: prompt 500 + tokens 16 exceeds tiny's 512 positions",
    ]);
    // Excluded combinations are not checked against the model.
    expect(() => parseMatrixText(modelsYaml({ prompt: '500', tokens: '[8, 16]', exclude: '[{ tokens: 16 }]' }), 'm.yaml', 'yaml')).not.toThrow();
  });

  it('repetitions that contradict themselves, where they are set', () => {
    expect(problemsOf(`repetitions: { minSamples: 50, maxSamples: 10 }\n${kernelsYaml()}`)).toEqual([
      'repetitions.minSamples: minSamples (50) must not exceed maxSamples (10)',
    ]);
    expect(problemsOf(`repetitions: { maxSamples: 5 }\n${kernelsYaml()}`)).toEqual([
      'repetitions.maxSamples: minSamples (10) must not exceed maxSamples (5)',
    ]);
    expect(problemsOf(kernelsYaml({ repetitions: '{ minSamples: 2000 }' }))).toEqual([
      'kernels.repetitions.minSamples: minSamples (2000) must not exceed maxSamples (1000)',
    ]);
  });

  it('a matrix that would expand to an absurd number of jobs', () => {
    const batches = `[${Array.from({ length: 400 }, (_, i) => i + 1).join(', ')}]`;
    const threads = `[${Array.from({ length: 300 }, (_, i) => i + 1).join(', ')}]`;
    const [problem] = problemsOf(kernelsYaml({ batch: batches, threads }));
    expect(problem).toBe(`: expands to 120000 jobs before excludes; at most ${MAX_MATRIX_JOBS} are allowed`);
  });
});

describe('loadMatrix reports unreadable input, naming the file', () => {
  it('bad YAML, with the line', () => {
    const path = fixture('bad-syntax.yaml');
    const error = matrixError(() => loadMatrix(path));
    expect(error.message.split('\n')[0]).toMatch(new RegExp(`^Invalid YAML in matrix ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+ problems?\\):$`));
    expect(error.problems.length).toBeGreaterThan(0);
    expect(error.problems[0]!.line).toBe(3);
    expect(error.message).toMatch(/line 3, column \d+: /);
    expect(error.exitCode).toBe(2);
  });

  it('YAML with a duplicate key', () => {
    const error = matrixError(() => parseMatrixText(`${kernelsYaml()}${kernelsYaml()}`, 'dup.yaml', 'yaml'));
    expect(error.message).toMatch(/^Invalid YAML in matrix dup\.yaml/);
    expect(error.problems[0]!.message).toMatch(/unique/i);
    expect(error.problems[0]!.line).toBe(7);
  });

  it('bad JSON, with the line', () => {
    const path = fixture('bad-syntax.json');
    const error = matrixError(() => loadMatrix(path));
    expect(error.message.split('\n')[0]).toBe(`Invalid JSON in matrix ${path} (1 problem):`);
    expect(error.problems[0]!.line).toBe(4);
  });

  it('a JSON matrix with a bad value, with the line', () => {
    const path = join(scratch, 'bad-value.json');
    writeFileSync(path, JSON.stringify({ kernels: { paths: ['fused'], shapes: [[4, 4], [0, 4]], batch: [1], threads: ['all'], cache: ['hot'] } }, null, 2));
    const error = matrixError(() => loadMatrix(path));
    expect(error.problems).toEqual([{ path: 'kernels.shapes[1][0]', message: 'expected a positive integer', line: 12, column: 9 }]);
  });

  it('a missing file', () => {
    const path = join(scratch, 'missing.yaml');
    const error = matrixError(() => loadMatrix(path));
    expect(error.message).toBe(`Cannot read matrix ${path} (1 problem):\n  (top level): no such file`);
    expect(error.source).toBe(path);
  });

  it('a directory, and a name that is neither YAML nor JSON', () => {
    const directory = join(scratch, 'dir.yaml');
    mkdirSync(directory);
    expect(matrixError(() => loadMatrix(directory)).message).toBe(`Cannot read matrix ${directory} (1 problem):\n  (top level): is a directory, not a file`);
    const toml = matrixError(() => loadMatrix(join(scratch, 'matrix.toml')));
    expect(toml.problems).toEqual([{ path: '', message: "expected a .yaml, .yml or .json file, not '.toml'" }]);
  });
});

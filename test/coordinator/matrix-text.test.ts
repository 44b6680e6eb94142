// A matrix's free text (name, description) is bounded and printable when the matrix loads: a
// bad one is exit 2 naming the field, before anything is written (no store, not even a folder).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../coordinator/cli/main.js';
import { MatrixError, parseMatrixText } from '../../coordinator/matrix/load-matrix.js';
import { MATRIX_DESCRIPTION_MAX, MATRIX_NAME_MAX, runMatrixName } from '../../coordinator/matrix/matrix-text.js';
import { RAW_CONTROL } from '../helpers/hostile-text.js';

const scratch = mkdtempSync(join(tmpdir(), 'bitbench-matrix-text-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const KERNELS = { paths: ['fused'], shapes: [[64, 64]], batch: [1], threads: [1], cache: ['hot'] };

function problems(fields: Record<string, unknown>): string[] {
  try {
    parseMatrixText(JSON.stringify({ ...fields, kernels: KERNELS }), 'inline.json', 'json');
  } catch (error) {
    expect(error).toBeInstanceOf(MatrixError);
    return (error as MatrixError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  return [];
}

describe('matrix text fields', () => {
  it('accept ordinary names and multi-line descriptions', () => {
    expect(problems({ name: 'BitNet 2B-4T — fleet (c7i, c7g) #3', description: 'Every path.\n\tTwo lines.' })).toEqual([]);
    expect(problems({ name: 'x'.repeat(MATRIX_NAME_MAX), description: 'y'.repeat(MATRIX_DESCRIPTION_MAX) })).toEqual([]);
  });

  it.each([
    ['\x1b]0;pwned\x07', 'name: must be one line of printable text (found U+001B)'],
    ['a\u0000b', 'name: must be one line of printable text (found U+0000)'],
    ['gnp.\u202eexe', 'name: must be one line of printable text (found U+202E)'],
    ['zero\u200bwidth', 'name: must be one line of printable text (found U+200B)'],
    ['two\nlines', 'name: must be one line of printable text (found U+000A)'],
    [' padded', 'name: must not start or end with a space'],
    ['x'.repeat(MATRIX_NAME_MAX + 1), `name: must have at most ${MATRIX_NAME_MAX} characters`],
    ['', 'name: must not be empty'],
  ])('refuse the name %j', (name, problem) => {
    expect(problems({ name })).toEqual([problem]);
  });

  it('refuse a description with a control character or too long, naming the field', () => {
    expect(problems({ description: 'ok\n\x1b[2J' })).toEqual(['description: must be printable text, lines and tabs allowed (found U+001B)']);
    expect(problems({ description: 'z'.repeat(MATRIX_DESCRIPTION_MAX + 1) })).toEqual([`description: must have at most ${MATRIX_DESCRIPTION_MAX} characters`]);
  });

  it('name a run after its file when the matrix has no name, made to fit the store', () => {
    expect(runMatrixName({ name: 'quick' }, '/m/x.yaml')).toBe('quick');
    expect(runMatrixName({}, 'matrices/quick.yaml')).toBe('matrices/quick.yaml');
    const odd = runMatrixName({}, `/tmp/${'d/'.repeat(200)}\x1b[2Jm.yaml`);
    expect(odd).not.toMatch(RAW_CONTROL);
    expect(odd.length).toBeLessThanOrEqual(200);
    expect(odd.endsWith('\\u001b[2Jm.yaml')).toBe(true);
  });
});

describe('bitbench local with a matrix whose name is hostile', () => {
  it('exits 2 naming the field, and writes nothing: no store, no folder', async () => {
    const matrix = join(scratch, 'hostile.yaml');
    writeFileSync(matrix, `name: "evil\\e]0;pwned\\a"\nkernels:\n  paths: [fused]\n  shapes: [[64, 64]]\n  batch: [1]\n  threads: [1]\n  cache: [hot]\n`);
    const folder = join(scratch, 'results');
    let stderr = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    });
    let code: number;
    try {
      code = await main(['local', matrix, '--db', join(folder, 'bitbench.sqlite'), '--no-imds']);
    } finally {
      spy.mockRestore();
    }
    expect(code).toBe(2);
    expect(stderr).toMatch(/name: must be one line of printable text \(found U\+001B\)/);
    expect(stderr).not.toMatch(RAW_CONTROL);
    expect(existsSync(folder)).toBe(false);
  });
});

// Activation sparsity as a user asks for it: `bitbench model --sparsity MODE --sparsity-level X`
// and `bitbench kernel --sparsity R`; bad values exit 2 with one line naming the flag, good ones
// print the figures against dense.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../../bin/bitbench.js', import.meta.url));

function bitbench(args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, BITBENCH_ISA: '' }, timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('activation sparsity flags', () => {
  it.each([
    [['model', '--sparsity', 'bogus'], /^bitbench: --sparsity: expected one of none, threshold, top-k, adaptive, top-k-blocks but received 'bogus'\n$/],
    [['model', '--sparsity', 'top-k', '--sparsity-level', '1.5'], /^bitbench: --sparsity-level: expected a ratio in \(0, 1\] but received '1.5'\n$/],
    [['model', '--sparsity', 'adaptive', '--sparsity-level', '0'], /^bitbench: --sparsity-level: expected a ratio in \(0, 1\]/],
    [['model', '--sparsity', 'threshold', '--sparsity-level', '-0.1'], /^bitbench: --sparsity-level: expected a number above 0/],
    [['model', '--sparsity', 'top-k'], /^bitbench: --sparsity-level: required with --sparsity top-k\n$/],
    [['model', '--sparsity', 'top-k-blocks', '--sparsity-level', '2'], /^bitbench: --sparsity-level: expected a ratio in \(0, 1\]/],
    [['model', '--sparsity-level', '0.5'], /^bitbench: --sparsity-level: needs --sparsity/],
    [['kernel', '--sparsity', '0'], /^bitbench: --sparsity: expected a ratio in \(0, 1\] but received '0'\n$/],
    [['kernel', '--sparsity', '1.01'], /^bitbench: --sparsity: expected a ratio in \(0, 1\]/],
    [['kernel', '--sparsity', 'half'], /^bitbench: --sparsity: expected a ratio in \(0, 1\]/],
    [['kernel', '--sparsity', '0.5', '--sparsity-pattern', 'diagonal'], /^bitbench: --sparsity-pattern: expected one of blocks, scattered but received 'diagonal'\n$/],
    [['kernel', '--sparsity-pattern', 'scattered'], /^bitbench: --sparsity-pattern: needs --sparsity/],
  ])('%j exits 2 naming the flag', (args, message) => {
    const run = bitbench(args);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('kernel --sparsity 0.5 on fused-i8 times the sparse kernel against dense', () => {
    const run = bitbench(['kernel', '--path', 'fused-i8', '--n', '512', '--k', '2048', '--threads', '1', '--sparsity', '0.5',
      '--trials', '1', '--min-samples', '5', '--max-samples', '5', '--min-time-ms', '0', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const s = JSON.parse(run.stdout).sparsity;
    expect(s).toMatchObject({ requested: 0.5, zeroFraction: 0.5, zeroBlockFraction: 0.5, sparseCallFraction: 1 });
    expect(s.denseMedianNs).toBeGreaterThan(0);
    expect(s.speedup).toBeGreaterThan(0);
  });

  // The zeroed blocks are the kernel's own: with a fixed 256 columns, AVX-512's 36-column panels
  // and AVX2's 60-column ones came out 45% all zero at 50% zeroed, the rest read in full.
  it('kernel --sparsity 0.5 on fused zeroes whole blocks of its sparse kernel', () => {
    // 4096 rows: AVX-512's sparse kernel needs them (sparseFusedMinRows).
    const run = bitbench(['kernel', '--path', 'fused', '--n', '4096', '--k', '2048', '--threads', '1', '--sparsity', '0.5',
      '--trials', '1', '--min-samples', '3', '--max-samples', '3', '--min-time-ms', '0', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const s = JSON.parse(run.stdout).sparsity;
    // Half of the blocks (at most 72 columns each: AVX-512's panels), rounded, the last one partial.
    const block = 72 / 2048;
    expect(Math.abs(s.zeroFraction - 0.5)).toBeLessThan(2 * block);
    expect(Math.abs(s.zeroBlockFraction - s.zeroFraction)).toBeLessThan(block);
    expect(s.sparseCallFraction).toBe(1);
  });

  // Zeros one by one leave no 256-column block empty: only fused-i8's column stripes (x86 but
  // scalar, NEON dotprod; the kernel's name says so) skip them; every other kernel runs dense.
  it('kernel --sparsity 0.6 --sparsity-pattern scattered: the column stripes where the ISA has them, else dense', () => {
    const run = bitbench(['kernel', '--path', 'fused-i8', '--n', '1100', '--k', '1000', '--threads', '2', '--sparsity', '0.6',
      '--sparsity-pattern', 'scattered', '--trials', '1', '--min-samples', '5', '--max-samples', '5', '--min-time-ms', '0', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout);
    const stripes = r.kernel.includes('column stripes');
    expect(r.sparsity).toMatchObject({ requested: 0.6, pattern: 'scattered', zeroFraction: 0.6, zeroBlockFraction: 0, sparseCallFraction: stripes ? 1 : 0 });
    // Quantizing may zero a few more values than were zeroed (those below half a step).
    expect(r.sparsity.skippedFraction).toBeGreaterThanOrEqual(stripes ? 0.6 : 0);
    expect(r.sparsity.skippedFraction).toBeLessThan(stripes ? 0.62 : 1e-12);
  });

  it('kernel --sparsity 0.5 in text: the bytes the sparse kernel reads, half the weights', () => {
    const run = bitbench(['kernel', '--path', 'fused-i8', '--n', '512', '--k', '2048', '--threads', '1', '--sparsity', '0.5',
      '--trials', '1', '--min-samples', '5', '--max-samples', '5', '--min-time-ms', '0']);
    expect(run.status, run.stderr).toBe(0);
    const weights = Number(/GB\/s of weights \(([\d.]+) MB per call\)/.exec(run.stdout)?.[1]);
    const read = /\n {2}read {5}([\d.]+) MB of the ([\d.]+) MB per call, [\d.]+ GB\/s\n/.exec(run.stdout);
    expect(read, run.stdout).not.toBeNull();
    expect(Number(read![2])).toBe(weights);
    expect(Number(read![1])).toBeCloseTo(weights / 2, 2);
  });

  // fused on AVX-512 has its sparse kernel from 4096 rows only (the column-panel copy): the
  // tiny models' fused runs take the scalar ISA, which has one at every size.
  it.each([['fused-i8', []], ['fused', ['--isa', 'scalar']]] as const)('model on %s: every input zeroed runs the sparse kernel on every call', (path, isa) => {
    const run = bitbench(['model', '--preset', 'tiny', '--path', path, ...isa, '--prompt', '3', '--tokens', '4', '--threads', '2',
      '--sparsity', 'threshold', '--sparsity-level', '1e30', '--trials', '1', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const s = JSON.parse(run.stdout).sparsity;
    expect(s).toMatchObject({ mode: 'threshold', zeroFraction: 1, zeroBlockFraction: 1, sparseCallFraction: 1 });
    expect(s.denseDecodeTokS).toBeGreaterThan(0);
  });

  it('model top-k keeping everything: logits the dense ones exactly (cosine 1), and the figures in text', () => {
    const run = bitbench(['model', '--preset', 'tiny', '--path', 'fused-i8', '--prompt', '3', '--tokens', '4', '--threads', '1',
      '--sparsity', 'top-k', '--sparsity-level', '1', '--trials', '1']);
    expect(run.status, run.stderr).toBe(0);
    // Zero only where the inputs already are (the squared ReLU's zeros in the down projection's).
    expect(run.stdout).toMatch(/sparsity {3}top-k 1: [\d.]+% of ternary-layer inputs zero \(/);
    expect(run.stdout).toMatch(/logits cosine vs dense min 1\.0000, mean 1\.0000/);
  });

  // A model whose down projection has 1024 rows (the column stripes' least): the squared ReLU's
  // zeros one by one run the stripe kernel where the ISA has one (its name says so), and the
  // logits stay the dense ones exactly, two threads splitting the columns.
  it('model top-k keeping everything on a 1024-wide model: the down projection on the column stripes, logits exact', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bitbench-stripes-'));
    try {
      const config = join(dir, 'config.json');
      writeFileSync(config, JSON.stringify({ hidden_size: 1024, intermediate_size: 2048, num_hidden_layers: 1, num_attention_heads: 8, num_key_value_heads: 2, vocab_size: 256 }));
      const run = bitbench(['model', '--config', config, '--path', 'fused-i8', '--prompt', '3', '--tokens', '4', '--threads', '2',
        '--sparsity', 'top-k', '--sparsity-level', '1', '--trials', '1', '--json']);
      expect(run.status, run.stderr).toBe(0);
      const r = JSON.parse(run.stdout);
      const stripes = r.kernel.includes('column stripes');
      // Seven projections per layer, the down projection's input the only one mostly zero.
      expect(r.sparsity.sparseCallFraction).toBeCloseTo(stripes ? 1 / 7 : 0, 6);
      expect(r.sparsity.zeroFraction).toBeGreaterThan(0.45 / 7);
      expect(r.sparsity.logitsCosineMin).toBeGreaterThan(1 - 1e-12);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('model top-k-blocks keeping half zeroes whole column blocks: half of every input\'s blocks', () => {
    // fused's sparse blocks are 64 columns on scalar: tiny-256's inputs have 4 and 8 of them.
    const run = bitbench(['model', '--preset', 'tiny-256', '--path', 'fused', '--isa', 'scalar', '--prompt', '3', '--tokens', '4', '--threads', '2',
      '--sparsity', 'top-k-blocks', '--sparsity-level', '0.5', '--trials', '1', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const s = JSON.parse(run.stdout).sparsity;
    expect(s.mode).toBe('top-k-blocks');
    expect(s.zeroBlockFraction).toBeGreaterThanOrEqual(0.5);
    // Whole blocks only, beyond the squared ReLU's own zeros: about as many entries as blocks.
    expect(s.zeroFraction).toBeGreaterThanOrEqual(0.5);
    expect(s.zeroFraction).toBeLessThan(0.75);
    expect(s.logitsCosineMin).toBeLessThan(1);
  });

  it('model top-k keeping 70% zeroes at least 30% of each input', () => {
    const run = bitbench(['model', '--preset', 'tiny', '--path', 'fused', '--prompt', '3', '--tokens', '4', '--threads', '1',
      '--sparsity', 'top-k', '--sparsity-level', '0.7', '--trials', '1', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const s = JSON.parse(run.stdout).sparsity;
    expect(s.zeroFraction).toBeGreaterThanOrEqual(0.3 - 1e-9);
    expect(s.logitsCosineMin).toBeGreaterThan(0);
    expect(s.logitsCosineMin).toBeLessThanOrEqual(s.logitsCosineMean);
  });
});

// The `bitbench kernel` and `bitbench isa` commands as a user runs them: a child process of
// the compiled CLI (npm test compiles it first).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { implementations } from '../../native/index.js';

const cli = fileURLToPath(new URL('../../bin/bitbench.js', import.meta.url));

function bitbench(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, BITBENCH_ISA: '', ...env },
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const quick = ['--min-time-ms', '0', '--min-samples', '3', '--max-samples', '3', '--warmup', '1'];

describe('bitbench kernel', () => {
  it('prints one JSON object with the figures and every sample', () => {
    const run = bitbench(['kernel', '--path', 'cached-f32', '--n', '64', '--k', '100', '--batch', '3', '--threads', '2', '--json', ...quick]);
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ path: 'cached-f32', n: 64, k: 100, batch: 3, threads: 2, cache: 'hot' });
    // Three trials (the default) of three samples each, every one kept, trial after trial.
    expect(result.samples).toHaveLength(9);
    expect(result.trials.map((t: { trial: number; samples: number[] }) => [t.trial, t.samples.length])).toEqual([[0, 3], [1, 3], [2, 3]]);
    expect(result.intervalSource).toBe('trials');
    expect(result.ci95Ns[0]).toBeLessThanOrEqual(result.medianNs);
    expect(result.ci95Ns[1]).toBeGreaterThanOrEqual(result.medianNs);
    expect(typeof result.betweenTrialCv).toBe('number');
    for (const key of ['medianNs', 'gops', 'weightGBs', 'prepareMs']) expect(result[key]).toBeGreaterThan(0);
    expect(typeof result.blas).toBe('string');
    expect(implementations().find((i) => i.active)?.name).toBe(result.isa);
  });

  it('rotates through copies larger than the cache in cold mode', () => {
    const run = bitbench(['kernel', '--path', 'fused', '--n', '256', '--k', '256', '--cache', 'cold', '--json', ...quick]);
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.cache).toBe('cold');
    expect(result.blas).toBeNull();
    expect(result.copies).toBeGreaterThan(2);
    expect(result.footprintBytes).toBeGreaterThan(64 * 2 ** 20);
  });

  it('prints text with the median, its confidence interval, GOPS and GB/s', () => {
    const run = bitbench(['kernel', '--n', '128', '--k', '128', '--threads', '1', ...quick]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/median .* ms \s*\(95% CI/);
    expect(run.stdout).toMatch(/GOPS, .* GB\/s of weights/);
  });

  it('honours BITBENCH_ISA and --isa', () => {
    const supported = implementations().filter((i) => i.supported).map((i) => i.name);
    const other = supported[supported.length - 1]!;
    const env = bitbench(['kernel', '--n', '32', '--k', '32', '--json', ...quick], { BITBENCH_ISA: other });
    expect(env.status, env.stderr).toBe(0);
    expect(JSON.parse(env.stdout).isa).toBe(other);
    const flag = bitbench(['kernel', '--n', '32', '--k', '32', '--json', '--isa', 'scalar', ...quick]);
    expect(JSON.parse(flag.stdout).isa).toBe('scalar');
  });

  it.each([
    [['--n', '-3'], /--n: expected a positive integer of at most 1048576 but received '-3'/],
    [['--k', '1.5'], /--k: expected a positive integer/],
    [['--batch', '0'], /--batch: expected a positive integer/],
    [['--threads', '0'], /--threads: expected a positive integer/],
    // The native core's limits (runner/protocol/limits.ts), refused by flag before any trial.
    [['--k', '1048577'], /--k: expected a positive integer of at most 1048576 but received '1048577'/],
    [['--n', '99999999999'], /--n: expected a positive integer of at most 1048576/],
    [['--batch', '65537'], /--batch: expected a positive integer of at most 65536/],
    [['--threads', '4097'], /--threads: expected a positive integer of at most 4096/],
    [['--path', 'fast'], /--path: expected one of baseline, cached-f32, cached-bf16, fused, fused-i8 but received 'fast'/],
    [['--isa', 'sse9'], /--isa: expected one of amx-int8, avx512-vnni, avx512, avx-vnni, avx2, neon-dotprod, neon, scalar/],
    [['--cache', 'warm'], /--cache: expected one of hot, cold/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('rejects %j with exit 2 and one line naming the flag', (args, message) => {
    const run = bitbench(['kernel', ...args]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });

  it('fails with exit 1 naming the ISA and what is missing when the CPU or build lacks it', () => {
    const lacking = implementations().find((i) => !i.supported)!;
    const run = bitbench(['kernel', '--isa', lacking.name, '--n', '16', '--k', '16', ...quick]);
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(`ISA ${lacking.name} is not`);
  });

  it('--help documents every option', () => {
    const run = bitbench(['kernel', '--help']);
    expect(run.status).toBe(0);
    for (const flag of ['--path', '--n', '--k', '--batch', '--threads', '--isa', '--cache', '--json', '--no-blas']) {
      expect(run.stdout).toContain(flag);
    }
  });
});

describe('bitbench isa', () => {
  it('lists every implementation with support and the active one', () => {
    const run = bitbench(['isa', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.implementations.map((i: { name: string }) => i.name)).toEqual([
      'amx-int8', 'avx512-vnni', 'avx512', 'avx-vnni', 'avx2', 'neon-dotprod', 'neon', 'scalar',
    ]);
    expect(out.implementations.filter((i: { active: boolean }) => i.active)).toHaveLength(1);
    expect(out.implementations.find((i: { name: string }) => i.name === 'scalar').supported).toBe(true);
  });

  it('says what an unknown command is', () => {
    const run = bitbench(['frobnicate']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});

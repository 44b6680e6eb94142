// The benchmarks' rounds come from the environment (bench/rounds.ts): a bad value stops each
// before any timing, naming the variable and what it expected.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = (name: string) => fileURLToPath(new URL(`../../dist/bench/${name}.js`, import.meta.url));

describe.each(['sparsity', 'kernels'])('bench:%s rounds', (name) => {
  it.each(['0', '1.5', 'three', '-2', ''])('BITBENCH_ROUNDS=%j exits 2 naming it', (rounds) => {
    const run = spawnSync(process.execPath, [script(name)], { encoding: 'utf8', env: { ...process.env, BITBENCH_ROUNDS: rounds } });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`bench:${name}: BITBENCH_ROUNDS: expected a whole number of at least 1 but received '${rounds}'\n`);
    expect(run.stdout).toBe('');
  });
});

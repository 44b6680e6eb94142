// bench:sparsity's rounds come from the environment: a bad value stops it before any timing,
// naming the variable and what it expected.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../dist/bench/sparsity.js', import.meta.url));

describe('bench:sparsity rounds', () => {
  it.each(['0', '1.5', 'three', '-2'])('BITBENCH_ROUNDS=%s exits 2 naming it', (rounds) => {
    const run = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, BITBENCH_ROUNDS: rounds } });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`bench:sparsity: BITBENCH_ROUNDS: expected a whole number of at least 1 but received '${rounds}'\n`);
    expect(run.stdout).toBe('');
  });
});

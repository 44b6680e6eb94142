// `npm install` must fail with a message that says what to install when the toolchain is
// missing, before cmake-js prints anything confusing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { missingBuildTools } from '../../scripts/build-tools.mjs';

const buildScript = fileURLToPath(new URL('../../scripts/build-native.mjs', import.meta.url));

describe('native build prerequisites', () => {
  it('names cmake and the compiler when PATH has neither', () => {
    const names = (missingBuildTools('/nonexistent') as { name: string }[]).map((t) => t.name);
    expect(names).toEqual(['cmake', 'a C++ compiler', 'make']);
  });

  it('finds nothing missing on this machine', () => {
    expect(missingBuildTools(process.env.PATH ?? '')).toEqual([]);
  });

  it('exits 1 with install instructions when cmake is missing', () => {
    // A PATH with a compiler and make but no cmake.
    const dir = mkdtempSync(join(tmpdir(), 'bitbench-path-'));
    for (const tool of ['g++', 'c++', 'make']) {
      const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      if (found) symlinkSync(found, join(dir, tool));
    }
    const run = spawnSync(process.execPath, [buildScript], { encoding: 'utf8', env: { PATH: dir } });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('cmake not found on PATH');
    expect(run.stderr).toContain('apt-get install cmake');
  });
});

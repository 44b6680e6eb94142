// The runner image cannot be built here (no Docker engine), so its recipe is checked by reading it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dockerfile = readFileSync(new URL('../../runner/Dockerfile', import.meta.url), 'utf8');
const dockerignore = readFileSync(new URL('../../.dockerignore', import.meta.url), 'utf8');

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions with continuation lines joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const logical = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return logical
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

function stages(text: string): Instruction[][] {
  const result: Instruction[][] = [];
  for (const instruction of instructions(text)) {
    if (instruction.keyword === 'FROM') result.push([]);
    result.at(-1)?.push(instruction);
  }
  return result;
}

const all = stages(dockerfile);
const build = all[0]!;
const final = all.at(-1)!;
const COMPILERS = /\b(g\+\+|gcc|clang|cmake|make|build-essential|[a-z0-9.+-]+-dev)\b/;

describe('runner/Dockerfile', () => {
  it('builds in a node:20-bookworm stage and ships a node:20-bookworm-slim one', () => {
    expect(all).toHaveLength(2);
    expect(build[0]!.args).toBe('node:20-bookworm AS build');
    expect(final[0]!.args).toMatch(/^node:20-bookworm-slim\b/);
  });

  it('compiles with cmake, g++ and OpenBLAS, then npm ci and prunes the dev dependencies', () => {
    const runs = build.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n');
    for (const tool of ['cmake', 'g++', 'make', 'libopenblas-dev']) expect(runs).toContain(tool);
    expect(runs).toMatch(/npm ci\b/);
    expect(runs).toMatch(/npm prune --omit=dev/);
  });

  it('has no compiler or -dev package in the final stage, only the OpenBLAS runtime', () => {
    const runs = final.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n');
    expect(runs).toContain('libopenblas0');
    expect(runs).not.toMatch(COMPILERS);
    const copies = final.filter((i) => i.keyword === 'COPY');
    expect(copies.every((copy) => copy.args.includes('--from=build'))).toBe(true);
    expect(copies.some((copy) => copy.args.includes('build/Release/bitbench_native.node'))).toBe(true);
  });

  it('records the commit it was built from for the fingerprint', () => {
    expect(final.some((i) => i.keyword === 'ARG' && i.args.startsWith('BITBENCH_GIT_SHA'))).toBe(true);
    expect(final.some((i) => i.keyword === 'ENV' && /BITBENCH_GIT_SHA=\$\{BITBENCH_GIT_SHA\}/.test(i.args))).toBe(true);
  });

  it('runs as a user that is not root', () => {
    const users = final.filter((i) => i.keyword === 'USER').map((i) => i.args.split(':')[0]);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)$/);
  });

  it('enters `bitbench worker` and checks its health by loading the addon', () => {
    const entrypoint = final.filter((i) => i.keyword === 'ENTRYPOINT').at(-1)!;
    expect(JSON.parse(entrypoint.args)).toEqual(['node', '/app/bin/bitbench.js', 'worker']);
    const healthcheck = final.find((i) => i.keyword === 'HEALTHCHECK')!;
    expect(healthcheck.args).toMatch(/CMD \[.*bitbench_native\.node/);
    expect(healthcheck.args).toMatch(/--interval=\d+m/);
  });
});

describe('.dockerignore', () => {
  const patterns = dockerignore.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));

  it.each(['node_modules', 'build', 'dist', '.git', 'bitbench-results', '*.sqlite', '*.db'])('excludes %s', (pattern) => {
    expect(patterns).toContain(pattern);
  });

  it('keeps what the build needs', () => {
    for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'native', 'runner', 'bench', 'coordinator', 'reports', 'bin', 'scripts', 'CMakeLists.txt']) {
      expect(patterns.some((pattern) => pattern === needed || pattern === `${needed}/`)).toBe(false);
    }
  });
});

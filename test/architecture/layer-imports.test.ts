// The dependency rules of DESIGN.md, read from the sources' import statements: only native/
// touches the raw addon, library code never reaches into the CLI, the runner never imports the
// coordinator, and the CLI's entry point loads commands on demand (so `--help` stays cheap).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const LIBRARY_FOLDERS = ['native', 'runner', 'coordinator', 'reports', 'infra', 'bench'];

function sourceFiles(folder: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Static imports and re-exports (type-only ones too) and dynamic import() calls, as repo paths. */
function importsOf(file: string): { target: string; dynamic: boolean }[] {
  const text = readFileSync(file, 'utf8');
  const found: { target: string; dynamic: boolean }[] = [];
  for (const match of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gms)) found.push({ target: match[1]!, dynamic: false });
  for (const match of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) found.push({ target: match[1]!, dynamic: true });
  return found
    .filter(({ target }) => target.startsWith('.'))
    .map(({ target, dynamic }) => ({ target: relative(repo, resolve(dirname(file), target)).replace(/\.js$/, '.ts'), dynamic }));
}

const files = LIBRARY_FOLDERS.flatMap((folder) => sourceFiles(join(repo, folder))).map((file) => ({
  path: relative(repo, file),
  imports: importsOf(file),
}));

describe('layer edges', () => {
  it('reads the sources (the scan finds the files it is about)', () => {
    expect(files.map((f) => f.path)).toContain('native/addon.ts');
    expect(files.find((f) => f.path === 'coordinator/cli/main.ts')!.imports.length).toBeGreaterThan(0);
  });

  it('only native/ imports the raw addon', () => {
    const offenders = files.filter((f) => !f.path.startsWith('native/') && f.imports.some((i) => i.target === 'native/addon.ts'));
    expect(offenders.map((f) => f.path)).toEqual([]);
  });

  it('nothing outside coordinator/cli/ imports the CLI', () => {
    const offenders = files.filter((f) => !f.path.startsWith('coordinator/cli/') && f.imports.some((i) => i.target.startsWith('coordinator/cli/')));
    expect(offenders.map((f) => f.path)).toEqual([]);
  });

  it('the runner and native/ never import the coordinator', () => {
    const offenders = files.filter((f) => /^(runner|native)\//.test(f.path) && f.imports.some((i) => i.target.startsWith('coordinator/')));
    expect(offenders.map((f) => f.path)).toEqual([]);
  });

  it("the CLI's entry point imports no command statically", () => {
    const main = files.find((f) => f.path === 'coordinator/cli/main.ts')!;
    const statics = main.imports.filter((i) => !i.dynamic && /-command\.ts$/.test(i.target));
    expect(statics).toEqual([]);
    expect(main.imports.filter((i) => i.dynamic).length).toBeGreaterThanOrEqual(14);
  });
});

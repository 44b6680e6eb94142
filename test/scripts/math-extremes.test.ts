// No unbounded array spread into Math.max/Math.min in the code: past about 100k values (a run's
// samples, a store's rows) V8 throws "Maximum call stack size exceeded". reports/number-extremes
// (maxOf, minOf) or a reduce does the same with a loop.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SOURCE_FOLDERS = ['coordinator', 'runner', 'reports', 'native', 'bench', 'infra', 'scripts', 'bin'];
const SKIP = new Set(['node_modules', 'dist', 'build', 'src']);

function sourceFiles(folder: string): string[] {
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return SKIP.has(entry.name) ? [] : sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

// `Math.max(` followed, before its closing parenthesis, by a spread (nested calls allowed), or `.apply`.
const SPREAD_INTO_EXTREME = /Math\.(max|min)\s*(\.apply\s*\(|\((?:[^()]|\([^()]*\))*?\.\.\.)/g;

describe('code rules', () => {
  it('spreads no array into Math.max or Math.min', () => {
    const found: string[] = [];
    for (const file of SOURCE_FOLDERS.flatMap((folder) => sourceFiles(join(ROOT, folder)))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(SPREAD_INTO_EXTREME)) {
        const line = text.slice(0, match.index).split('\n').length;
        // The module's own comment quotes the pattern it replaces.
        if (!relative(ROOT, file).endsWith('number-extremes.ts')) found.push(`${relative(ROOT, file)}:${line}: ${match[0].slice(0, 60)}`);
      }
    }
    expect(found).toEqual([]);
  });
});

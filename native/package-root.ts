// The folder holding bitbench's package.json, whether code runs from sources (tests) or from
// dist/ (the CLI): where the addon, the matrices and the version live.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('bitbench: cannot find the package root above ' + from);
    dir = parent;
  }
  return dir;
}

// `npm install` step: builds the native addon with cmake-js (Release, offline: Node-API
// headers come from the node-api-headers package). Fails early, saying what to install, when
// the toolchain is missing.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { missingBuildTools } from './build-tools.mjs';

const missing = missingBuildTools(process.env.PATH ?? '');
if (missing.length > 0) {
  console.error(`bitbench: cannot build the native addon: ${missing.map((t) => t.name).join(', ')} not found on PATH.`);
  for (const tool of missing) console.error(`  - ${tool.name}: ${tool.install}`);
  process.exit(1);
}

const require = createRequire(import.meta.url);
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const args = [cmakeJs, 'compile', '--out', 'build', '--config', 'Release', '--log-level', 'warn'];
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
if (result.status !== 0) {
  console.error('bitbench: the native build failed (see the compiler output above).');
  process.exit(result.status ?? 1);
}

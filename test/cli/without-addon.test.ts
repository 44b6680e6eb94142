// The commands that only read results must work on a machine where the native addon was never
// built (a laptop reading a fleet's results, a CI job writing reports): the addon loads on first
// use, and only the commands that run kernels use it. The CLI runs here from a copy of the
// package without build/, as such an install has it.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResultStore } from '../../coordinator/store/result-store.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
let root: string;
let db: string;

function bitbench(args: string[]) {
  return spawnSync(process.execPath, [join(root, 'bin', 'bitbench.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bitbench-no-addon-'));
  for (const part of ['package.json', 'bin', 'dist']) cpSync(join(repo, part), join(root, part), { recursive: true });
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'), 'dir');
  db = join(root, 'results', 'bitbench.sqlite');
  ResultStore.open(db).close();
});

describe('without the native addon', () => {
  it('is really missing in this copy', () => {
    expect(existsSync(join(root, 'build'))).toBe(false);
    const isa = bitbench(['isa']);
    // A command that needs it fails with one line saying what to do, exit 1.
    expect(isa.status).toBe(1);
    expect(isa.stderr).toMatch(/^bitbench: the native addon is not built \(.*bitbench_native\.node is missing\); run npm install\n$/);
  });

  it.each(['--help', 'export --help', 'report --help', 'serve --help', 'fleet --help', 'kernel --help'])('bitbench %s prints its help', (line) => {
    const run = bitbench(line.split(' '));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: bitbench/);
  });

  it('export and report read the store', () => {
    const exported = bitbench(['export', '--db', db, '--format', 'csv']);
    expect(exported.stderr).toBe('');
    expect(exported.status).toBe(0);
    // An empty store: nothing to report, said as a usage error (2), not a missing addon (1).
    const report = bitbench(['report', '--db', db]);
    expect(report.stderr).toMatch(/has no runs yet/);
    expect(report.status).toBe(2);
  });

  it('serve answers, and Ctrl-C stops it with status 130', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [join(root, 'bin', 'bitbench.js'), 'serve', '--db', db, '--port', String(port)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        output += chunk;
        const match = output.match(/at (http:\/\/\S+)/);
        if (match) resolve(match[1]!);
      });
      child.once('exit', () => reject(new Error(`serve exited: ${output}`)));
    });
    const page = await fetch(url);
    expect(page.status).toBe(200);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
  });
});

// `bitbench export` on a store in a temporary folder, called in-process (the command function
// the CLI registers), with stdout captured.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../coordinator/cli/cli-error.js';
import { exportCommand, exportHelp } from '../../coordinator/cli/export-command.js';
import { ResultStore, type StoredResult } from '../../coordinator/store/result-store.js';

let dir: string;
let db: string;

function result(jobId: string, runId: string): StoredResult {
  return {
    jobId,
    runId,
    kind: 'kernel',
    instanceType: 'local',
    path: 'cached-f32',
    isa: 'avx2',
    spec: { path: 'cached-f32', n: 64, k: 100, batch: 3, threads: 2, cache: 'hot' },
    result: { n: 64, k: 100, batch: 3, threads: 2, cache: 'hot', medianNs: 12_000, ci95Ns: [11_000, 13_000], gops: 3.2, samples: [12_000] },
    fingerprint: { cpu: { modelName: 'Test CPU, 2 cores' } },
    medianNs: 12_000,
    noisy: false,
    startedAt: '2025-03-01T10:00:00.000Z',
    finishedAt: '2025-03-01T10:00:01.000Z',
  };
}

async function capture(args: string[]): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  try {
    await exportCommand(args);
  } finally {
    spy.mockRestore();
  }
  return out;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bitbench-export-'));
  db = join(dir, 'results', 'bitbench.sqlite');
  const store = ResultStore.open(db);
  for (const id of ['run-a', 'run-b', 'run-c']) {
    store.createRun({
      id,
      startedAt: '2025-03-01T09:00:00.000Z',
      matrixName: 'quick',
      matrix: {},
      orderSeed: 1,
      order: [],
      instanceType: 'local',
      fingerprint: {},
      toolVersion: '0.1.0',
    });
  }
  store.saveResults([result('j1', 'run-a'), result('j2', 'run-b'), result('j3', 'run-b')]);
  store.close();
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('bitbench export', () => {
  it('prints a Markdown table of every result by default', async () => {
    const out = await capture(['--db', db]);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(2 + 3);
    expect(lines[0]).toMatch(/^\| instance type \| cpu model +\| path +\| isa +\|/);
    expect(lines[2]).toMatch(/\| local +\| Test CPU, 2 cores \| cached-f32 \| avx2 \| kernel \| 64x100 +\| +3 \| +2 \| hot +\| +0\.0120 ± 0\.0010 ms \| +3\.20 GOPS \| +\|/);
  });

  it('exports the runs named by --run (repeatable) as JSON lines', async () => {
    const one = await capture(['--db', db, '--run', 'run-b', '--format', 'jsonl']);
    expect(one.trim().split('\n').map((line) => JSON.parse(line).jobId)).toEqual(['j2', 'j3']);
    const two = await capture(['--db', db, '--run', 'run-a', '--run', 'run-b', '--run', 'run-a', '--format', 'jsonl']);
    expect(two.trim().split('\n')).toHaveLength(3);
    const none = await capture(['--db', db, '--run', 'run-c', '--format', 'jsonl']);
    expect(none).toBe('');
  });

  it('writes CSV to -o FILE, creating its folder, and nothing to stdout', async () => {
    const file = join(dir, 'out', 'results.csv');
    const out = await capture(['--db', db, '--format', 'csv', '-o', file]);
    expect(out).toBe('');
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toMatch(/^job_id,run_id,kind,instance_type,cpu_model,/);
    expect(text).toContain(',"Test CPU, 2 cores",');
    expect(text.trimEnd().split('\n')).toHaveLength(4);
  });

  it("takes the format from -o's extension when --format is not given", async () => {
    const jsonl = join(dir, 'all.jsonl');
    await capture(['--db', db, '--output', jsonl]);
    expect(readFileSync(jsonl, 'utf8').trim().split('\n').map((line) => JSON.parse(line).runId)).toEqual(['run-a', 'run-b', 'run-b']);
    const other = join(dir, 'all.txt');
    await capture(['--db', db, '-o', other]);
    expect(readFileSync(other, 'utf8')).toMatch(/^\| instance type/);
  });

  it('names an unknown run and lists the runs there are', async () => {
    const error = await exportCommand(['--db', db, '--run', 'run-zzz']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(`--run: no run 'run-zzz' in ${db} (its runs: run-a, run-b, run-c)`);
    await expect(exportCommand(['--db', db, '--run', ''])).rejects.toThrow(UsageError);
  });

  it('refuses a missing store clearly and does not create one', async () => {
    const missing = join(dir, 'nowhere', 'bitbench.sqlite');
    const error = await exportCommand(['--db', missing]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/^--db: no result store at .*nowhere\/bitbench\.sqlite \(run 'bitbench local' first, or pass --db FILE\)$/);
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);
  });

  it('refuses a missing default store without creating ./bitbench-results', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      await expect(exportCommand([])).rejects.toThrow(/no result store at \.\/bitbench-results\/bitbench\.sqlite/);
      expect(existsSync(join(dir, 'bitbench-results'))).toBe(false);
    } finally {
      process.chdir(cwd);
    }
  });

  it.each([
    [['--format', 'xml'], UsageError, /--format: expected one of jsonl, csv, md but received 'xml'/],
    [['--db', ''], UsageError, /--db: expected a file name/],
    [['-o', ''], UsageError, /-o\/--output: expected a file name/],
    [['--bogus'], TypeError, /Unknown option '--bogus'/],
    [['stray'], TypeError, /Unexpected argument 'stray'/],
  ])('rejects %j naming the flag', async (args, type, message) => {
    const error = await exportCommand(['--db', db, ...args]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
  });

  it('prints its help', async () => {
    expect(await capture(['--help'])).toBe(exportHelp);
    expect(exportHelp).toMatch(/--format FORMAT +jsonl \| csv \| md/);
  });
});

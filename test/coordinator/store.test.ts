// The result store: schema, runs, idempotent results, all-or-nothing writes, failures, resume.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResultStore, StoreNotFoundError, type NewRun, type StoredResult } from '../../coordinator/store/result-store.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../coordinator/store/store-schema.js';

let dir: string;
let file: string;
const open: ResultStore[] = [];

function openStore(path = file, options = {}): ResultStore {
  const store = ResultStore.open(path, options);
  open.push(store);
  return store;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bitbench-store-'));
  file = join(dir, 'nested', 'bitbench.sqlite');
});

afterEach(() => {
  for (const store of open.splice(0)) store.close();
  rmSync(dir, { recursive: true, force: true });
});

const fingerprint = { instanceType: 'local', cpu: { vendor: 'GenuineIntel', modelName: 'Intel(R) Xeon(R) Platinum 8488C' } };

function newRun(id = 'run-1', order = ['job-a', 'job-b', 'job-c']): NewRun {
  return {
    id,
    startedAt: '2025-03-01T10:00:00.000Z',
    matrixName: 'quick',
    matrix: { kernels: { paths: ['fused', 'baseline'], shapes: [[256, 256]] } },
    orderSeed: 42,
    order,
    instanceType: 'local',
    fingerprint,
    toolVersion: '0.1.0',
  };
}

function kernelResult(jobId: string, runId = 'run-1', medianNs = 1_234_000): StoredResult {
  return {
    jobId,
    runId,
    kind: 'kernel',
    instanceType: 'local',
    path: 'fused',
    isa: 'avx512',
    spec: { path: 'fused', n: 256, k: 256, batch: 1, threads: 2, cache: 'hot' },
    result: { path: 'fused', isa: 'avx512', n: 256, k: 256, batch: 1, threads: 2, cache: 'hot', samples: [medianNs, medianNs + 10], medianNs, ci95Ns: [medianNs - 5, medianNs + 5], cv: 0.01, gops: 1.5 },
    fingerprint,
    medianNs,
    noisy: false,
    startedAt: '2025-03-01T10:00:01.000Z',
    finishedAt: '2025-03-01T10:00:02.500Z',
  };
}

function rowCount(table: string, path = file): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  } finally {
    db.close();
  }
}

describe('opening a store', () => {
  it('creates the folder and the schema, in WAL mode, with a schema version', () => {
    const store = openStore();
    expect(existsSync(file)).toBe(true);
    store.close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT max(version) FROM schema_version').pluck().get()).toBe(SCHEMA_VERSION);
      const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).pluck().all();
      expect(tables).toEqual(['failures', 'results', 'runs', 'schema_version', 'trials']);
      const columns = (table: string) => db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table);
      expect(columns('runs')).toEqual([
        'id', 'started_at', 'finished_at', 'matrix_name', 'matrix_json', 'order_seed', 'order_json',
        'instance_type', 'fingerprint_json', 'status', 'tool_version',
      ]);
      expect(columns('results')).toEqual([
        'job_id', 'run_id', 'kind', 'instance_type', 'path', 'isa', 'spec_json', 'result_json',
        'fingerprint_json', 'median_ns', 'tokens_per_s', 'noisy', 'started_at', 'finished_at', 'host',
      ]);
      expect(columns('trials')).toEqual(['job_id', 'run_id', 'trial', 'position', 'host', 'result_json', 'started_at', 'finished_at']);
      expect(columns('failures')).toEqual(['id', 'job_id', 'run_id', 'reason', 'signal', 'at', 'instance_type']);
    } finally {
      db.close();
    }
  });

  it('opens an existing store again without migrating twice, and keeps its data', () => {
    openStore().createRun(newRun());
    const again = openStore();
    expect(again.getRun('run-1')?.matrixName).toBe('quick');
    expect(rowCount('schema_version')).toBe(MIGRATIONS.length);
  });

  it('brings a version 1 store forward, keeping its failures (which then name no instance type)', () => {
    mkdirSync(dirname(file), { recursive: true });
    const old = new Database(file);
    old.exec(`CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT NOT NULL) STRICT`);
    old.exec(MIGRATIONS[0]!.sql);
    old.prepare(`INSERT INTO schema_version VALUES (1, '2026-01-01T00:00:00.000Z', 'v1')`).run();
    old.prepare(`INSERT INTO runs VALUES ('run-1', '2026-01-01T00:00:00.000Z', NULL, 'quick', '{}', 1, '[]', 'local', '{}', 'running', '0.1.0')`).run();
    old.prepare(`INSERT INTO failures (job_id, run_id, reason, signal, at) VALUES ('job-a', 'run-1', 'crashed', 'SIGSEGV', '2026-01-01T00:01:00.000Z')`).run();
    old.close();
    const store = openStore();
    expect(store.failures('run-1')).toEqual([
      { jobId: 'job-a', runId: 'run-1', reason: 'crashed', signal: 'SIGSEGV', at: '2026-01-01T00:01:00.000Z', attempt: 1, instanceType: null },
    ]);
    store.saveFailure({ jobId: 'job-b', runId: 'run-1', reason: 'timed out', instanceType: 'c7g.large' });
    expect(store.failures('run-1')[1]).toMatchObject({ jobId: 'job-b', instanceType: 'c7g.large' });
  });

  it('refuses a missing file when it must exist or is read-only, and creates nothing', () => {
    expect(() => openStore(file, { mustExist: true })).toThrow(StoreNotFoundError);
    expect(() => openStore(file, { readonly: true })).toThrow(/No bitbench result store at .*bitbench.sqlite/);
    expect(existsSync(join(dir, 'nested'))).toBe(false);
  });

  it('opens read-only beside a writer and refuses to write', () => {
    const writer = openStore();
    writer.createRun(newRun());
    writer.saveResult(kernelResult('job-a'));
    const reader = openStore(file, { readonly: true });
    expect(reader.results()).toHaveLength(1);
    writer.saveResult(kernelResult('job-b'));
    expect(reader.completedJobIds('run-1')).toEqual(new Set(['job-a', 'job-b']));
    expect(() => reader.saveResult(kernelResult('job-c'))).toThrow(/readonly/);
  });

  it('refuses an SQLite file that is not a store, and one from a newer bitbench', () => {
    const other = join(dir, 'other.sqlite');
    const db = new Database(other);
    db.exec('CREATE TABLE notes (text TEXT)');
    db.close();
    expect(() => openStore(other)).toThrow(/not a bitbench result store/);

    openStore().close();
    const raw = new Database(file);
    raw.prepare(`INSERT INTO schema_version VALUES (?, '2030-01-01T00:00:00.000Z', 'future')`).run(SCHEMA_VERSION + 1);
    raw.close();
    expect(() => openStore()).toThrow(new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this bitbench knows`));
  });
});

describe('runs', () => {
  it('goes from running to finished or interrupted, and back to running on resume', () => {
    const store = openStore();
    const created = store.createRun(newRun());
    expect(created).toMatchObject({ id: 'run-1', status: 'running', finishedAt: null, orderSeed: 42, order: ['job-a', 'job-b', 'job-c'] });
    expect(created.matrix).toEqual(newRun().matrix);
    expect(created.fingerprint).toEqual(fingerprint);

    const interrupted = store.finishRun('run-1', 'interrupted', '2025-03-01T10:05:00+01:00');
    expect(interrupted).toMatchObject({ status: 'interrupted', finishedAt: '2025-03-01T09:05:00.000Z' });
    expect(store.resumeRun('run-1')).toMatchObject({ status: 'running', finishedAt: null });
    expect(store.finishRun('run-1', 'finished').status).toBe('finished');

    store.createRun({ ...newRun('run-0'), startedAt: '2025-02-01T00:00:00.000Z' });
    expect(store.listRuns().map((r) => r.id)).toEqual(['run-0', 'run-1']);
    expect(store.getRun('nope')).toBeUndefined();
  });

  it('refuses a run id twice, an unknown run to finish, and a bad status', () => {
    const store = openStore();
    store.createRun(newRun());
    expect(() => store.createRun(newRun())).toThrow(/Run 'run-1' already exists/);
    expect(() => store.finishRun('ghost', 'finished')).toThrow(RangeError);
    expect(() => store.resumeRun('ghost')).toThrow(/No run 'ghost'/);
    expect(() => store.finishRun('run-1', 'running' as never)).toThrow(/Expected one of finished, interrupted for status but received 'running'/);
  });

  it.each<[string, Partial<NewRun>, RegExp]>([
    ['id', { id: '' }, /for run\.id but received ''/],
    ['startedAt', { startedAt: 'yesterday' }, /ISO 8601 .* for run\.startedAt/],
    ['startedAt without a zone', { startedAt: '2025-03-01T10:00:00' }, /run\.startedAt/],
    ['orderSeed', { orderSeed: 1.5 }, /a safe integer for run\.orderSeed but received 1.5/],
    ['order', { order: ['a', 'a'] }, /an id not already listed for run\.order\[1\]/],
    ['order items', { order: ['a', 3 as never] }, /run\.order\[1\]/],
    ['matrix', { matrix: [] }, /a JSON object for run\.matrix but received an array/],
    ['fingerprint', { fingerprint: null }, /run\.fingerprint but received null/],
    ['toolVersion', { toolVersion: undefined as never }, /run\.toolVersion but received undefined/],
  ])('refuses a run with a bad %s, naming it', (_name, change, message) => {
    const store = openStore();
    expect(() => store.createRun({ ...newRun(), ...change })).toThrow(TypeError);
    expect(() => store.createRun({ ...newRun(), ...change })).toThrow(message);
    expect(store.listRuns()).toEqual([]);
  });
});

describe('results', () => {
  it('round-trips a result with its JSON parsed back', () => {
    const store = openStore();
    store.createRun(newRun());
    const model: StoredResult = {
      ...kernelResult('job-m'),
      kind: 'model',
      spec: { preset: 'tiny', path: 'fused', batch: 2, prompt: 5, tokens: 6, threads: 2 },
      result: { preset: 'tiny', decodeTokS: 123.5, rooflineFraction: 0.4, stepNs: [1, 2, 3] },
      medianNs: undefined,
      tokensPerS: 123.5,
      noisy: true,
    };
    expect(store.saveResult(kernelResult('job-a'))).toBe(true);
    expect(store.saveResult(model)).toBe(true);
    const [kernel, stored] = store.results();
    expect(kernel).toEqual(kernelResult('job-a'));
    const { medianNs: _omitted, ...expected } = model;
    expect(stored).toEqual(expected);
    expect(stored).not.toHaveProperty('medianNs');
  });

  it('keeps one row for the same result saved twice, and the first of two different ones', () => {
    const store = openStore();
    store.createRun(newRun());
    expect(store.saveResult(kernelResult('job-a'))).toBe(true);
    expect(store.saveResult(kernelResult('job-a'))).toBe(false);
    expect(store.saveResult(kernelResult('job-a', 'run-1', 9_999_999))).toBe(false);
    expect(rowCount('results')).toBe(1);
    expect(store.results()[0]!.medianNs).toBe(1_234_000);
  });

  it('dedupes across several store instances on one file in one process', () => {
    const first = openStore();
    const second = openStore();
    first.createRun(newRun());
    expect(second.getRun('run-1')).toBeDefined();
    const outcomes = [
      first.saveResult(kernelResult('job-a')),
      second.saveResult(kernelResult('job-a', 'run-1', 5)),
      second.saveResults([kernelResult('job-a'), kernelResult('job-b')]),
      first.saveResults([kernelResult('job-b', 'run-1', 7), kernelResult('job-c')]),
    ];
    expect(outcomes).toEqual([true, false, 1, 1]);
    expect(rowCount('results')).toBe(3);
    expect(second.results().map((r) => [r.jobId, r.medianNs])).toEqual([
      ['job-a', 1_234_000],
      ['job-b', 1_234_000],
      ['job-c', 1_234_000],
    ]);
  });

  it('dedupes when several processes save the same jobs at once', async () => {
    // Three processes race the same 2000 job ids through the store's UNIQUE job_id and
    // ON CONFLICT DO NOTHING (raw SQL: a child process cannot load the TypeScript store).
    openStore().createRun(newRun());
    const script = `
      import Database from 'better-sqlite3';
      const db = new Database(process.argv[1], { timeout: 15000 });
      const insert = db.prepare(\`INSERT INTO results VALUES (?, 'run-1', 'kernel', 'local', 'fused', 'avx2', '{}', ?, '{}', ?, NULL, 0, 't0', 't1', NULL) ON CONFLICT (job_id) DO NOTHING\`);
      // A common start time and a different first id each, so that they insert at once and collide.
      while (Date.now() < Number(process.argv[2])) {}
      let written = 0;
      for (let j = 0; j < 2000; j++) { const i = (j + Number(process.argv[3])) % 2000; written += db.transaction(() => insert.run('job-' + i, JSON.stringify({ by: process.pid }), i).changes).immediate(); }
      console.log(written);`;
    const start = Date.now() + 1500;
    const race = (offset: number) =>
      new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script, file, String(start), String(offset)], { cwd: process.cwd() });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk) => (stdout += chunk));
        child.stderr.on('data', (chunk) => (stderr += chunk));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(Number(stdout)) : reject(new Error(`child exited ${code}: ${stderr}`))));
      });
    const written = await Promise.all([race(0), race(700), race(1400)]);
    expect(written.reduce((a, b) => a + b, 0)).toBe(2000);
    expect(rowCount('results')).toBe(2000);
    expect(openStore().completedJobIds('run-1').size).toBe(2000);
  });

  it('saves several results all or nothing: an invalid third item saves none', () => {
    const store = openStore();
    store.createRun(newRun());
    const batch = [kernelResult('job-a'), kernelResult('job-b'), { ...kernelResult('job-c'), kind: 'gpu' as never }];
    expect(() => store.saveResults(batch)).toThrow(/Expected one of kernel, model for results\[2\]\.kind but received 'gpu'/);
    expect(rowCount('results')).toBe(0);
    expect(store.completedJobIds('run-1').size).toBe(0);
  });

  it('rolls back rows already inserted when a later one names an unknown run', () => {
    const store = openStore();
    store.createRun(newRun());
    expect(() => store.saveResults([kernelResult('job-a'), kernelResult('job-b'), kernelResult('job-c', 'ghost-run')])).toThrow(
      /No run 'ghost-run' .* for results\[2\]\.runId/,
    );
    expect(rowCount('results')).toBe(0);
    expect(store.saveResults([kernelResult('job-a'), kernelResult('job-b')])).toBe(2);
  });

  it('leaves no half row when the writing process is killed inside a transaction', () => {
    openStore().createRun(newRun());
    // Insert, then die by SIGKILL before COMMIT: SQLite's WAL recovery must drop the row.
    const script = `
      import Database from 'better-sqlite3';
      const db = new Database(process.argv[1]);
      db.exec('BEGIN IMMEDIATE');
      db.prepare(\`INSERT INTO results VALUES ('job-a', 'run-1', 'kernel', 'local', 'fused', 'avx2', '{}', '{}', '{}', 1, NULL, 0, 't0', 't1', NULL)\`).run();
      process.kill(process.pid, 'SIGKILL');`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, file], { encoding: 'utf8', cwd: process.cwd() });
    expect(child.signal).toBe('SIGKILL');
    const store = openStore();
    expect(store.results()).toEqual([]);
    expect(store.saveResult(kernelResult('job-a'))).toBe(true);
  });

  it.each<[string, Partial<StoredResult> | Record<string, unknown>, RegExp]>([
    ['jobId', { jobId: '' }, /for result\.jobId but received ''/],
    ['jobId with a newline', { jobId: 'a\nb' }, /without control characters for result\.jobId/],
    ['kind', { kind: 'gpu' }, /one of kernel, model for result\.kind/],
    ['path', { path: 7 }, /non-empty string for result\.path but received 7/],
    ['spec', { spec: 'fused' }, /a JSON object for result\.spec but received 'fused'/],
    ['result', { result: undefined }, /a JSON object for result\.result but received undefined/],
    ['a cyclic result', { result: (() => { const o: Record<string, unknown> = {}; o.self = o; return o; })() }, /JSON-serializable object for result\.result/],
    ['a BigInt in the fingerprint', { fingerprint: { memory: 1n } }, /JSON-serializable object for result\.fingerprint/],
    ['medianNs', { medianNs: NaN }, /finite non-negative number for result\.medianNs but received NaN/],
    ['tokensPerS', { tokensPerS: -1 }, /result\.tokensPerS but received -1/],
    ['noisy', { noisy: 'no' }, /a boolean for result\.noisy/],
    ['finishedAt', { finishedAt: '2025-13-45T99:00:00Z' }, /result\.finishedAt/],
  ])('refuses a result with a bad %s, naming the field', (_name, change, message) => {
    const store = openStore();
    store.createRun(newRun());
    const bad = { ...kernelResult('job-a'), ...change } as StoredResult;
    expect(() => store.saveResult(bad)).toThrow(TypeError);
    expect(() => store.saveResult(bad)).toThrow(message);
    expect(rowCount('results')).toBe(0);
  });

  it('stores a NaN inside a result as null instead of refusing the measured samples', () => {
    const store = openStore();
    store.createRun(newRun());
    store.saveResult({ ...kernelResult('job-a'), result: { decodeTokS: NaN, stepNs: [] } });
    expect(store.results()[0]!.result).toEqual({ decodeTokS: null, stepNs: [] });
  });

  it('refuses a result for a run that was never created', () => {
    const store = openStore();
    expect(() => store.saveResult(kernelResult('job-a', 'ghost'))).toThrow(/No run 'ghost' .* for result\.runId/);
  });

  it('lists results by run, in the order they were saved', () => {
    const store = openStore();
    store.createRun(newRun('run-1'));
    store.createRun(newRun('run-2', ['job-x']));
    store.saveResult(kernelResult('job-b'));
    store.saveResult(kernelResult('job-x', 'run-2'));
    store.saveResult(kernelResult('job-a'));
    expect(store.results().map((r) => r.jobId)).toEqual(['job-b', 'job-x', 'job-a']);
    expect(store.results({ runIds: ['run-1'] }).map((r) => r.jobId)).toEqual(['job-b', 'job-a']);
    expect(store.results({ runIds: ['run-2', 'run-1'] })).toHaveLength(3);
    expect(store.results({ runIds: [] })).toEqual([]);
  });
});

describe('failures and resume', () => {
  it('records every failed attempt with its signal, until the job has a result', () => {
    const store = openStore();
    store.createRun(newRun());
    store.createRun(newRun('run-2', ['job-z']));
    expect(store.saveFailure({ jobId: 'job-b', runId: 'run-1', reason: 'killed by SIGSEGV', signal: 'SIGSEGV', at: '2025-03-01T10:01:00.000Z' })).toBe(true);
    expect(store.saveFailure({ jobId: 'job-b', runId: 'run-1', reason: 'timeout after 60 s\nstderr: ...' })).toBe(true);
    expect(store.saveFailure({ jobId: 'job-z', runId: 'run-2', reason: 'exit code 1' })).toBe(true);

    const failures = store.failures('run-1');
    expect(failures).toHaveLength(2);
    expect(failures[0]).toEqual({ jobId: 'job-b', runId: 'run-1', reason: 'killed by SIGSEGV', signal: 'SIGSEGV', at: '2025-03-01T10:01:00.000Z', attempt: 1, instanceType: null });
    expect(failures[1]).toMatchObject({ signal: null, attempt: 2 });
    expect(store.failures()).toHaveLength(3);
    expect(store.failureCounts('run-1')).toEqual(new Map([['job-b', 2]]));

    // A failure does not complete a job; a result does, and a later failure is not recorded.
    expect(store.completedJobIds('run-1').has('job-b')).toBe(false);
    store.saveResult(kernelResult('job-b'));
    expect(store.saveFailure({ jobId: 'job-b', runId: 'run-1', reason: 'duplicate delivery crashed' })).toBe(false);
    expect(store.failures('run-1')).toHaveLength(2);
  });

  it('refuses a failure without a reason or for an unknown run', () => {
    const store = openStore();
    store.createRun(newRun());
    expect(() => store.saveFailure({ jobId: 'job-a', runId: 'run-1', reason: '' })).toThrow(/failure\.reason/);
    expect(() => store.saveFailure({ jobId: 'job-a', runId: 'run-1', reason: 'x', signal: '' })).toThrow(/failure\.signal/);
    expect(() => store.saveFailure({ jobId: 'job-a', runId: 'ghost', reason: 'x' })).toThrow(/No run 'ghost'/);
    expect(rowCount('failures')).toBe(0);
  });

  it('tells a resumed run which jobs are done, across reopening the file', () => {
    const first = openStore();
    first.createRun(newRun());
    first.saveResults([kernelResult('job-a'), kernelResult('job-c')]);
    first.saveFailure({ jobId: 'job-b', runId: 'run-1', reason: 'timeout' });
    first.finishRun('run-1', 'interrupted');
    first.close();

    const second = openStore();
    const run = second.resumeRun('run-1');
    const done = second.completedJobIds('run-1');
    expect(done).toEqual(new Set(['job-a', 'job-c']));
    expect(run.order.filter((id) => !done.has(id))).toEqual(['job-b']);
    expect(second.completedJobIds('other-run').size).toBe(0);
  });
});

describe('an in-memory store', () => {
  it('works without a file', () => {
    const store = openStore(':memory:');
    store.createRun(newRun());
    expect(store.saveResult(kernelResult('job-a'))).toBe(true);
    expect(store.completedJobIds('run-1')).toEqual(new Set(['job-a']));
  });
});

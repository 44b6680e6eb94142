// The store's trials table, the migration of a store written before trials, and the read side's
// promise: one bad stored row is named, skipped and warned about, never fatal to a listing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResultStore, type NewRun, type StoredResult } from '../../coordinator/store/result-store.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../coordinator/store/store-schema.js';

let dir: string;
let file: string;
const open: ResultStore[] = [];

function openStore(options: Parameters<typeof ResultStore.open>[1] = {}): ResultStore {
  const store = ResultStore.open(file, options);
  open.push(store);
  return store;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bitbench-store-trials-'));
  file = join(dir, 'bitbench.sqlite');
});

afterEach(() => {
  for (const store of open.splice(0)) store.close();
  rmSync(dir, { recursive: true, force: true });
});

const fingerprint = { instance: { source: 'imds', instanceType: 'c7i.large', instanceId: 'i-0abc' }, cpu: { modelName: 'Xeon' } };

const run: NewRun = {
  id: 'run-1',
  startedAt: '2025-03-01T10:00:00.000Z',
  matrixName: 'quick',
  matrix: {},
  orderSeed: 42,
  order: ['job-a', 'job-b'],
  instanceType: 'c7i.large',
  fingerprint,
  toolVersion: '0.1.0',
};

function result(jobId: string, medianNs = 1000): StoredResult {
  return {
    jobId,
    runId: 'run-1',
    kind: 'kernel',
    instanceType: 'c7i.large',
    path: 'fused',
    isa: 'avx512',
    spec: { path: 'fused' },
    result: { path: 'fused', isa: 'avx512', samples: [medianNs], medianNs, ci95Ns: [medianNs, medianNs], cv: 0 },
    fingerprint,
    medianNs,
    noisy: false,
    startedAt: '2025-03-01T10:00:01.000Z',
    finishedAt: '2025-03-01T10:00:02.000Z',
  };
}

/** A store file exactly as the version before trials wrote it (schema 2), with one result. */
function writePreviousVersionStore(): void {
  const db = new Database(file);
  db.exec(`CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT NOT NULL) STRICT`);
  for (const migration of MIGRATIONS.filter((m) => m.version <= 2)) {
    db.exec(migration.sql);
    db.prepare('INSERT INTO schema_version VALUES (?, ?, ?)').run(migration.version, '2025-01-01T00:00:00.000Z', migration.description);
  }
  db.prepare(`INSERT INTO runs VALUES ('run-1', '2025-03-01T10:00:00.000Z', NULL, 'quick', '{}', 42, '["job-a"]', 'c7i.large', ?, 'finished', '0.1.0')`).run(JSON.stringify(fingerprint));
  const r = result('job-a');
  db.prepare(`INSERT INTO results VALUES ('job-a', 'run-1', 'kernel', 'c7i.large', 'fused', 'avx512', '{}', ?, ?, 1000, NULL, 0, ?, ?)`)
    .run(JSON.stringify(r.result), JSON.stringify(fingerprint), r.startedAt, r.finishedAt);
  db.close();
}

describe('a store written before trials', () => {
  it('migrates on open: its results read as before, with the host from the fingerprint', () => {
    writePreviousVersionStore();
    const store = openStore();
    const [stored] = store.results();
    expect(stored).toMatchObject({ jobId: 'job-a', medianNs: 1000, host: 'i-0abc' });
    expect(stored!.result).toEqual(result('job-a').result);
    expect(store.trials({ runId: 'run-1' })).toEqual([]);
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT max(version) FROM schema_version').pluck().get()).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('refuses to migrate a read-only open, saying how to bring it forward', () => {
    writePreviousVersionStore();
    expect(() => openStore({ readonly: true })).toThrow(/schema version 2.*open it once for writing/);
  });
});

describe('trials', () => {
  it('keeps each trial once (first wins), in order, with its place in the round and its host', () => {
    const store = openStore();
    store.createRun(run);
    const trial = (t: number, medianNs: number) => ({
      jobId: 'job-a', runId: 'run-1', trial: t, position: 1, host: 'i-0abc', result: { medianNs },
      startedAt: '2025-03-01T10:00:01.000Z', finishedAt: '2025-03-01T10:00:02.000Z',
    });
    expect(store.saveTrial(trial(1, 20))).toBe(true);
    expect(store.saveTrial(trial(0, 10))).toBe(true);
    expect(store.saveTrial(trial(0, 99))).toBe(false);
    expect(store.trials({ jobId: 'job-a' }).map((t) => [t.trial, (t.result as { medianNs: number }).medianNs, t.position, t.host])).toEqual([
      [0, 10, 1, 'i-0abc'],
      [1, 20, 1, 'i-0abc'],
    ]);
    expect(() => store.saveTrial({ ...trial(2, 1), runId: 'no-such-run' })).toThrow(/No run 'no-such-run'/);
    expect(() => store.saveTrial({ ...trial(2, 1), trial: -1 })).toThrow(/non-negative trial index/);
  });
});

describe('bad stored rows', () => {
  it('are named, skipped and warned about; the other rows still list', () => {
    const warnings: string[] = [];
    const store = openStore({ onWarning: (message) => warnings.push(message) });
    store.createRun(run);
    store.saveResult(result('job-a'));
    store.saveResult(result('job-b', 2000));
    store.close();
    // Another writer, or a damaged file: JSON that is not JSON, a kind no reader knows.
    const db = new Database(file);
    db.pragma('ignore_check_constraints = ON');
    db.prepare(`UPDATE results SET result_json = '{not json' WHERE job_id = 'job-a'`).run();
    db.prepare(`INSERT INTO runs VALUES ('run-2', '2025-03-02T10:00:00.000Z', NULL, 'x', '[1]', 1, '"no list"', 'local', '{}', 'finished', '0.1.0')`).run();
    db.close();
    const reopened = openStore({ onWarning: (message) => warnings.push(message) });
    expect(reopened.results().map((r) => r.jobId)).toEqual(['job-b']);
    expect(reopened.listRuns().map((r) => r.id)).toEqual(['run-1']);
    expect(reopened.getRun('run-2')).toBeUndefined();
    expect(warnings.some((w) => /skipped results row job_id="job-a" run_id="run-1" .*result_json is not JSON/.test(w))).toBe(true);
    expect(warnings.some((w) => /skipped runs row id="run-2"/.test(w))).toBe(true);
  });
});

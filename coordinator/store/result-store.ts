// The durable result store: one SQLite file holding runs, results (one per job, first one
// wins) and failures (one per attempt). Every write is one transaction, so a crash or a kill
// mid-write leaves the file as it was before that write, never a half row.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './store-schema.js';
import {
  boolean,
  identifier,
  identifierList,
  jsonObject,
  oneOf,
  optionalNonNegative,
  safeInteger,
  text,
  timestamp,
} from './store-validation.js';

export const DEFAULT_STORE_FILE = './bitbench-results/bitbench.sqlite';

export const RUN_STATUSES = ['running', 'finished', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const RESULT_KINDS = ['kernel', 'model'] as const;
export type ResultKind = (typeof RESULT_KINDS)[number];

export interface NewRun {
  id: string;
  startedAt: string;
  matrixName: string;
  /** The validated matrix as run (a JSON object). */
  matrix: unknown;
  /** Seed of the randomized job order, so the run can be replayed. */
  orderSeed: number;
  /** Job ids in the order they are run. */
  order: string[];
  instanceType: string;
  fingerprint: unknown;
  toolVersion: string;
}

export interface StoredRun extends NewRun {
  finishedAt: string | null;
  status: RunStatus;
}

export interface StoredResult {
  jobId: string;
  runId: string;
  kind: ResultKind;
  instanceType: string;
  path: string;
  /** The ISA that actually ran. */
  isa: string;
  spec: unknown;
  /** The full result (KernelResult or ModelResult, samples included). */
  result: unknown;
  fingerprint: unknown;
  medianNs?: number;
  tokensPerS?: number;
  noisy: boolean;
  startedAt: string;
  finishedAt: string;
}

export interface NewFailure {
  jobId: string;
  runId: string;
  /** What happened: 'timeout after 60 s', 'exit code 1', the error message. */
  reason: string;
  /** The signal that ended the sandbox process (SIGSEGV, SIGKILL), if one did. */
  signal?: string | null;
  /** When it failed (default: now). */
  at?: string;
  /** Where it failed, when the run spans several instance types (a fleet run). */
  instanceType?: string;
}

export interface StoredFailure {
  jobId: string;
  runId: string;
  reason: string;
  signal: string | null;
  at: string;
  /** 1 for the job's first failure in its run, 2 for its second, ... */
  attempt: number;
  /** Where it failed; null for a failure of a run on one instance type (the run's). */
  instanceType: string | null;
}

export interface OpenOptions {
  /** Open for reading only (implies mustExist): what export and reports use. */
  readonly?: boolean;
  /** Refuse a missing file instead of creating an empty store. */
  mustExist?: boolean;
}

/** The store file asked for does not exist (and was not created). */
export class StoreNotFoundError extends Error {
  override name = 'StoreNotFoundError';
  readonly code = 'ERR_BITBENCH_NO_STORE';
  constructor(readonly file: string) {
    super(`No bitbench result store at ${file}`);
  }
}

interface RunRow {
  id: string;
  started_at: string;
  finished_at: string | null;
  matrix_name: string;
  matrix_json: string;
  order_seed: number;
  order_json: string;
  instance_type: string;
  fingerprint_json: string;
  status: RunStatus;
  tool_version: string;
}

interface ResultRow {
  job_id: string;
  run_id: string;
  kind: ResultKind;
  instance_type: string;
  path: string;
  isa: string;
  spec_json: string;
  result_json: string;
  fingerprint_json: string;
  median_ns: number | null;
  tokens_per_s: number | null;
  noisy: 0 | 1;
  started_at: string;
  finished_at: string;
}

interface FailureRow {
  job_id: string;
  run_id: string;
  reason: string;
  signal: string | null;
  at: string;
  attempt: number;
  instance_type: string | null;
}

// Several processes share one file (a local run and an export, or collectors): a writer waits
// this long for another's short transaction instead of failing with SQLITE_BUSY.
const BUSY_TIMEOUT_MS = 15_000;

function runFromRow(row: RunRow): StoredRun {
  return {
    id: row.id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    matrixName: row.matrix_name,
    matrix: JSON.parse(row.matrix_json),
    orderSeed: row.order_seed,
    order: JSON.parse(row.order_json) as string[],
    instanceType: row.instance_type,
    fingerprint: JSON.parse(row.fingerprint_json),
    status: row.status,
    toolVersion: row.tool_version,
  };
}

function resultFromRow(row: ResultRow): StoredResult {
  return {
    jobId: row.job_id,
    runId: row.run_id,
    kind: row.kind,
    instanceType: row.instance_type,
    path: row.path,
    isa: row.isa,
    spec: JSON.parse(row.spec_json),
    result: JSON.parse(row.result_json),
    fingerprint: JSON.parse(row.fingerprint_json),
    ...(row.median_ns === null ? {} : { medianNs: row.median_ns }),
    ...(row.tokens_per_s === null ? {} : { tokensPerS: row.tokens_per_s }),
    noisy: row.noisy === 1,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

function resultRow(value: unknown, field: string): ResultRow {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`Expected an object for ${field} but received ${value === null ? 'null' : Array.isArray(value) ? 'an array' : String(value)}`);
  }
  const r = value as Record<string, unknown>;
  return {
    job_id: identifier(`${field}.jobId`, r.jobId),
    run_id: identifier(`${field}.runId`, r.runId),
    kind: oneOf(`${field}.kind`, r.kind, RESULT_KINDS),
    instance_type: identifier(`${field}.instanceType`, r.instanceType),
    path: identifier(`${field}.path`, r.path),
    isa: identifier(`${field}.isa`, r.isa),
    spec_json: jsonObject(`${field}.spec`, r.spec),
    result_json: jsonObject(`${field}.result`, r.result),
    fingerprint_json: jsonObject(`${field}.fingerprint`, r.fingerprint),
    median_ns: optionalNonNegative(`${field}.medianNs`, r.medianNs),
    tokens_per_s: optionalNonNegative(`${field}.tokensPerS`, r.tokensPerS),
    noisy: boolean(`${field}.noisy`, r.noisy) ? 1 : 0,
    // Not checked to be in order: the wall clock may step (NTP) while a job runs.
    started_at: timestamp(`${field}.startedAt`, r.startedAt),
    finished_at: timestamp(`${field}.finishedAt`, r.finishedAt),
  };
}

function prepareStatements(db: Database.Database) {
  return {
    insertRun: db.prepare(`
      INSERT INTO runs (id, started_at, finished_at, matrix_name, matrix_json, order_seed, order_json,
                        instance_type, fingerprint_json, status, tool_version)
      VALUES (@id, @started_at, NULL, @matrix_name, @matrix_json, @order_seed, @order_json,
              @instance_type, @fingerprint_json, 'running', @tool_version)`),
    setRunStatus: db.prepare('UPDATE runs SET status = ?, finished_at = ? WHERE id = ?'),
    run: db.prepare('SELECT * FROM runs WHERE id = ?'),
    runs: db.prepare('SELECT * FROM runs ORDER BY started_at, id'),
    runExists: db.prepare('SELECT 1 FROM runs WHERE id = ?').pluck(),
    // First result wins: a job delivered twice (a stalled queue job, a resumed run) keeps
    // the result it got first, and the second write is a no-op rather than an error.
    insertResult: db.prepare(`
      INSERT INTO results (job_id, run_id, kind, instance_type, path, isa, spec_json, result_json,
                           fingerprint_json, median_ns, tokens_per_s, noisy, started_at, finished_at)
      VALUES (@job_id, @run_id, @kind, @instance_type, @path, @isa, @spec_json, @result_json,
              @fingerprint_json, @median_ns, @tokens_per_s, @noisy, @started_at, @finished_at)
      ON CONFLICT (job_id) DO NOTHING`),
    allResults: db.prepare('SELECT * FROM results ORDER BY rowid'),
    resultsOfRuns: db.prepare('SELECT * FROM results WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY rowid'),
    completedJobIds: db.prepare('SELECT job_id FROM results WHERE run_id = ?').pluck(),
    hasResult: db.prepare('SELECT 1 FROM results WHERE job_id = ?').pluck(),
    insertFailure: db.prepare('INSERT INTO failures (job_id, run_id, reason, signal, at, instance_type) VALUES (?, ?, ?, ?, ?, ?)'),
    failures: db.prepare(`
      SELECT job_id, run_id, reason, signal, at, instance_type,
             row_number() OVER (PARTITION BY run_id, job_id ORDER BY id) AS attempt
      FROM failures WHERE (@run IS NULL OR run_id = @run) ORDER BY id`),
    failureCounts: db.prepare('SELECT job_id, count(*) AS attempts FROM failures WHERE run_id = ? GROUP BY job_id'),
  };
}

export class ResultStore {
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly insertResults: Database.Transaction<(rows: { row: ResultRow; field: string }[]) => number>;
  private closed = false;

  private constructor(
    /** The file this store reads and writes (':memory:' for a throwaway one). */
    readonly file: string,
    private readonly db: Database.Database,
  ) {
    this.statements = prepareStatements(db);
    this.insertResults = db.transaction((rows: { row: ResultRow; field: string }[]) => {
      let written = 0;
      for (const { row, field } of rows) {
        // Inside the transaction: a missing run anywhere in the batch undoes the rows before it.
        this.requireRun(row.run_id, `${field}.runId`);
        written += this.statements.insertResult.run(row).changes;
      }
      return written;
    });
  }

  /**
   * Opens (creating the folder and the file unless `mustExist` or `readonly`) and brings the
   * schema up to date.
   */
  static open(file: string = DEFAULT_STORE_FILE, options: OpenOptions = {}): ResultStore {
    const readonly = options.readonly ?? false;
    const mustExist = (options.mustExist ?? false) || readonly;
    const memory = file === ':memory:';
    if (mustExist && !memory && !existsSync(file)) throw new StoreNotFoundError(file);
    if (!mustExist && !memory) mkdirSync(dirname(file), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(file, { readonly, fileMustExist: mustExist, timeout: BUSY_TIMEOUT_MS });
    } catch (error) {
      if (mustExist && !existsSync(file)) throw new StoreNotFoundError(file);
      throw error;
    }
    try {
      if (!readonly && !memory) {
        // WAL: readers (export, reports) never block the writer, and a commit is one append.
        db.pragma('journal_mode = WAL');
        // FULL: a committed result survives a power cut too; a result cost minutes of
        // benchmarking and commits are rare, so the fsync is cheap by comparison.
        db.pragma('synchronous = FULL');
      }
      db.pragma('foreign_keys = ON');
      migrate(db, file, readonly);
      return new ResultStore(file, db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Starts a run in status 'running'. An id that already exists is an error: resume it instead. */
  createRun(run: NewRun): StoredRun {
    if (run === null || typeof run !== 'object') throw new TypeError('Expected an object for run');
    const row = {
      id: identifier('run.id', run.id),
      started_at: timestamp('run.startedAt', run.startedAt),
      matrix_name: identifier('run.matrixName', run.matrixName),
      matrix_json: jsonObject('run.matrix', run.matrix),
      order_seed: safeInteger('run.orderSeed', run.orderSeed),
      order_json: JSON.stringify(identifierList('run.order', run.order)),
      instance_type: identifier('run.instanceType', run.instanceType),
      fingerprint_json: jsonObject('run.fingerprint', run.fingerprint),
      tool_version: identifier('run.toolVersion', run.toolVersion),
    };
    this.db
      .transaction(() => {
        if (this.statements.runExists.get(row.id) !== undefined) {
          throw new Error(`Run '${row.id}' already exists in ${this.file}; resume it (resumeRun) or choose another id`);
        }
        this.statements.insertRun.run(row);
      })
      .immediate();
    return this.getRun(row.id)!;
  }

  /** Marks an existing run as running again (a resume); its results and failures stay. */
  resumeRun(id: string): StoredRun {
    this.setStatus(identifier('id', id), 'running', null);
    return this.getRun(id)!;
  }

  /** Ends a run: 'finished' when every job ran (or failed), 'interrupted' when it was stopped. */
  finishRun(id: string, status: Exclude<RunStatus, 'running'>, finishedAt: string = new Date().toISOString()): StoredRun {
    identifier('id', id);
    oneOf('status', status, ['finished', 'interrupted'] as const);
    this.setStatus(id, status, timestamp('finishedAt', finishedAt));
    return this.getRun(id)!;
  }

  getRun(id: string): StoredRun | undefined {
    const row = this.statements.run.get(identifier('id', id)) as RunRow | undefined;
    return row && runFromRow(row);
  }

  /** Every run, oldest first. */
  listRuns(): StoredRun[] {
    return (this.statements.runs.all() as RunRow[]).map(runFromRow);
  }

  /** Job ids of the run that have a result: what a resume skips. */
  completedJobIds(runId: string): Set<string> {
    return new Set(this.statements.completedJobIds.all(identifier('runId', runId)) as string[]);
  }

  /**
   * Saves one result. Returns true when it was written, false when the job already had a
   * result (the same one again, or a different one: the first is kept).
   */
  saveResult(result: StoredResult): boolean {
    return this.insertResults.immediate([{ row: resultRow(result, 'result'), field: 'result' }]) === 1;
  }

  /**
   * Saves several results all or nothing: an invalid item or an unknown run anywhere writes
   * none of them. Returns how many were new (jobs that already had a result are kept as they were).
   */
  saveResults(results: readonly StoredResult[]): number {
    if (!Array.isArray(results)) throw new TypeError('Expected an array for results');
    const rows = results.map((result, index) => ({ row: resultRow(result, `results[${index}]`), field: `results[${index}]` }));
    return this.insertResults.immediate(rows);
  }

  /**
   * Records one failed attempt of a job. Returns false (and records nothing) when the job
   * already has a result: it is done, and a late failure of a duplicate delivery says nothing.
   */
  saveFailure(failure: NewFailure): boolean {
    if (failure === null || typeof failure !== 'object') throw new TypeError('Expected an object for failure');
    const jobId = identifier('failure.jobId', failure.jobId);
    const runId = identifier('failure.runId', failure.runId);
    const reason = text('failure.reason', failure.reason);
    const signal = failure.signal === undefined || failure.signal === null ? null : identifier('failure.signal', failure.signal);
    const at = timestamp('failure.at', failure.at ?? new Date().toISOString());
    const instanceType = failure.instanceType === undefined ? null : identifier('failure.instanceType', failure.instanceType);
    return this.db
      .transaction(() => {
        this.requireRun(runId, 'failure.runId');
        if (this.statements.hasResult.get(jobId) !== undefined) return false;
        this.statements.insertFailure.run(jobId, runId, reason, signal, at, instanceType);
        return true;
      })
      .immediate();
  }

  /** Results in the order they were saved, of the given runs (default: all). */
  results(options: { runIds?: readonly string[] } = {}): StoredResult[] {
    const { runIds } = options;
    if (runIds === undefined) return (this.statements.allResults.all() as ResultRow[]).map(resultFromRow);
    if (!Array.isArray(runIds)) throw new TypeError('Expected an array of run ids for runIds');
    runIds.forEach((id, index) => identifier(`runIds[${index}]`, id));
    return (this.statements.resultsOfRuns.all(JSON.stringify(runIds)) as ResultRow[]).map(resultFromRow);
  }

  /** Failed attempts in the order they happened, of one run (default: all runs). */
  failures(runId?: string): StoredFailure[] {
    const rows = this.statements.failures.all({ run: runId === undefined ? null : identifier('runId', runId) }) as FailureRow[];
    return rows.map((row) => ({ jobId: row.job_id, runId: row.run_id, reason: row.reason, signal: row.signal, at: row.at, attempt: row.attempt, instanceType: row.instance_type }));
  }

  /** Failed attempts per job id of one run: what a retry policy reads. */
  failureCounts(runId: string): Map<string, number> {
    const rows = this.statements.failureCounts.all(identifier('runId', runId)) as { job_id: string; attempts: number }[];
    return new Map(rows.map((row) => [row.job_id, row.attempts]));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private requireRun(runId: string, field: string): void {
    if (this.statements.runExists.get(runId) === undefined) {
      throw new RangeError(`No run '${runId}' in ${this.file} for ${field}; create it with createRun first`);
    }
  }

  private setStatus(id: string, status: RunStatus, finishedAt: string | null): void {
    if (this.statements.setRunStatus.run(status, finishedAt, id).changes === 0) {
      throw new RangeError(`No run '${id}' in ${this.file}`);
    }
  }
}

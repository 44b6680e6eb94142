// The durable result store: one SQLite file holding runs, results (one per job, first one
// wins), trials (one per trial of a job, first one wins) and failures (one per attempt). Every
// write is one transaction, so a crash or a kill mid-write leaves the file as it was before that
// write, never a half row. Reading skips (and warns about) a row it cannot read.
//
// The pieces: store-types.ts (what goes in and comes out), store-rows.ts (rows both ways),
// store-statements.ts (the SQL), open-database.ts and store-schema.ts (the file and its
// migrations), row-reader.ts (bad rows), store-validation.ts (field checks).
import type Database from 'better-sqlite3';
import { openDatabase } from './open-database.js';
import { nameRow, readRows, warnOnStderr } from './row-reader.js';
import {
  failureFromRow,
  resultFromRow,
  resultRow,
  runFromRow,
  trialFromRow,
  trialRow,
  type FailureRow,
  type ResultRow,
  type RunRow,
  type TrialRow,
} from './store-rows.js';
import { prepareStatements, type StoreStatements } from './store-statements.js';
import {
  DEFAULT_STORE_FILE,
  type NewFailure,
  type NewRun,
  type NewTrial,
  type OpenOptions,
  type RunStatus,
  type StoredFailure,
  type StoredResult,
  type StoredRun,
  type StoredTrial,
} from './store-types.js';
import { identifier, identifierList, jsonObject, oneOf, safeInteger, text, timestamp } from './store-validation.js';

export * from './store-types.js';

const runName = nameRow<RunRow>('runs', 'id');
const resultName = nameRow<ResultRow>('results', 'job_id', 'run_id');
const trialName = nameRow<TrialRow>('trials', 'job_id', 'trial');
const failureName = nameRow<FailureRow>('failures', 'job_id', 'run_id');

export class ResultStore {
  private readonly statements: StoreStatements;
  private readonly insertResults: Database.Transaction<(rows: { row: ResultRow; field: string }[]) => number>;
  private readonly warn: (message: string) => void;
  private closed = false;

  private constructor(
    /** The file this store reads and writes (':memory:' for a throwaway one). */
    readonly file: string,
    private readonly db: Database.Database,
    warn: (message: string) => void,
  ) {
    this.warn = warn;
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
    return new ResultStore(file, openDatabase(file, options), options.onWarning ?? warnOnStderr);
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

  /** The run, or undefined when there is none (or its row cannot be read: that is warned about). */
  getRun(id: string): StoredRun | undefined {
    const row = this.statements.run.get(identifier('id', id)) as RunRow | undefined;
    return row && readRows([row], runFromRow, runName, this.file, this.warn)[0];
  }

  /** Every run, oldest first. */
  listRuns(): StoredRun[] {
    return readRows(this.statements.runs.all() as RunRow[], runFromRow, runName, this.file, this.warn);
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

  /** Saves one trial of a job; false when that trial was already stored (the first is kept). */
  saveTrial(trial: NewTrial): boolean {
    const row = trialRow(trial, 'trial');
    return this.db
      .transaction(() => {
        this.requireRun(row.run_id, 'trial.runId');
        return this.statements.insertTrial.run(row).changes === 1;
      })
      .immediate();
  }

  /** Stored trials of one job, or of every job of one run, by job and trial index. */
  trials(of: { jobId: string } | { runId: string }): StoredTrial[] {
    const rows = ('jobId' in of
      ? this.statements.trialsOfJob.all(identifier('jobId', of.jobId))
      : this.statements.trialsOfRun.all(identifier('runId', of.runId))) as TrialRow[];
    return readRows(rows, trialFromRow, trialName, this.file, this.warn);
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
    let rows: ResultRow[];
    if (runIds === undefined) rows = this.statements.allResults.all() as ResultRow[];
    else {
      if (!Array.isArray(runIds)) throw new TypeError('Expected an array of run ids for runIds');
      runIds.forEach((id, index) => identifier(`runIds[${index}]`, id));
      rows = this.statements.resultsOfRuns.all(JSON.stringify(runIds)) as ResultRow[];
    }
    return readRows(rows, resultFromRow, resultName, this.file, this.warn);
  }

  /** Failed attempts in the order they happened, of one run (default: all runs). */
  failures(runId?: string): StoredFailure[] {
    const rows = this.statements.failures.all({ run: runId === undefined ? null : identifier('runId', runId) }) as FailureRow[];
    return readRows(rows, failureFromRow, failureName, this.file, this.warn);
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

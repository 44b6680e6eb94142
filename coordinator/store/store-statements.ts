// Every SQL statement the result store runs, prepared once per open store.
import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';

type StatementName =
  | 'insertRun' | 'setRunStatus' | 'run' | 'runs' | 'runExists' | 'insertResult' | 'allResults' | 'resultsOfRuns'
  | 'completedJobIds' | 'hasResult' | 'insertTrial' | 'trialsOfRun' | 'trialsOfJob' | 'insertFailure' | 'failures' | 'failureCounts';

// Typed as plain statements: callers cast what `.get`/`.all` return to the row types in store-rows.ts.
export function prepareStatements(db: Database.Database): Record<StatementName, Statement> {
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
                           fingerprint_json, median_ns, tokens_per_s, noisy, started_at, finished_at, host)
      VALUES (@job_id, @run_id, @kind, @instance_type, @path, @isa, @spec_json, @result_json,
              @fingerprint_json, @median_ns, @tokens_per_s, @noisy, @started_at, @finished_at, @host)
      ON CONFLICT (job_id) DO NOTHING`),
    allResults: db.prepare('SELECT * FROM results ORDER BY rowid'),
    resultsOfRuns: db.prepare('SELECT * FROM results WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY rowid'),
    completedJobIds: db.prepare('SELECT job_id FROM results WHERE run_id = ?').pluck(),
    hasResult: db.prepare('SELECT 1 FROM results WHERE job_id = ?').pluck(),
    // First trial wins too, for the same reasons.
    insertTrial: db.prepare(`
      INSERT INTO trials (job_id, run_id, trial, position, host, result_json, started_at, finished_at)
      VALUES (@job_id, @run_id, @trial, @position, @host, @result_json, @started_at, @finished_at)
      ON CONFLICT (job_id, trial) DO NOTHING`),
    trialsOfRun: db.prepare('SELECT * FROM trials WHERE run_id = ? ORDER BY job_id, trial'),
    trialsOfJob: db.prepare('SELECT * FROM trials WHERE job_id = ? ORDER BY trial'),
    insertFailure: db.prepare('INSERT INTO failures (job_id, run_id, reason, signal, at, instance_type) VALUES (?, ?, ?, ?, ?, ?)'),
    failures: db.prepare(`
      SELECT job_id, run_id, reason, signal, at, instance_type,
             row_number() OVER (PARTITION BY run_id, job_id ORDER BY id) AS attempt
      FROM failures WHERE (@run IS NULL OR run_id = @run) ORDER BY id`),
    failureCounts: db.prepare('SELECT job_id, count(*) AS attempts FROM failures WHERE run_id = ? GROUP BY job_id'),
  };
}

export type StoreStatements = ReturnType<typeof prepareStatements>;

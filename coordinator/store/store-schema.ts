// The result store's tables and how a store file gets to the current layout. Each migration
// takes version v-1 to v and never changes once released: a store written by an older bitbench
// is brought forward on open, and one written by a newer bitbench is refused, not guessed at.
import type Database from 'better-sqlite3';

interface Migration {
  version: number;
  description: string;
  sql: string;
}

// STRICT tables refuse a value of the wrong type instead of storing it as something else;
// the CHECKs keep out what the TypeScript validation would already refuse, for any other writer.
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs, results (one per job), failures (one per attempt)',
    sql: `
      CREATE TABLE runs (
        id               TEXT PRIMARY KEY,
        started_at       TEXT NOT NULL,
        finished_at      TEXT,
        matrix_name      TEXT NOT NULL,
        matrix_json      TEXT NOT NULL CHECK (json_valid(matrix_json)),
        order_seed       INTEGER NOT NULL,
        order_json       TEXT NOT NULL CHECK (json_valid(order_json)),
        instance_type    TEXT NOT NULL,
        fingerprint_json TEXT NOT NULL CHECK (json_valid(fingerprint_json)),
        status           TEXT NOT NULL CHECK (status IN ('running', 'finished', 'interrupted')),
        tool_version     TEXT NOT NULL
      ) STRICT;

      CREATE TABLE results (
        job_id           TEXT NOT NULL UNIQUE,
        run_id           TEXT NOT NULL REFERENCES runs(id),
        kind             TEXT NOT NULL CHECK (kind IN ('kernel', 'model')),
        instance_type    TEXT NOT NULL,
        path             TEXT NOT NULL,
        isa              TEXT NOT NULL,
        spec_json        TEXT NOT NULL CHECK (json_valid(spec_json)),
        result_json      TEXT NOT NULL CHECK (json_valid(result_json)),
        fingerprint_json TEXT NOT NULL CHECK (json_valid(fingerprint_json)),
        median_ns        REAL CHECK (median_ns IS NULL OR median_ns >= 0),
        tokens_per_s     REAL CHECK (tokens_per_s IS NULL OR tokens_per_s >= 0),
        noisy            INTEGER NOT NULL CHECK (noisy IN (0, 1)),
        started_at       TEXT NOT NULL,
        finished_at      TEXT NOT NULL
      ) STRICT;
      CREATE INDEX results_by_run ON results(run_id);

      CREATE TABLE failures (
        id      INTEGER PRIMARY KEY,
        job_id  TEXT NOT NULL,
        run_id  TEXT NOT NULL REFERENCES runs(id),
        reason  TEXT NOT NULL,
        signal  TEXT,
        at      TEXT NOT NULL
      ) STRICT;
      CREATE INDEX failures_by_run ON failures(run_id, job_id);
    `,
  },
  {
    version: 2,
    description: 'failures keep the instance type they happened on (a fleet run spans several)',
    sql: `ALTER TABLE failures ADD COLUMN instance_type TEXT;`,
  },
  {
    version: 3,
    description: 'trials (one per trial of a job, as it finishes); results keep the host that measured them',
    // A result from before trials stays as it is: readers take it as one trial (its own figure).
    // Its host is the fingerprint's EC2 instance id where there was one.
    sql: `
      CREATE TABLE trials (
        job_id       TEXT NOT NULL,
        run_id       TEXT NOT NULL REFERENCES runs(id),
        trial        INTEGER NOT NULL CHECK (trial >= 0),
        position     INTEGER CHECK (position IS NULL OR position >= 0),
        host         TEXT,
        result_json  TEXT NOT NULL CHECK (json_valid(result_json)),
        started_at   TEXT NOT NULL,
        finished_at  TEXT NOT NULL,
        PRIMARY KEY (job_id, trial)
      ) STRICT;
      CREATE INDEX trials_by_run ON trials(run_id);

      ALTER TABLE results ADD COLUMN host TEXT;
      UPDATE results SET host = json_extract(fingerprint_json, '$.instance.instanceId')
        WHERE json_type(fingerprint_json, '$.instance.instanceId') = 'text';
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?`).get(name) !== undefined;
}

/** 0 for a new file, else the newest migration applied; throws for a file that is not a store. */
export function schemaVersion(db: Database.Database, file: string): number {
  if (!hasTable(db, 'schema_version')) {
    const tables = db.prepare(`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().get() as number;
    if (tables > 0) throw new Error(`${file} is an SQLite database but not a bitbench result store (it has no schema_version table)`);
    return 0;
  }
  return (db.prepare('SELECT coalesce(max(version), 0) FROM schema_version').pluck().get() as number) ?? 0;
}

function refuseNewer(version: number, file: string): void {
  if (version > SCHEMA_VERSION) {
    throw new Error(`${file} has result store schema version ${version}, newer than this bitbench knows (${SCHEMA_VERSION}): upgrade bitbench to read it`);
  }
}

/** Brings the file to SCHEMA_VERSION (a read-only store must already be there). */
export function migrate(db: Database.Database, file: string, readonly: boolean): void {
  const version = schemaVersion(db, file);
  refuseNewer(version, file);
  if (version === SCHEMA_VERSION) return;
  if (readonly) {
    throw new Error(`${file} has result store schema version ${version}; open it once for writing (e.g. bitbench local --resume) to bring it to ${SCHEMA_VERSION}`);
  }
  // IMMEDIATE takes the write lock before reading the version again, so two processes opening
  // a new file at once apply each migration once: the second waits, then finds nothing to do.
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT NOT NULL) STRICT`);
    const now = schemaVersion(db, file);
    refuseNewer(now, file);
    const record = db.prepare('INSERT INTO schema_version (version, applied_at, description) VALUES (?, ?, ?)');
    for (const migration of MIGRATIONS) {
      if (migration.version <= now) continue;
      db.exec(migration.sql);
      record.run(migration.version, new Date().toISOString(), migration.description);
    }
  }).immediate();
}

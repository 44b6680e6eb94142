// Opening the store's SQLite file: create it (and its folder) or insist it exists, set how it
// writes, and bring its schema up to date.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './store-schema.js';
import { StoreNotFoundError, type OpenOptions } from './store-types.js';

// Several processes share one file (a local run and an export, or collectors): a writer waits
// this long for another's short transaction instead of failing with SQLITE_BUSY.
const BUSY_TIMEOUT_MS = 15_000;

export function openDatabase(file: string, options: OpenOptions): Database.Database {
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
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

// Opening the result store for commands that only read it: never creates one, and a missing
// store is a usage error that says how to make one.
import { ResultStore, StoreNotFoundError } from '../store/result-store.js';
import { UsageError } from './cli-error.js';

export function openStoreForReading(file: string): ResultStore {
  try {
    // Read-only: reading never creates a store, nor changes one another process is writing.
    return ResultStore.open(file, { readonly: true });
  } catch (error) {
    if (error instanceof StoreNotFoundError) {
      throw new UsageError(`--db: no result store at ${file} (run 'bitbench local' first, or pass --db FILE)`);
    }
    throw error;
  }
}

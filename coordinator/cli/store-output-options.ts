// The flags commands that read the store and write a file share: --db, -o and --format (taken
// from -o's extension when not given), checked the same way everywhere.
import { extname } from 'node:path';
import { DEFAULT_STORE_FILE } from '../store/result-store.js';
import { UsageError } from './cli-error.js';
import { oneOf } from './option-parsing.js';

export function storeOutputOptions<F extends string>(
  values: { db?: string; output?: string; format?: string },
  formats: readonly F[],
  formatByExtension: Record<string, F>,
  defaultFormat: F,
): { file: string; output: string | undefined; format: F } {
  if (values.db === '') throw new UsageError(`--db: expected a file name but received ''`);
  if (values.output === '') throw new UsageError(`-o/--output: expected a file name but received ''`);
  const fallback = (values.output && formatByExtension[extname(values.output).toLowerCase()]) || defaultFormat;
  return { file: values.db ?? DEFAULT_STORE_FILE, output: values.output, format: oneOf('format', values.format, formats, fallback) };
}

// Reading many stored rows where one may be bad (written by another tool, a newer bitbench, or
// damaged on disk): the bad one is named, skipped and warned about, and the rest are read. One
// unreadable row must never take a listing or a report down with it.

/** Where a bad row's warning goes by default: one line on stderr, control characters escaped. */
export function warnOnStderr(message: string): void {
  process.stderr.write(`bitbench: warning: ${message.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}\n`);
}

/** How a row is named in a warning: its key columns, quoted. */
export type RowName<Row> = (row: Row) => string;

function keyText(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

export function nameRow<Row extends object>(table: string, ...columns: (keyof Row & string)[]): RowName<Row> {
  return (row) => `${table} row ${columns.map((c) => `${c}=${keyText(row[c])}`).join(' ')}`;
}

/** Each row converted; a row whose conversion throws is skipped with a warning naming it. */
export function readRows<Row, Out>(
  rows: readonly Row[],
  convert: (row: Row) => Out,
  name: RowName<Row>,
  file: string,
  warn: (message: string) => void,
): Out[] {
  const out: Out[] = [];
  for (const row of rows) {
    try {
      out.push(convert(row));
    } catch (error) {
      warn(`skipped ${name(row)} in ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return out;
}

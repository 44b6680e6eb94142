// `--json` prints the same way in every command: one object on one line. A stream of them
// (`status --watch --json`) is then JSON lines, and `jq`, `JSON.parse` or a log shipper reads
// each without knowing which command wrote it.
export function jsonLine(value: unknown): string {
  return JSON.stringify(value) + '\n';
}

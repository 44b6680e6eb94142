// What the CLI prints goes through here: a string from a result (a CPU model, a worker's
// hostname, a job's error text, a matrix name) must not drive the reader's terminal. Control
// characters are shown escaped (`\u001b`), never sent; newlines and tabs stay so tables and
// multi-line messages still read. JSON printed through it stays the same JSON: outside strings
// JSON holds no control characters, and inside them `\uXXXX` is JSON's own escape.
import { escapeControlCharacters } from './control-characters.js';

/** Text safe to print: every control character but newline and tab escaped. */
export function terminalText(text: string): string {
  return escapeControlCharacters(text, '\n\t');
}

/** Text for one line (a progress line, a log line): newlines escaped too. */
export function terminalLine(text: string): string {
  return escapeControlCharacters(text, '\t');
}

/** Writes text, made safe, to stdout (or another stream). */
export function printOut(text: string, stream: NodeJS.WritableStream = process.stdout): void {
  stream.write(terminalText(text));
}

/** Writes text, made safe, to stderr. */
export function printErr(text: string): void {
  process.stderr.write(terminalText(text));
}

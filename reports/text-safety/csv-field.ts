// One CSV field (RFC 4180 quoting) that a spreadsheet reads as text, never as a formula.
// Following OWASP's CSV injection guidance: a text cell that starts with = + - @, a tab, CR or
// LF (or their full-width forms, which some spreadsheets fold to ASCII) gets a leading ' so it
// reads as text, and is quoted; a field holding a separator of any locale (',' ';' tab) or a
// quote is quoted, so no part of it can start a cell of its own. NUL and other control
// characters are escaped (`\u0000`); tabs and line breaks inside a quoted field are data.
import { escapeControlCharacters } from './control-characters.js';

const FORMULA_START = /^[=+\-@\t\r\n\uff1d\uff0b\uff0d\uff20]/;
const NEEDS_QUOTES = /[",;\t\r\n]|^\s|\s$/;

export function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  // A number is a number: -3 stays -3 (the formula guard is for text).
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = escapeControlCharacters(String(value), '\t\r\n');
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) || text.startsWith("'") ? `"${text.replaceAll('"', '""')}"` : text;
}

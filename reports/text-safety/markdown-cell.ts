// Text for a Markdown table cell. A result's strings must show as written, not render: HTML
// (`<script>`, `<img onerror>`) and entities become entities of their characters, Markdown's
// own marks (links, images, emphasis, code, the table's pipe) are backslash-escaped, line
// breaks (which would end the row) become spaces, control characters are shown escaped. A
// very long string is cut: one hostile value would otherwise widen every row of the table.
import { escapeControlCharacters } from './control-characters.js';

/** Longest cell text kept, in UTF-16 units; the whole value stays in the JSON and CSV exports. */
export const MARKDOWN_CELL_MAX = 200;

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

function shortened(text: string): string {
  if (text.length <= MARKDOWN_CELL_MAX) return text;
  let end = MARKDOWN_CELL_MAX - 1;
  // Never split a surrogate pair.
  if (/[\ud800-\udbff]/.test(text[end - 1]!)) end--;
  return `${text.slice(0, end)}…`;
}

export function markdownCell(value: string): string {
  const text = shortened(escapeControlCharacters(value.replace(/[\r\n]+/g, ' '), '\t').replaceAll('\t', ' '));
  return (
    text
      .replace(/[\\`*[\]|]/g, '\\$&')
      // An underscore inside a word never starts emphasis (dual_core stays as written).
      .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\_')
      .replace(/[&<>]/g, (c) => HTML_ENTITIES[c]!)
  );
}

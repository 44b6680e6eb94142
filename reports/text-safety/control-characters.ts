// Characters that act on whatever shows a text instead of being shown. Results carry strings
// from machines we do not control (CPU model, hostnames, error text), so every output escapes
// these before a reader sees them:
// - C0 controls: ESC starts terminal sequences (move the cursor, rewrite a line, set the window
//   title, write the clipboard with OSC 52); CR rewrites the line shown; NUL ends C strings.
// - DEL and the C1 controls: U+009B is a one-character CSI on terminals that honour C1.
// - Unicode bidirectional embeddings, overrides and isolates, which reorder what a reader sees
//   (Trojan Source, CVE-2021-42574).
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `\u001b` for ESC: visible, and the same escape JSON uses, so JSON text stays equal JSON. */
export function unicodeEscape(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** The text with every control character (except those in `keep`, e.g. '\n\t') escaped as `\uXXXX`. */
export function escapeControlCharacters(text: string, keep = ''): string {
  return text.replace(CONTROL_CHARACTERS, (c) => (keep.includes(c) ? c : unicodeEscape(c)));
}

/** Whether the text holds a control character (except those in `keep`). */
export function hasControlCharacters(text: string, keep = ''): boolean {
  for (const match of text.matchAll(CONTROL_CHARACTERS)) if (!keep.includes(match[0])) return true;
  return false;
}

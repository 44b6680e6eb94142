// JSON for files and pipes. JSON.stringify escapes C0 controls but writes C1 controls and
// bidirectional overrides raw; those become `\uXXXX` too, so a file that is later `cat` to a
// terminal or opened in an editor shows them instead of acting on them. The parsed value is
// unchanged: such characters can only sit inside strings, where `\uXXXX` means the same.
import { escapeControlCharacters } from './control-characters.js';

export function jsonText(value: unknown, space?: number): string {
  return escapeControlCharacters(JSON.stringify(value, null, space) ?? 'null', '\n');
}

// Run ids as they arrive in a query string: anything at all. One the store could never hold
// (empty, too long, with control characters: see store-validation's identifier) is answered
// 400 before the store is asked; an id it could hold but does not is 404.
import { hasControlCharacters } from '../../reports/text-safety/control-characters.js';

/** The store's limit on an identifier's length. */
const MAX_RUN_ID_LENGTH = 256;

export function isWellFormedRunId(id: string): boolean {
  return id.trim() !== '' && id.length <= MAX_RUN_ID_LENGTH && !hasControlCharacters(id);
}

/** An id short enough to echo back in an error page. */
export function shownId(id: string): string {
  return id.length > 60 ? `${id.slice(0, 57)}...` : id;
}

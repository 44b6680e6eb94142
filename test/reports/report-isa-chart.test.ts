// The ISA comparison chart: drawn where a path ran with several forced ISAs in one cell.
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../reports/build-report.js';
import { ResultStore } from '../../coordinator/store/result-store.js';
import { CELLS, INSTANCES, kernelResult, runOf } from '../fixtures/reports/fleet-fixture.js';

function forcedIsaInput(isas: string[]) {
  const instance = INSTANCES[0]!;
  const store = ResultStore.open(':memory:');
  store.createRun(runOf('run-isa', instance, '2025-03-01T10:00:00.000Z'));
  const results = isas.map((isa, i) => {
    const r = kernelResult('run-isa', instance, 'fused', CELLS[0]!, { seed: i + 1 });
    return {
      ...r,
      jobId: `${r.jobId}-${isa}`,
      isa,
      spec: { ...(r.spec as object), isa },
      result: { ...(r.result as object), isa, medianNs: (r.medianNs ?? 1) * (i + 1) },
      medianNs: (r.medianNs ?? 1) * (i + 1),
    };
  });
  store.saveResults(results);
  const input = { runs: [store.getRun('run-isa')!], results: store.results({ runIds: ['run-isa'] }), failures: [] };
  store.close();
  return input;
}

describe('ISA comparison chart', () => {
  it('draws one bar per forced ISA of a path', async () => {
    const { html } = await buildReport(forcedIsaInput(['avx512', 'avx2', 'scalar']));
    const start = html.indexOf('<figcaption>ISA comparison</figcaption>');
    expect(start).toBeGreaterThan(-1);
    const svg = html.slice(start, html.indexOf('</figure>', start));
    expect(svg).toContain('<svg');
    for (const isa of ['avx512', 'avx2', 'scalar']) expect(svg).toContain(isa);
    expect(svg).not.toContain('NaN');
  });

  it('is left out when every path ran with one ISA', async () => {
    const { html } = await buildReport(forcedIsaInput(['avx512']));
    expect(html).not.toContain('ISA comparison');
  });
});

// An instance type whose cores have ISA flags the guest does not show (AVX-512 hidden from a
// Zen 4 by its hypervisor) says so on its CPU card, so its AVX2 figures read as the
// instance's and not the part's.
import { describe, expect, it } from 'vitest';
import { ResultStore } from '../../coordinator/store/result-store.js';
import { buildReport } from '../../reports/build-report.js';
import { cpuCard } from '../../reports/cpu-card.js';
import { CELLS, INSTANCES, kernelResult, runOf, type InstanceFixture } from '../fixtures/reports/fleet-fixture.js';

const zen4 = INSTANCES.find((instance) => instance.microarchitecture === 'zen4')!;
const avx2Only: InstanceFixture = { ...zen4, instanceType: 'c7a.large', isa: 'avx2', isaFlags: { avx2: true, fma: true, avx512f: false, neon: false } };

describe('CPU card: ISA flags the part has and the instance does not show', () => {
  it('lists them from the microarchitecture and the flags, and nothing for a full set', () => {
    const hidden = cpuCard('c7a.large', runOf('r', avx2Only, '2025-03-01T10:00:00.000Z').fingerprint, new Set(['avx2']), new Set(['r']));
    expect(hidden.unexposedIsaFlags).toEqual(['avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx512_bf16']);
    const full = cpuCard('c7a.large', runOf('r', zen4, '2025-03-01T10:00:00.000Z').fingerprint, new Set(['avx512']), new Set(['r']));
    expect(full.unexposedIsaFlags).toEqual([]);
  });

  it('says so in the report page, beside the flags the instance has', async () => {
    const store = ResultStore.open(':memory:');
    try {
      store.createRun(runOf('run-a', avx2Only, '2025-03-01T10:00:00.000Z'));
      store.saveResults(CELLS.map((cell, i) => kernelResult('run-a', avx2Only, 'fused-i8', cell, { seed: i + 1 })));
      store.finishRun('run-a', 'finished', '2025-03-01T10:30:00.000Z');
      const { html } = await buildReport(
        { runs: [store.getRun('run-a')!], results: store.results({ runIds: ['run-a'] }), failures: [] },
        { title: 'hidden isa', generatedAt: '2025-03-02T00:00:00.000Z' },
      );
      expect(html).toContain(
        '<dt>ISA flags</dt><dd><code>avx2</code> <code>fma</code><br><span class="muted">not exposed here: <code>avx512f</code> <code>avx512bw</code>',
      );
      expect(html).toContain('(zen4 cores have them; hidden by the hypervisor or not enabled by the kernel)');
    } finally {
      store.close();
    }
  });
});

// A report of 5,000 results stays a file of a few MB. Its render time is printed, never
// asserted: on a shared, loaded machine it took 22 s where a quiet one takes 3 s, and a timed
// test that fails under load blocks every landing.
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../reports/build-report.js';
import type { ReportResultInput, ReportRunInput } from '../../reports/report-data.js';
import { INSTANCES, kernelResult, PATHS, runOf, type InstanceFixture } from '../fixtures/reports/fleet-fixture.js';

describe('a report of 5,000 results', () => {
  it('renders to a file of a few MB', async () => {
    const runs: ReportRunInput[] = [];
    const results: ReportResultInput[] = [];
    let seed = 1;
    // 10 instance types x 5 paths x 100 cells (shapes x batches x threads x cache).
    for (let i = 0; i < 10; i++) {
      const instance: InstanceFixture = { ...INSTANCES[i % INSTANCES.length]!, instanceType: `m${i}.xlarge` };
      const run = runOf(`run-${i}`, instance, `2025-03-01T10:${String(i).padStart(2, '0')}:00.000Z`);
      runs.push(run);
      for (const n of [1024, 2048, 4096, 8192, 16384]) {
        for (const batch of [1, 4, 16, 64, 128]) {
          for (const threads of [1, 2]) {
            for (const cache of ['hot', 'cold'] as const) {
              for (const path of PATHS) results.push(kernelResult(run.id, instance, path, { n, k: 4096, batch, threads, cache }, { seed: seed++, sampleCount: 50 }));
            }
          }
        }
      }
    }
    expect(results).toHaveLength(5000);
    // Size only: how long the build takes is a benchmark's figure, not a test's.
    const { html } = await buildReport({ runs, results, failures: [] });
    const megabytes = Buffer.byteLength(html) / 1e6;
    // Per instance type a roofline (250 marks here) and a verdict table add about 1 MB at this scale.
    expect(megabytes).toBeLessThan(6);
  });
});

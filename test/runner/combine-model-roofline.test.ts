// A model cell's combined roofline: the highest of its trials', since the machine delivered at
// least that bandwidth, with where that trial's bandwidth came from.
import { describe, expect, it } from 'vitest';
import type { ModelResult } from '../../runner/model-job.js';
import { combineModelTrials } from '../../runner/trials/combine-model-trials.js';

function trial(stepMs: number, roofline: Pick<ModelResult, 'bandwidthGBs' | 'rooflineTokS' | 'probeBandwidthGBs' | 'bandwidthSource'>): ModelResult {
  const stepNs = Array.from({ length: 8 }, () => stepMs * 1e6);
  return {
    batch: 1,
    tokens: 8,
    stepNs,
    decodeTokS: 1000 / stepMs,
    prefillTokS: 50,
    ttftMs: 100,
    p50Ms: stepMs,
    p99Ms: stepMs,
    buildMs: 1,
    peakRssBytes: 1e9,
    bytesPerToken: 850e6,
    rooflineFraction: 1000 / stepMs / roofline.rooflineTokS,
    ...roofline,
  } as unknown as ModelResult;
}

const placement = (t: number) => ({ trial: t, startedAt: '2026-12-06T12:00:00Z', finishedAt: '2026-12-06T12:00:10Z' });

describe('combineModelTrials roofline', () => {
  it("takes the trial with the highest roofline, its bandwidth and that bandwidth's source", () => {
    const combined = combineModelTrials([
      { result: trial(30, { bandwidthGBs: 25, rooflineTokS: 25e9 / 850e6, probeBandwidthGBs: 25, bandwidthSource: 'probe' }), placement: placement(0) },
      { result: trial(25, { bandwidthGBs: 34, rooflineTokS: 34e9 / 850e6, probeBandwidthGBs: 13, bandwidthSource: 'run' }), placement: placement(1) },
    ]);
    expect(combined.bandwidthGBs).toBe(34);
    expect(combined.probeBandwidthGBs).toBe(13);
    expect(combined.bandwidthSource).toBe('run');
    expect(combined.rooflineFraction).toBeCloseTo(combined.decodeTokS / (34e9 / 850e6), 9);
    expect(combined.rooflineFraction).toBeLessThanOrEqual(1);
  });

  it('keeps results stored before the source was recorded as they were', () => {
    const combined = combineModelTrials([
      { result: trial(30, { bandwidthGBs: 30, rooflineTokS: 30e9 / 850e6 }), placement: placement(0) },
    ]);
    expect(combined.bandwidthGBs).toBe(30);
    expect(combined.bandwidthSource).toBeUndefined();
    expect(combined.probeBandwidthGBs).toBeUndefined();
  });
});

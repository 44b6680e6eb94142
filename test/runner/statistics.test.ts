import { describe, expect, it } from 'vitest';
import { coldFootprint, lastLevelCacheBytes } from '../../runner/cold-footprint.js';
import { median, summarize } from '../../runner/statistics.js';

describe('summarize', () => {
  it('gives the median, mean, spread and a confidence interval around the median', () => {
    const samples = [5, 1, 4, 2, 3, 100];
    const s = summarize(samples);
    expect(s.medianNs).toBe(3.5);
    expect(s.meanNs).toBeCloseTo(115 / 6);
    expect(s.minNs).toBe(1);
    expect(s.maxNs).toBe(100);
    expect(s.ci95Ns[0]).toBeLessThanOrEqual(s.medianNs);
    expect(s.ci95Ns[1]).toBeGreaterThanOrEqual(s.medianNs);
    expect(s.cv).toBeGreaterThan(1);
  });

  it('narrows the interval as samples grow', () => {
    const noisy = (n: number) => Array.from({ length: n }, (_, i) => 1000 + ((i * 7919) % 101));
    const small = summarize(noisy(20));
    const large = summarize(noisy(2000));
    expect(large.ci95Ns[1] - large.ci95Ns[0]).toBeLessThan(small.ci95Ns[1] - small.ci95Ns[0]);
  });

  it('rejects an empty sample', () => {
    expect(() => summarize([])).toThrow(RangeError);
    expect(median([])).toBeNaN();
  });
});

describe('coldFootprint', () => {
  it('wants at least 1 GiB and four times the last-level cache', () => {
    expect(coldFootprint(64 * 2 ** 30, 32 * 2 ** 20)).toEqual({ bytes: 2 ** 30, lastLevelCacheBytes: 32 * 2 ** 20, limitedByMemory: false });
    expect(coldFootprint(64 * 2 ** 30, 512 * 2 ** 20).bytes).toBe(2 * 2 ** 30);
  });

  it('never takes more than half the free memory, and says so', () => {
    const fp = coldFootprint(1 * 2 ** 30, 32 * 2 ** 20);
    expect(fp.bytes).toBe(2 ** 29);
    expect(fp.limitedByMemory).toBe(true);
  });

  it('reads the last-level cache size from sysfs', () => {
    expect(lastLevelCacheBytes('/nonexistent')).toBe(0);
    if (process.platform === 'linux') expect(lastLevelCacheBytes()).toBeGreaterThan(0);
  });
});

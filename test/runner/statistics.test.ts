import { describe, expect, it } from 'vitest';
import { coldFootprint, lastLevelCacheBytes } from '../../runner/cold-footprint.js';
import { bootstrapMedianCi, madOutliers, median, quantile, summarize } from '../../runner/statistics.js';
import { readCpuTimes, stealFraction } from '../../runner/cpu-steal.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

  it('gives p10/p90 and flags outliers by MAD without dropping them', () => {
    const samples = [100, 101, 99, 100, 102, 98, 100, 500];
    const s = summarize(samples);
    expect(s.count).toBe(8);
    expect(s.outliers).toEqual([7]);
    expect(s.maxNs).toBe(500);
    expect(s.p10Ns).toBeLessThanOrEqual(s.medianNs);
    expect(s.p90Ns).toBeGreaterThanOrEqual(s.medianNs);
    expect(quantile([1, 2, 3, 4, 5], 50)).toBe(3);
    expect(madOutliers([5, 5, 5, 5])).toEqual([]);
  });

  it('bootstraps a median interval that covers the true median of a known distribution', () => {
    // Uniform on [0, 1000): the true median is 500. With 400 samples the 95% interval should
    // contain it, be seeded (repeatable), and be a few percent wide.
    let state = 7;
    const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
    const samples = Array.from({ length: 400 }, () => random() * 1000);
    const [lo, hi] = bootstrapMedianCi(samples);
    expect(lo).toBeLessThan(500);
    expect(hi).toBeGreaterThan(500);
    expect(hi - lo).toBeLessThan(150);
    expect(bootstrapMedianCi(samples)).toEqual([lo, hi]);
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

describe('cpu steal', () => {
  it('reads the steal column of /proc/stat and turns two readings into a fraction', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bitbench-stat-'));
    const file = join(dir, 'stat');
    writeFileSync(file, 'cpu  100 0 50 800 10 0 0 40 0 0\ncpu0 1 2 3\n');
    const before = readCpuTimes(file)!;
    writeFileSync(file, 'cpu  200 0 100 1600 20 0 0 80 0 0\n');
    const after = readCpuTimes(file)!;
    expect(before).toEqual({ total: 1000, steal: 40 });
    expect(stealFraction(before, after)).toBeCloseTo(40 / 1000);
    expect(stealFraction(null, after)).toBe(0);
    expect(readCpuTimes('/nonexistent')).toBeNull();
  });
});

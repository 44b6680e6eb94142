// The timing loop runs in native code on a worker thread: the event loop stays free, every
// call is timed, and cold mode spans the requested footprint.
import { describe, expect, it } from 'vitest';
import { timeKernel } from '../../native/index.js';

const base = { n: 512, k: 512, batch: 1, threads: 2, warmup: 1, seed: 7 } as const;

describe('timeKernel', () => {
  it('keeps the event loop free while it times', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = Date.now();
    const timing = await timeKernel({ ...base, path: 'cached-f32', cache: 'hot', coldBytes: 1, minSamples: 5, maxSamples: 100000, minTimeMs: 300 });
    clearInterval(timer);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(300);
    // A blocked loop would tick about once; a free one about elapsed / 5 times.
    expect(ticks).toBeGreaterThan(elapsed / 5 / 4);
    expect(timing.samplesNs.length).toBeGreaterThanOrEqual(5);
  });

  it('returns every sample, the preparation time apart, and stops at maxSamples', async () => {
    const timing = await timeKernel({ ...base, path: 'fused', cache: 'hot', coldBytes: 1, minSamples: 4, maxSamples: 9, minTimeMs: 10_000 });
    expect(timing.samplesNs).toBeInstanceOf(Float64Array);
    expect(timing.samplesNs.length).toBe(9);
    for (const ns of timing.samplesNs) expect(ns).toBeGreaterThan(0);
    expect(timing.prepareNs).toBeGreaterThan(0);
    expect(timing.copies).toBe(1);
  });

  it('rotates cold copies spanning at least coldBytes', async () => {
    const coldBytes = 64 * 2 ** 20;
    const timing = await timeKernel({ ...base, path: 'cached-bf16', cache: 'cold', coldBytes, minSamples: 3, maxSamples: 3, minTimeMs: 0 });
    expect(timing.copies).toBeGreaterThanOrEqual(2);
    expect(timing.footprintBytes).toBeGreaterThanOrEqual(coldBytes);
    expect(timing.copies * timing.preparedBytes).toBeLessThanOrEqual(timing.footprintBytes);
  });

  it('is deterministic for a seed: the same outputs on two runs', async () => {
    const spec = { ...base, path: 'fused', cache: 'hot', coldBytes: 1, minSamples: 1, maxSamples: 1, minTimeMs: 0 } as const;
    const [a, b] = [await timeKernel(spec), await timeKernel(spec)];
    expect(a.checksum).toBe(b.checksum);
    const other = await timeKernel({ ...spec, seed: 8 });
    expect(other.checksum).not.toBe(a.checksum);
  });
});

// The timing loop runs in native code on a worker thread: the event loop stays free, every
// call is timed, and cold mode spans the requested footprint.
import { describe, expect, it } from 'vitest';
import { timeKernel } from '../../native/index.js';

// Every sampling field is explicit (the typed wrapper has no defaults of its own).
const base = { n: 512, k: 512, batch: 1, threads: 2, warmup: 1, seed: 7, targetCv: 0, maxTimeMs: 0, useBlas: true } as const;

describe('timeKernel', () => {
  it('keeps the event loop free while it times', async () => {
    // Count event loop turns while the native loop times: a blocked loop gets none in, a free one
    // gets through many. Turns, not milliseconds, so a busy machine cannot fail this.
    let turns = 0;
    let timing: Awaited<ReturnType<typeof timeKernel>> | undefined;
    const pending = timeKernel({ ...base, path: 'cached-f32', cache: 'hot', coldBytes: 1, minSamples: 5, maxSamples: 100000, minTimeMs: 300 });
    void pending.then((t) => (timing = t));
    const spin = (): void => {
      if (timing) return;
      turns++;
      setImmediate(spin);
    };
    setImmediate(spin);
    await pending;
    expect(turns).toBeGreaterThan(10);
    // The loop's own contract: it times calls until their sum reaches minTimeMs.
    const timedNs = timing!.samplesNs.reduce((sum, ns) => sum + ns, 0);
    expect(timedNs).toBeGreaterThanOrEqual(300e6);
    expect(timing!.samplesNs.length).toBeGreaterThanOrEqual(5);
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

// The roofline's bandwidth: the probe's, or a memory-streaming run's own reads where faster.
import { describe, expect, it } from 'vitest';
import { rooflineOf } from '../../runner/roofline.js';

const MIB = 1024 ** 2;
const LLC = 32 * MIB;
const BYTES = 850e6; // 2B-4T with the int8 head: weights read once a step

describe('rooflineOf', () => {
  it('draws the roofline from the probe when the run read no faster', () => {
    // 32 steps at 40 ms: 21.25 GB/s read, the probe 30.
    const r = rooflineOf(30, BYTES, 32, 32 * 40e6, 1, LLC);
    expect(r.bandwidthSource).toBe('probe');
    expect(r.bandwidthGBs).toBe(30);
    expect(r.probeBandwidthGBs).toBe(30);
    expect(r.rooflineTokS).toBeCloseTo((30e9 / BYTES) * 1, 9);
  });

  it("takes the run's own rate when it read from memory faster than the probe", () => {
    // 32 steps at 25 ms: 34 GB/s, the probe 13: the machine delivered at least 34.
    const r = rooflineOf(13, BYTES, 32, 32 * 25e6, 1, LLC);
    expect(r.bandwidthSource).toBe('run');
    expect(r.bandwidthGBs).toBeCloseTo(BYTES / 25e6, 9);
    expect(r.probeBandwidthGBs).toBe(13);
    // The run then sits exactly on its roofline.
    expect(1 / r.rooflineTokS / 25e-3).toBeCloseTo(1, 9);
  });

  it('scales the roofline with the batch (a step reads the weights once for every sequence)', () => {
    expect(rooflineOf(30, BYTES, 8, 8 * 40e6, 4, LLC).rooflineTokS).toBeCloseTo(4 * (30e9 / BYTES), 6);
  });

  it('keeps the probe for a step small enough to stay in the last-level cache', () => {
    // 10 MB a step at 0.1 ms is 100 GB/s, from cache, not memory.
    const r = rooflineOf(30, 10e6, 16, 16 * 0.1e6, 1, LLC);
    expect(r.bandwidthSource).toBe('probe');
    expect(r.bandwidthGBs).toBe(30);
  });

  it('keeps the probe when the cache size is unknown or no step was timed', () => {
    expect(rooflineOf(13, BYTES, 32, 32 * 25e6, 1, 0).bandwidthSource).toBe('probe');
    expect(rooflineOf(13, BYTES, 0, 0, 1, LLC).bandwidthGBs).toBe(13);
  });
});

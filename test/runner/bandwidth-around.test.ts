// The roofline's bandwidth is measured on both sides of the work it judges, the higher kept:
// the work runs once, between the two measurements, and the figure is never below the one
// taken before it.
import { describe, expect, it } from 'vitest';
import { bandwidthAround, readBandwidthGBs } from '../../runner/bandwidth.js';

describe('bandwidthAround', () => {
  it('runs the work once, between two measurements, and keeps the higher', async () => {
    const before = await readBandwidthGBs(1, 'scalar');
    const events: string[] = [];
    const { result, bandwidthGBs } = await bandwidthAround(1, 'scalar', async () => {
      events.push('work');
      return 42;
    });
    expect(result).toBe(42);
    expect(events).toEqual(['work']);
    expect(bandwidthGBs).toBeGreaterThanOrEqual(before);
    expect(Number.isFinite(bandwidthGBs) && bandwidthGBs > 0).toBe(true);
  });

  it('lets the work fail without measuring after it', async () => {
    await expect(
      bandwidthAround(1, 'scalar', async () => {
        throw new Error('decode failed');
      }),
    ).rejects.toThrow('decode failed');
  });
});

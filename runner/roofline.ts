// The memory roofline a decode run is compared with: bandwidth / bytes read per step.
//
// The bandwidth is the probe's (measured around the run, runner/bandwidth.ts), unless the run
// itself read faster from memory: then the machine delivered at least that, and the run's own
// rate is the better estimate. On a shared 2-vCPU Zen 3 the probe (the dense fp32 rows, no
// software prefetch) read 13 GB/s before and after a 2B-4T decode that read 26 GB/s with the
// fused-i8 kernels' prefetched streams, and the run claimed 200% of its roofline.
// A step that reads less than four times the last-level cache may find its bytes there: its
// rate says nothing about memory, and its roofline stays the probe's (a tiny model then runs
// above it, which is what that share should say).
import { lastLevelCacheBytes } from './cold-footprint.js';

export type BandwidthSource = 'probe' | 'run';

export interface Roofline {
  /** The bandwidth the roofline is drawn from, GB/s (1e9 bytes). */
  bandwidthGBs: number;
  /** What the probe read around the run. */
  probeBandwidthGBs: number;
  /** Which of the two set the roofline. */
  bandwidthSource: BandwidthSource;
  rooflineTokS: number;
}

/**
 * @param decodeNs the decode steps' total time; @param steps their count; @param bytesPerStep
 * weights and KV cache read per step (for the whole batch); @param llcBytes the last-level
 * cache (0: unknown, and the probe's bandwidth is kept).
 */
export function rooflineOf(
  probeGBs: number,
  bytesPerStep: number,
  steps: number,
  decodeNs: number,
  batch: number,
  llcBytes = lastLevelCacheBytes(),
): Roofline {
  const fromMemory = llcBytes > 0 && bytesPerStep >= 4 * llcBytes;
  const runGBs = fromMemory && decodeNs > 0 && steps > 0 ? (bytesPerStep * steps) / decodeNs : 0;
  const fromRun = runGBs > probeGBs;
  const bandwidthGBs = fromRun ? runGBs : probeGBs;
  return {
    bandwidthGBs,
    probeBandwidthGBs: probeGBs,
    bandwidthSource: fromRun ? 'run' : 'probe',
    rooflineTokS: (batch * bandwidthGBs * 1e9) / bytesPerStep,
  };
}

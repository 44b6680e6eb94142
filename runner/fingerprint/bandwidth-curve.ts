// The machine's memory bandwidth at 1, 2, 4 ... all threads: the roofline a memory-bound
// decode is held against, and how it scales (one core rarely saturates a socket). Measured
// natively: a read pass through the dense fp32 GEMV (the bytes a cached path streams), and,
// where the addon returns it, STREAM's triad.
import { measureBandwidth } from '../../native/bandwidth.js';
import type { IsaName } from '../../native/index.js';
import { availableMemoryBytes } from '../memory-guard.js';
import { median } from '../statistics.js';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

export interface BandwidthPoint {
  threads: number;
  /** Median read bandwidth over the passes, GB/s (1e9 bytes). */
  readGBs: number;
  /** Median triad bandwidth (a = b + s·c, three streams); null when this addon has no triad probe. */
  triadGBs: number | null;
}

export interface BandwidthCurveOptions {
  /** Thread counts to measure, in order; default 1, 2, 4 ... and `maxThreads`. */
  threads?: number[];
  maxThreads?: number;
  /** Buffer per point; default bandwidthBufferBytes(lastLevelCacheBytes). */
  bytes?: number;
  lastLevelCacheBytes?: number;
  passes?: number;
  /** The read kernel's ISA; default the best supported (a forced slower ISA would lower the roofline). */
  isa?: IsaName;
}

/** 1, 2, 4 ... up to `max`, and `max` itself. */
export function bandwidthThreadCounts(max: number): number[] {
  if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`Expected a positive integer for max but received ${String(max)}`);
  const counts: number[] = [];
  for (let threads = 1; threads < max; threads *= 2) counts.push(threads);
  counts.push(max);
  return counts;
}

/**
 * At least 128 MiB and four times the last-level cache (all its instances: a buffer that fits
 * in a Genoa-X's 1 GiB of L3 measures the cache), at most 2 GiB and a quarter of free memory.
 */
export function bandwidthBufferBytes(lastLevelCacheBytes: number, availableBytes = availableMemoryBytes().bytes): number {
  const wanted = Math.min(2 * GIB, Math.max(128 * MIB, 4 * lastLevelCacheBytes));
  return Math.max(16 * MIB, Math.min(wanted, Math.floor(availableBytes / 4)));
}

function sortedMedian(values: readonly number[]): number {
  return median(Float64Array.from(values).sort());
}

export async function measureBandwidthCurve(options: BandwidthCurveOptions = {}): Promise<BandwidthPoint[]> {
  const threads = options.threads ?? bandwidthThreadCounts(options.maxThreads ?? 1);
  if (threads.length === 0) throw new RangeError('Expected at least one thread count for threads but received []');
  for (const count of threads) {
    if (!Number.isSafeInteger(count) || count < 1 || count > 4096) {
      throw new RangeError(`Expected threads to hold integers from 1 to 4096 but received ${String(count)}`);
    }
  }
  const bytes = options.bytes ?? bandwidthBufferBytes(options.lastLevelCacheBytes ?? 0);
  // Three passes: the median of three is stable here, and the curve runs at every start.
  const passes = options.passes ?? 3;
  const points: BandwidthPoint[] = [];
  // One point at a time: two probes at once would share the memory bus they measure.
  for (const count of threads) {
    const spec = { bytes, threads: count, passes, ...(options.isa ? { isa: options.isa } : {}) };
    const sample = await measureBandwidth(spec);
    const triad = Array.isArray(sample.triadGBs) && sample.triadGBs.length > 0 ? sortedMedian(sample.triadGBs) : null;
    points.push({ threads: count, readGBs: sortedMedian(sample.readGBs), triadGBs: triad });
  }
  return points;
}

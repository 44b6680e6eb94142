// The machine's memory read bandwidth, measured once per process and thread count: the
// roofline that memory-bound decoding is compared with.
import { measureBandwidth } from '../native/bandwidth.js';
import { resolveIsa, type IsaName } from '../native/index.js';
import { coldFootprint } from './cold-footprint.js';
import { median } from './statistics.js';

const measured = new Map<string, Promise<number>>();

/** Median GB/s (1e9 bytes) of several passes over a buffer well beyond the caches; measured anew each call. */
export function measureReadGBs(threads: number, isa: IsaName): Promise<number> {
  const bytes = Math.max(64 * 2 ** 20, Math.min(coldFootprint().bytes, 2 ** 30));
  return measureBandwidth({ bytes, threads, passes: 7, isa }).then((sample) => median(Float64Array.from(sample.readGBs).sort()));
}

/** The read bandwidth, measured on first use per thread count and ISA in this process. */
export function readBandwidthGBs(threads: number, isa?: IsaName): Promise<number> {
  const resolved = resolveIsa(isa);
  const key = `${threads}:${resolved}`;
  let result = measured.get(key);
  if (!result) {
    result = measureReadGBs(threads, resolved);
    measured.set(key, result);
  }
  return result;
}

/**
 * The read bandwidth a roofline for `work` is drawn from: measured before it and again after
 * it, the higher of the two. On a shared host a neighbour's burst during a single measurement
 * (medians from 24 to 32 GB/s a minute apart on a 2-vCPU Zen 4) lowered the roofline enough to
 * put a decode at 109% of it; the machine delivers at least the higher figure.
 */
export async function bandwidthAround<T>(threads: number, isa: IsaName, work: () => Promise<T>): Promise<{ result: T; bandwidthGBs: number }> {
  const before = await readBandwidthGBs(threads, isa);
  const result = await work();
  const after = await measureReadGBs(threads, isa);
  return { result, bandwidthGBs: Math.max(before, after) };
}

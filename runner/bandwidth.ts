// The machine's memory read bandwidth, measured once per process and thread count: the
// roofline that memory-bound decoding is compared with.
import { measureBandwidth } from '../native/bandwidth.js';
import { resolveIsa, type IsaName } from '../native/index.js';
import { coldFootprint } from './cold-footprint.js';
import { median } from './statistics.js';

const measured = new Map<string, Promise<number>>();

/** Median GB/s (1e9 bytes) of several passes over a buffer well beyond the caches. */
export function readBandwidthGBs(threads: number, isa?: IsaName): Promise<number> {
  const resolved = resolveIsa(isa);
  const key = `${threads}:${resolved}`;
  let result = measured.get(key);
  if (!result) {
    const bytes = Math.max(64 * 2 ** 20, Math.min(coldFootprint().bytes, 2 ** 30));
    result = measureBandwidth({ bytes, threads, passes: 7, isa: resolved })
      .then((sample) => median(Float64Array.from(sample.readGBs).sort()));
    measured.set(key, result);
  }
  return result;
}

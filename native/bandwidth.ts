// The typed wrapper of the addon's memory bandwidth probe: read (and, where the addon has it,
// STREAM's triad) GB/s over a buffer, one figure per pass. Policy (buffer size, passes, which
// thread counts) is the runner's.
import { nativeAddon, type IsaName } from './addon.js';

export interface BandwidthSpec {
  bytes: number;
  threads: number;
  passes?: number;
  isa?: IsaName;
}

export interface BandwidthSample {
  readGBs: number[];
  /** Absent where the addon has no triad probe. */
  triadGBs?: number[];
}

export function measureBandwidth(spec: BandwidthSpec): Promise<BandwidthSample> {
  return nativeAddon().measureBandwidth(spec);
}

// The compute probe's typed API: peak fp32 FMA and int8 dot-product rates per ISA, and the core
// clock they ran at (see native/src/probe/). The roofline's compute ceilings come from here.
import { nativeAddon, type IsaName, type PeakKind } from './addon.js';

export type { PeakKind } from './addon.js';

export interface ComputeProbeInfo {
  isa: IsaName;
  /** The instruction the fp32 loop is built on ('vfmadd231ps zmm', 'fmla v.4s', ...). */
  fp32Instruction: string;
  /** The instruction(s) of the int8 loop ('vpdpbusd zmm', 'sdot v.4s', ...). */
  int8Instruction: string;
}

export interface PeakOptions {
  isa: IsaName;
  kind: PeakKind;
  threads: number;
  /** About how long each timed pass runs; default 20 ms. */
  targetMs?: number;
  /** Timed passes; default 3. */
  passes?: number;
}

function checkThreads(threads: number): void {
  if (!Number.isSafeInteger(threads) || threads < 1 || threads > 4096) {
    throw new RangeError(`Expected an integer from 1 to 4096 for threads but received ${String(threads)}`);
  }
}

/** The ISAs this build has a probe for and this CPU supports, best first. */
export function computeProbes(): ComputeProbeInfo[] {
  return nativeAddon().computeProbes();
}

/** Operations per second (a multiply-add counts two), one per pass, over all threads. */
export async function measurePeakOps(options: PeakOptions): Promise<number[]> {
  checkThreads(options.threads);
  const { opsPerSecond } = await nativeAddon().measurePeak({ ...options });
  return opsPerSecond;
}

/** Core clock in GHz from a timed chain of dependent adds, one per pass; [] where the architecture has no chain. */
export async function measureClockGHz(options: { threads: number; targetMs?: number; passes?: number }): Promise<number[]> {
  checkThreads(options.threads);
  const { ghz } = await nativeAddon().measureClock({ ...options });
  return ghz;
}

// How many bytes of weight copies a cold-cache run rotates through: enough that no call
// finds its weights in the last-level cache (at least 1 GiB, and four times the LLC), but
// never more than half the memory that is free now.
import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';

const GIB = 1024 ** 3;

/** Size of the last-level cache in bytes, from sysfs; 0 when it cannot be read. */
export function lastLevelCacheBytes(sysfs = '/sys/devices/system/cpu/cpu0/cache'): number {
  let largest = 0;
  for (let index = 0; index < 8; index++) {
    try {
      const text = readFileSync(`${sysfs}/index${index}/size`, 'utf8').trim();
      const match = /^(\d+)([KMG]?)$/.exec(text);
      if (!match) continue;
      const unit = { '': 1, K: 1024, M: 1024 ** 2, G: GIB }[match[2] as '' | 'K' | 'M' | 'G'];
      largest = Math.max(largest, Number(match[1]) * unit);
    } catch {
      // No such cache level.
    }
  }
  return largest;
}

export interface ColdFootprint {
  bytes: number;
  lastLevelCacheBytes: number;
  /** Set when free memory forced a footprint smaller than wanted. */
  limitedByMemory: boolean;
}

export function coldFootprint(free = freemem(), llc = lastLevelCacheBytes()): ColdFootprint {
  const wanted = Math.max(GIB, 4 * llc);
  const allowed = Math.floor(free / 2);
  return { bytes: Math.min(wanted, allowed), lastLevelCacheBytes: llc, limitedByMemory: allowed < wanted };
}

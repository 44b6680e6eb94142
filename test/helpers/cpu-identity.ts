// What /proc/cpuinfo says this machine's first CPU is, for the tests that check a dispatch
// choice made by CPUID (dispatch/cpu-features.cc) against it.
import { readFileSync } from 'node:fs';

export interface CpuIdentity {
  vendor: string;
  family: number;
  model: number;
  flags: Set<string>;
}

/** vendor, family, model and flags of the first CPU in /proc/cpuinfo; undefined off Linux x86. */
export function cpuIdentity(): CpuIdentity | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.+)$`, 'm').exec(text)?.[1]?.trim();
  const vendor = field('vendor_id'), family = field('cpu family'), model = field('model');
  if (vendor === undefined || family === undefined || model === undefined) return undefined;
  return { vendor, family: Number(family), model: Number(model), flags: new Set((field('flags') ?? '').split(/\s+/)) };
}

/** AMD family 19h models 10h-1Fh, 60h-7Fh and A0h-AFh. */
export function isZen4(cpu: CpuIdentity): boolean {
  const { family, model } = cpu;
  return cpu.vendor === 'AuthenticAMD' && family === 0x19 &&
    ((model >= 0x10 && model < 0x20) || (model >= 0x60 && model < 0x80) || (model >= 0xa0 && model < 0xb0));
}

/** AMD family 1Ah. */
export function isZen5(cpu: CpuIdentity): boolean {
  return cpu.vendor === 'AuthenticAMD' && cpu.family === 0x1a;
}

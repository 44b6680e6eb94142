// What /proc/cpuinfo says the CPU is: vendor, model name and family/model/stepping on x86,
// implementer/part on Arm. The kernel prints one block per logical CPU; the first block
// describes the boot CPU, which is what a homogeneous cloud host has everywhere (Arm
// big.LITTLE parts are listed in `parts`).
import { cpus } from 'node:os';
import { systemReader, type SystemSources } from './system-sources.js';

export { microarchitecture } from './microarchitecture.js';

export interface X86CpuInfo {
  arch: 'x86';
  /** vendor_id: GenuineIntel, AuthenticAMD, HygonGenuine... */
  vendor: string;
  modelName: string | null;
  family: number;
  model: number;
  stepping: number | null;
  microcode: string | null;
  /** The kernel's flags for the CPU (what it saw, not what bitbench's own detection trusts). */
  flags: string[];
}

export interface ArmCpuInfo {
  arch: 'arm';
  /** The implementer's name where known (ARM, Apple, Ampere...), else its code as hex. */
  vendor: string;
  modelName: string | null;
  implementer: number;
  part: number;
  variant: number | null;
  revision: number | null;
  features: string[];
  /** Every distinct part among the CPUs (more than one on big.LITTLE). */
  parts: number[];
}

export interface UnknownCpuInfo {
  arch: 'unknown';
  vendor: string | null;
  modelName: string | null;
}

export type CpuInfo = X86CpuInfo | ArmCpuInfo | UnknownCpuInfo;

// Linux arch/arm64/include/asm/cputype.h.
const ARM_IMPLEMENTERS: Record<number, string> = {
  0x41: 'ARM',
  0x42: 'Broadcom',
  0x43: 'Cavium',
  0x46: 'Fujitsu',
  0x48: 'HiSilicon',
  0x4e: 'NVIDIA',
  0x50: 'APM',
  0x51: 'Qualcomm',
  0x61: 'Apple',
  0x6d: 'Microsoft',
  0xc0: 'Ampere',
};

type Block = Map<string, string>;

function parseBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let current: Block = new Map();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (line.trim() === '' || colon < 0) {
      if (line.trim() === '' && current.size > 0) {
        blocks.push(current);
        current = new Map();
      }
      continue;
    }
    current.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (current.size > 0) blocks.push(current);
  return blocks;
}

/** Decimal ("25") or hex ("0x41") as the kernel prints them; null when absent or malformed. */
function parseNumber(text: string | undefined): number | null {
  if (text === undefined) return null;
  const value = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text.slice(2), 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(value) ? value : null;
}

function words(text: string | undefined): string[] {
  return (text ?? '').split(/\s+/).filter((word) => word !== '');
}

export function parseCpuInfo(text: string): CpuInfo {
  const blocks = parseBlocks(text);
  const x86 = blocks.find((block) => block.has('vendor_id') && block.has('cpu family'));
  if (x86) {
    const family = parseNumber(x86.get('cpu family'));
    const model = parseNumber(x86.get('model'));
    if (family !== null && model !== null) {
      return {
        arch: 'x86',
        vendor: x86.get('vendor_id')!,
        modelName: x86.get('model name') || null,
        family,
        model,
        stepping: parseNumber(x86.get('stepping')),
        microcode: x86.get('microcode') || null,
        flags: words(x86.get('flags')),
      };
    }
  }
  const armBlocks = blocks.filter((block) => block.has('cpu implementer') && block.has('cpu part'));
  const arm = armBlocks[0];
  if (arm) {
    const implementer = parseNumber(arm.get('cpu implementer'));
    const part = parseNumber(arm.get('cpu part'));
    if (implementer !== null && part !== null) {
      const parts = [...new Set(armBlocks.map((block) => parseNumber(block.get('cpu part'))).filter((p) => p !== null))];
      // Old Arm kernels print Features once, in a block without "processor".
      const featureBlock = blocks.find((block) => block.has('features'));
      return {
        arch: 'arm',
        vendor: ARM_IMPLEMENTERS[implementer] ?? `0x${implementer.toString(16).padStart(2, '0')}`,
        modelName: arm.get('model name') || null,
        implementer,
        part,
        variant: parseNumber(arm.get('cpu variant')),
        revision: parseNumber(arm.get('cpu revision')),
        features: words((arm.get('features') ?? featureBlock?.get('features'))),
        parts,
      };
    }
  }
  const first = blocks[0];
  return { arch: 'unknown', vendor: first?.get('vendor_id') || null, modelName: first?.get('model name') || null };
}

/** /proc/cpuinfo parsed; where it says nothing, the model name Node reports (os.cpus()). */
export function readCpuInfo(sources: SystemSources = {}): CpuInfo {
  const text = systemReader(sources).read('/proc/cpuinfo');
  const info = parseCpuInfo(text ?? '');
  if (info.arch === 'unknown' && info.modelName === null && sources.root === undefined && sources.readText === undefined) {
    return { ...info, modelName: cpus()[0]?.model?.trim() || null };
  }
  return info;
}

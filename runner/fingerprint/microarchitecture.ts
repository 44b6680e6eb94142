// A microarchitecture name from family/model/stepping (x86) or implementer/part (Arm), where
// the numbers tell it; 'unknown' otherwise. The tables follow the Linux kernel's
// (arch/x86/include/asm/intel-family.h, the Zen ranges in arch/x86/kernel/cpu/amd.c,
// arch/arm64/include/asm/cputype.h). A guest's model name may be masked ("AMD EPYC"); the
// numbers usually are not, so they decide, unless the CPU's own flags contradict them (a
// hypervisor seen reporting Rocket Lake's model number on a core with AMX).
import type { CpuInfo } from './cpu-info.js';

interface IntelModel {
  models: number[];
  name: string | ((stepping: number | null) => string);
}

// Family 6 only: every Intel core since the Pentium Pro that a cloud offers.
// The Intel cores with AMX tiles: a model number outside these beside the amx_tile flag is a
// masked one, and the flag says at least Sapphire Rapids.
const INTEL_AMX_PARTS = new Set(['sapphirerapids', 'emeraldrapids', 'graniterapids']);

const INTEL_FAMILY_6: IntelModel[] = [
  { models: [0x2a], name: 'sandybridge' },
  { models: [0x2d], name: 'sandybridge-ep' },
  { models: [0x3a], name: 'ivybridge' },
  { models: [0x3e], name: 'ivybridge-ep' },
  { models: [0x3c, 0x3f, 0x45, 0x46], name: 'haswell' },
  { models: [0x3d, 0x47, 0x4f, 0x56], name: 'broadwell' },
  { models: [0x4e, 0x5e], name: 'skylake' },
  // One model number for three server generations; the stepping tells them apart.
  {
    models: [0x55],
    name: (stepping) => (stepping === null || stepping < 5 ? 'skylakex' : stepping < 10 ? 'cascadelake' : 'cooperlake'),
  },
  { models: [0x8e], name: 'kabylake' },
  // Kaby Lake (steppings up to 9) and Coffee Lake (10 and up) desktop parts share 0x9E.
  { models: [0x9e], name: (stepping) => (stepping !== null && stepping >= 10 ? 'coffeelake' : 'kabylake') },
  { models: [0xa5, 0xa6], name: 'cometlake' },
  { models: [0x66], name: 'cannonlake' },
  { models: [0x7d, 0x7e], name: 'icelake-client' },
  { models: [0x6a, 0x6c], name: 'icelake' },
  { models: [0x8c, 0x8d], name: 'tigerlake' },
  { models: [0xa7], name: 'rocketlake' },
  { models: [0x97, 0x9a], name: 'alderlake' },
  { models: [0xb7, 0xba, 0xbf], name: 'raptorlake' },
  { models: [0xaa, 0xac], name: 'meteorlake' },
  { models: [0xc5, 0xc6], name: 'arrowlake' },
  { models: [0xbd], name: 'lunarlake' },
  { models: [0x8f], name: 'sapphirerapids' },
  { models: [0xcf], name: 'emeraldrapids' },
  { models: [0xad, 0xae], name: 'graniterapids' },
  { models: [0xaf], name: 'sierraforest' },
];

type Range = [number, number];

function inRanges(value: number, ranges: Range[]): boolean {
  return ranges.some(([low, high]) => value >= low && value <= high);
}

function amdMicroarchitecture(family: number, model: number): string {
  switch (family) {
    case 0x17:
      if (model === 0x08 || model === 0x18) return 'zen+';
      if (inRanges(model, [[0x00, 0x2f], [0x50, 0x5f]])) return 'zen';
      if (inRanges(model, [[0x30, 0x4f], [0x60, 0x7f], [0x90, 0x91], [0xa0, 0xaf]])) return 'zen2';
      return 'unknown';
    case 0x19:
      if (inRanges(model, [[0x00, 0x0f], [0x20, 0x5f]])) return 'zen3';
      if (inRanges(model, [[0x10, 0x1f], [0x60, 0xaf]])) return 'zen4';
      return 'unknown';
    case 0x1a:
      if (inRanges(model, [[0x00, 0x2f], [0x40, 0x4f], [0x60, 0x7f]])) return 'zen5';
      if (inRanges(model, [[0x50, 0x5f], [0x80, 0xaf], [0xc0, 0xcf]])) return 'zen6';
      return 'unknown';
    default:
      return 'unknown';
  }
}

const ARM_PARTS: Record<number, string> = {
  0xd03: 'cortex-a53',
  0xd05: 'cortex-a55',
  0xd07: 'cortex-a57',
  0xd08: 'cortex-a72',
  0xd0b: 'cortex-a76',
  0xd0c: 'neoverse-n1',
  0xd40: 'neoverse-v1',
  0xd41: 'cortex-a78',
  0xd44: 'cortex-x1',
  0xd49: 'neoverse-n2',
  0xd4f: 'neoverse-v2',
  0xd83: 'neoverse-v3ae',
  0xd84: 'neoverse-v3',
  0xd8e: 'neoverse-n3',
};

const AMPERE_PARTS: Record<number, string> = { 0xac3: 'ampere-one' };

export function microarchitecture(info: CpuInfo): string {
  if (info.arch === 'x86') {
    if (info.vendor === 'GenuineIntel' && info.family === 6) {
      const entry = INTEL_FAMILY_6.find((candidate) => candidate.models.includes(info.model));
      if (!entry) return 'unknown';
      const name = typeof entry.name === 'string' ? entry.name : entry.name(info.stepping);
      if (info.flags.includes('amx_tile') && !INTEL_AMX_PARTS.has(name)) {
        return 'sapphirerapids-or-later';
      }
      return name;
    }
    if (info.vendor === 'AuthenticAMD') return amdMicroarchitecture(info.family, info.model);
    // Hygon's Dhyana is a licensed Zen 1.
    if (info.vendor === 'HygonGenuine' && info.family === 0x18) return 'dhyana';
    return 'unknown';
  }
  if (info.arch === 'arm') {
    if (info.implementer === 0x41) return ARM_PARTS[info.part] ?? 'unknown';
    if (info.implementer === 0x61) return 'apple';
    if (info.implementer === 0xc0) return AMPERE_PARTS[info.part] ?? 'unknown';
  }
  return 'unknown';
}

// The ISA flags a microarchitecture's cores have but this machine does not show. Cloud guests
// can be given less than their core has: a hypervisor that hides AVX-512 from a Zen 4 (seen
// here: family 19h model 11h, AVX2 only) or a kernel that does not enable the AMX tile state
// leaves bitbench running AVX2 kernels on a part a reader knows as an AVX-512 one. The
// figures stay true for that instance type; this says why they are not the part's best.
import type { FINGERPRINT_ISA_FLAGS } from './fingerprint.js';

type IsaFlag = (typeof FINGERPRINT_ISA_FLAGS)[number];

const AVX2: IsaFlag[] = ['avx2', 'fma'];
const AVX512: IsaFlag[] = [...AVX2, 'avx512f', 'avx512bw', 'avx512vl'];
const AVX512_VNNI: IsaFlag[] = [...AVX512, 'avx512_vnni'];
const INTEL_AMX: IsaFlag[] = [...AVX512_VNNI, 'avx512_bf16', 'avx_vnni', 'amx_tile', 'amx_int8', 'amx_bf16'];
const ZEN4: IsaFlag[] = [...AVX512_VNNI, 'avx512_bf16'];

// x86 names from microarchitecture.ts; the flags every core of that name has (client parts
// whose AVX-512 Intel fused off list none). Names not here (Arm, unknown) claim nothing.
const PART_FLAGS: Record<string, IsaFlag[]> = {
  haswell: AVX2,
  broadwell: AVX2,
  skylake: AVX2,
  kabylake: AVX2,
  coffeelake: AVX2,
  cometlake: AVX2,
  skylakex: AVX512,
  cascadelake: AVX512_VNNI,
  cooperlake: [...AVX512_VNNI, 'avx512_bf16'],
  'icelake-client': AVX512_VNNI,
  icelake: AVX512_VNNI,
  tigerlake: AVX512_VNNI,
  rocketlake: AVX512_VNNI,
  alderlake: [...AVX2, 'avx_vnni'],
  raptorlake: [...AVX2, 'avx_vnni'],
  meteorlake: [...AVX2, 'avx_vnni'],
  arrowlake: [...AVX2, 'avx_vnni'],
  lunarlake: [...AVX2, 'avx_vnni'],
  sierraforest: [...AVX2, 'avx_vnni'],
  sapphirerapids: INTEL_AMX,
  emeraldrapids: INTEL_AMX,
  graniterapids: INTEL_AMX,
  'sapphirerapids-or-later': INTEL_AMX,
  zen: AVX2,
  'zen+': AVX2,
  zen2: AVX2,
  zen3: AVX2,
  dhyana: AVX2,
  zen4: ZEN4,
  zen5: [...ZEN4, 'avx_vnni'],
};

/**
 * The flags `microarchitecture`'s cores have that `isaFlags` (bitbench's own detection, OS
 * support checked) reports absent or false, in the table's order; empty where the name is
 * not in the table.
 */
export function unexposedIsaFlags(microarchitecture: string | null, isaFlags: Record<string, boolean> | readonly string[]): string[] {
  const expected = microarchitecture === null ? undefined : PART_FLAGS[microarchitecture];
  if (!expected) return [];
  const present = Array.isArray(isaFlags)
    ? new Set<string>(isaFlags)
    : new Set(Object.entries(isaFlags as Record<string, boolean>).filter(([, on]) => on).map(([name]) => name));
  return expected.filter((flag) => !present.has(flag));
}

/** Why a machine lacks flags its microarchitecture's cores have, for a reader. */
export function unexposedIsaReason(microarchitecture: string): string {
  return `${microarchitecture} cores have them; hidden by the hypervisor or not enabled by the kernel`;
}

/** One line for a reader: which flags the part has that this machine does not show, and the likely why. */
export function unexposedIsaNote(microarchitecture: string | null, unexposed: readonly string[]): string | null {
  if (!unexposed.length || microarchitecture === null) return null;
  return `not exposed here: ${unexposed.join(' ')} (${unexposedIsaReason(microarchitecture)})`;
}

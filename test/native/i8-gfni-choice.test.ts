// The AVX-512 VNNI fused-i8 kernel (and AMX's, which runs it at batch 1) unpacks batch 1's code
// planes with gf2p8affineqb where the CPU has GFNI, except on Zen 4, where the shifts ran faster
// (dispatch/cpu-features.h, slowGfniPlanes). The choice is made by CPUID; this checks the
// kernel's name against what /proc/cpuinfo says this machine is. (Both kernels' products are
// checked against the reference in native/test/kernel-selftest.cc, on every x86 CPU with GFNI.)
import { describe, expect, it } from 'vitest';
import { implementations } from '../../native/index.js';
import { cpuIdentity, isZen4 } from '../helpers/cpu-identity.js';

const cpu = cpuIdentity();
const GFNI_NAME = 'unpacked by gf2p8affineqb';

for (const isa of ['avx512-vnni', 'amx-int8'] as const) {
  const impl = implementations().find((candidate) => candidate.name === isa);
  describe.skipIf(!impl?.supported || cpu === undefined)(`the ${isa} fused-i8 plane unpacking`, () => {
    const expected = cpu !== undefined && cpu.flags.has('gfni') && !isZen4(cpu);
    it(`${expected ? 'uses' : 'does not use'} gf2p8affineqb (this CPU: ${cpu?.vendor} family ${cpu?.family} model ${cpu?.model}, ${cpu?.flags.has('gfni') ? 'GFNI' : 'no GFNI'})`, () => {
      expect(impl!.i8Kernel!.includes(GFNI_NAME)).toBe(expected);
    });
  });
}

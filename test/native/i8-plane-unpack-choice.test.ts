// How the AVX-512 VNNI fused-i8 kernel (and AMX's, which runs it at batch 1) unpacks batch 1's
// code planes: on Zen 4 by masks alone into four scaled sums, elsewhere with gf2p8affineqb where
// the CPU has GFNI, else by a shift (dispatch/cpu-features.h, scaledPlanes). The choice is made
// by CPUID; this checks the kernel's name against what /proc/cpuinfo says this machine is.
// (Every variant's products are checked against the reference in
// native/test/kernel-selftest.cc, on every x86 CPU that can run it.)
import { describe, expect, it } from 'vitest';
import { implementations } from '../../native/index.js';
import { cpuIdentity, isZen4 } from '../helpers/cpu-identity.js';

const cpu = cpuIdentity();
const GFNI_NAME = 'unpacked by gf2p8affineqb';
const SCALED_NAME = 'masked into four scaled sums';

for (const isa of ['avx512-vnni', 'amx-int8'] as const) {
  const impl = implementations().find((candidate) => candidate.name === isa);
  describe.skipIf(!impl?.supported || cpu === undefined)(`the ${isa} fused-i8 plane unpacking`, () => {
    const scaled = cpu !== undefined && isZen4(cpu);
    const gfni = cpu !== undefined && cpu.flags.has('gfni') && !scaled;
    const expected = scaled ? SCALED_NAME : gfni ? GFNI_NAME : 'a shift';
    it(`unpacks by ${expected} (this CPU: ${cpu?.vendor} family ${cpu?.family} model ${cpu?.model}, ${cpu?.flags.has('gfni') ? 'GFNI' : 'no GFNI'})`, () => {
      expect(impl!.i8Kernel!.includes(GFNI_NAME)).toBe(gfni);
      expect(impl!.i8Kernel!.includes(SCALED_NAME)).toBe(scaled);
    });
  });
}

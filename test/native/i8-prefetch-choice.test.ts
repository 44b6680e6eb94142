// Every x86 fused-i8 table but scalar's has two batch-1 (and sparse) kernels that differ only in
// software prefetch: Zen 4 and Zen 5 run the AVX-512 VNNI, AVX-512BW and AVX-VNNI streams on the
// hardware prefetcher alone, Zen 5 alone the AVX2 streams, and every other CPU prefetches ahead
// in software (dispatch/cpu-features.h, streamsOnHardwarePrefetch and
// avx2StreamsOnHardwarePrefetch). The choice is made by CPUID; this checks it against what
// /proc/cpuinfo says this machine is, on machines with the ISA (qemu emulates no AMD CPU model
// with AVX2, so no other can be tried here), and that the kernel the choice names computes what
// the reference does, dense and over zero column blocks.
import { describe, expect, it } from 'vitest';
import { implementations, runPath } from '../../native/index.js';
import { packTernary } from '../../native/ternary-format.js';
import { cpuIdentity, isZen4, isZen5, type CpuIdentity } from '../helpers/cpu-identity.js';
import { createRng, randomActivations, randomTernaryWeights, referenceTernaryMatmul } from '../helpers/reference.js';

const cpu = cpuIdentity();
const CHOICES = {
  'avx512-vnni': { prefix: /^avx512-vnni fused-i8: vpdpbusd zmm/, where: 'Zen 4 and Zen 5', hardware: (c: CpuIdentity) => isZen4(c) || isZen5(c) },
  avx512: { prefix: /^avx512 fused-i8: vpmaddubsw \+ vpmaddwd zmm/, where: 'Zen 4 and Zen 5', hardware: (c: CpuIdentity) => isZen4(c) || isZen5(c) },
  'avx-vnni': { prefix: /^avx-vnni fused-i8: \{vex\} vpdpbusd ymm/, where: 'Zen 4 and Zen 5', hardware: (c: CpuIdentity) => isZen4(c) || isZen5(c) },
  avx2: { prefix: /^avx2 fused-i8: vpmaddubsw \+ vpmaddwd \(/, where: 'Zen 5', hardware: isZen5 },
} as const;

for (const [isa, choice] of Object.entries(CHOICES) as [keyof typeof CHOICES, (typeof CHOICES)[keyof typeof CHOICES]][]) {
  const impl = implementations().find((candidate) => candidate.name === isa);
  describe.skipIf(!impl?.supported || cpu === undefined)(`the ${isa} fused-i8 prefetch choice`, () => {
    it(`names the hardware prefetcher alone exactly on ${choice.where} (this CPU: ${cpu?.vendor} family ${cpu?.family} model ${cpu?.model})`, () => {
      expect(impl!.i8Kernel).toMatch(choice.prefix);
      expect(impl!.i8Kernel!.endsWith('; batch 1 on the hardware prefetcher alone')).toBe(choice.hardware(cpu!));
    });

    it('computes, at batch 1 on one and two threads, the products the reference computes', async () => {
      const rng = createRng(7);
      for (const { n, k } of [{ n: 37, k: 300 }, { n: 256, k: 1024 }]) {
        const weights = randomTernaryWeights(rng, n, k);
        const x = randomActivations(rng, 1, k);
        const reference = referenceTernaryMatmul(weights, x, n, k, 1, 1).y;
        for (const threads of [1, 2]) {
          const y = await runPath({ path: 'fused-i8', isa, weights: packTernary(weights, n, k), n, k, x, threads });
          let dot = 0, yy = 0, rr = 0;
          for (let i = 0; i < n; i++) dot += y[i]! * reference[i]!, yy += y[i]! ** 2, rr += reference[i]! ** 2;
          expect(dot / Math.sqrt(yy * rr), `n=${n} k=${k} threads=${threads}`).toBeGreaterThan(0.999);
        }
      }
    });

    it('runs its sparse kernel over zero column blocks bitwise as its dense kernel', async () => {
      const rng = createRng(11);
      const n = 256, k = 1024;
      const weights = packTernary(randomTernaryWeights(rng, n, k), n, k);
      const x = randomActivations(rng, 1, k);
      // Two of the four 256-column blocks zero: above the sparse kernel's threshold.
      x.fill(0, 0, 256);
      x.fill(0, 512, 768);
      for (const threads of [1, 2]) {
        const dense = await runPath({ path: 'fused-i8', isa, weights, n, k, x, threads });
        const sparse = await runPath({ path: 'fused-i8', isa, weights, n, k, x, threads, sparseKernel: true });
        expect(Array.from(sparse), `threads=${threads}`).toEqual(Array.from(dense));
      }
    });
  });
}

// The AVX-512 VNNI and AVX-512BW fused-i8 tables each have two batch-1 (and sparse) kernels
// that differ only in software prefetch: Zen 4 runs their streams on the hardware prefetcher
// alone, every other CPU prefetches ahead in software (dispatch/cpu-features.h,
// streamsOnHardwarePrefetch). The choice is made by CPUID; this checks it against what
// /proc/cpuinfo says this machine is, on machines with the ISA (qemu emulates no AVX-512, so
// no other CPU model can be tried here), and that the kernel the choice names computes what
// the reference does, dense and over zero column blocks.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { implementations, runPath } from '../../native/index.js';
import { packTernary } from '../../native/ternary-format.js';
import { createRng, randomActivations, randomTernaryWeights, referenceTernaryMatmul } from '../helpers/reference.js';

/** vendor, family and model of the first CPU in /proc/cpuinfo; undefined off Linux x86. */
function cpuIdentity(): { vendor: string; family: number; model: number } | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.+)$`, 'm').exec(text)?.[1]?.trim();
  const vendor = field('vendor_id'), family = field('cpu family'), model = field('model');
  if (vendor === undefined || family === undefined || model === undefined) return undefined;
  return { vendor, family: Number(family), model: Number(model) };
}

/** AMD family 19h models 10h-1Fh, 60h-7Fh and A0h-AFh. */
function isZen4(cpu: { vendor: string; family: number; model: number }): boolean {
  const { family, model } = cpu;
  return cpu.vendor === 'AuthenticAMD' && family === 0x19 &&
    ((model >= 0x10 && model < 0x20) || (model >= 0x60 && model < 0x80) || (model >= 0xa0 && model < 0xb0));
}

const cpu = cpuIdentity();
const KERNEL_PREFIX = {
  'avx512-vnni': /^avx512-vnni fused-i8: vpdpbusd zmm/,
  avx512: /^avx512 fused-i8: vpmaddubsw \+ vpmaddwd zmm/,
} as const;

for (const [isa, prefix] of Object.entries(KERNEL_PREFIX) as [keyof typeof KERNEL_PREFIX, RegExp][]) {
  const impl = implementations().find((candidate) => candidate.name === isa);
  describe.skipIf(!impl?.supported || cpu === undefined)(`the ${isa} fused-i8 prefetch choice`, () => {
    it(`names the hardware prefetcher alone exactly on Zen 4 (this CPU: ${cpu?.vendor} family ${cpu?.family} model ${cpu?.model})`, () => {
      expect(impl!.i8Kernel).toMatch(prefix);
      expect(impl!.i8Kernel!.endsWith('; batch 1 on the hardware prefetcher alone')).toBe(isZen4(cpu!));
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

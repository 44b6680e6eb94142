// The compute probe against what the hardware can do at most: each ISA's fp32 and int8 rate on
// T threads stays at or below T cores x the most operations per cycle any core of that ISA
// issues x the clock the probe's add chain read. A loop the compiler had simplified (a product
// hoisted out, a "scalar" loop vectorized) would beat that bound; one that measures nothing
// would read zero. Rates, not durations: nothing here depends on how busy the machine is
// except the clock, which is read as the fastest of many passes.
import { describe, expect, it } from 'vitest';
import { computeProbes, measureClockGHz, measurePeakOps, type PeakKind } from '../../native/compute-probe.js';
import { implementations } from '../../native/index.js';
import { measureComputePeaks } from '../../runner/fingerprint/compute-peaks.js';

// The most operations (a multiply-add counts two) one core of the ISA issues per cycle, over
// the cores that have it: two 512-bit FMA or VNNI pipes (Sapphire Rapids), two 256-bit (Zen,
// Haswell on), four 128-bit NEON pipes (Neoverse V1/V2). Scalar: four FP or two integer
// multiply-adds per cycle, with room to spare.
const OPS_PER_CYCLE: Record<string, Record<PeakKind, number>> = {
  // One tdpbusd (16 x 16 x 64 multiply-adds) per 16 cycles on Sapphire Rapids.
  'amx-int8': { fp32: 2 * 16 * 2, int8: 1024 * 2 },
  'avx512-vnni': { fp32: 2 * 16 * 2, int8: 2 * 64 * 2 },
  avx512: { fp32: 2 * 16 * 2, int8: 2 * 64 * 2 },
  'avx-vnni': { fp32: 2 * 8 * 2, int8: 2 * 32 * 2 },
  avx2: { fp32: 2 * 8 * 2, int8: 2 * 32 * 2 },
  'neon-dotprod': { fp32: 4 * 4 * 2, int8: 4 * 16 * 2 },
  neon: { fp32: 4 * 4 * 2, int8: 4 * 8 * 2 },
  scalar: { fp32: 8, int8: 8 },
};

// The clock read while nothing else disturbs a pass: the fastest of many short passes, read
// again (keeping the fastest) when a bound looks broken, since a busy machine only slows a pass.
async function clockGHz(threads: number, previous = 0): Promise<number> {
  const ghz = await measureClockGHz({ threads, targetMs: 2, passes: 15 });
  return Math.max(previous, ...ghz);
}

const probes = computeProbes();
const threadCounts = [1, 2];

describe('compute probe', () => {
  it('probes every ISA this CPU supports, scalar included', () => {
    const supported = implementations().filter((impl) => impl.supported).map((impl) => impl.name);
    expect(probes.map((p) => p.isa)).toEqual(supported);
    expect(probes.map((p) => p.isa)).toContain('scalar');
    for (const probe of probes) {
      expect(probe.fp32Instruction).not.toBe('');
      expect(probe.int8Instruction).not.toBe('');
    }
  });

  describe.each(probes.map((p) => [p.isa]))('%s', (isa) => {
    it.each(threadCounts.map((t) => [t]))('stays within the theoretical peak at the measured clock on %i thread(s)', async (threads) => {
      for (const kind of ['fp32', 'int8'] as const) {
        const ops = Math.max(...(await measurePeakOps({ isa: isa as never, kind, threads, targetMs: 5, passes: 3 })));
        expect(ops).toBeGreaterThan(0);
        let ghz = await clockGHz(threads);
        const bound = () => threads * OPS_PER_CYCLE[isa]![kind] * ghz * 1e9 * 1.05;
        for (let retry = 0; retry < 3 && ops > bound(); retry++) ghz = await clockGHz(threads, ghz);
        expect(ghz).toBeGreaterThan(0.2);
        expect(ops, `${isa} ${kind}: ${(ops / 1e9).toFixed(1)} G/s at ${ghz.toFixed(2)} GHz`).toBeLessThanOrEqual(bound());
      }
    });
  });

  it('refuses an ISA this CPU or build lacks, and a kind it does not know', async () => {
    const missing = implementations().find((impl) => !impl.supported);
    if (missing) {
      await expect(measurePeakOps({ isa: missing.name, kind: 'fp32', threads: 1 })).rejects.toMatchObject({ code: 'ERR_BITBENCH_ISA_UNSUPPORTED' });
    }
    await expect(measurePeakOps({ isa: 'scalar', kind: 'fp64' as never, threads: 1 })).rejects.toThrow(RangeError);
    await expect(measurePeakOps({ isa: 'scalar', kind: 'fp32', threads: 0 })).rejects.toThrow(/threads/);
  });

  it('stores per ISA one point per thread count, and the clock at each', async () => {
    const peaks = await measureComputePeaks({ threads: [1, 2], targetMs: 2, passes: 1 });
    expect(peaks.isas.map((i) => i.isa)).toEqual(probes.map((p) => p.isa));
    for (const isa of peaks.isas) {
      expect(isa.points.map((p) => p.threads)).toEqual([1, 2]);
      for (const point of isa.points) {
        expect(point.fp32Gflops).toBeGreaterThan(0);
        expect(point.int8Gops).toBeGreaterThan(0);
      }
    }
    // avx512-vnni's and amx-int8's fp32 loop is avx512's: measured once, one figure.
    const [amx, vnni, avx512] = ['amx-int8', 'avx512-vnni', 'avx512'].map((name) => peaks.isas.find((i) => i.isa === name));
    if (vnni && avx512) expect(vnni.points[0]!.fp32Gflops).toBe(avx512.points[0]!.fp32Gflops);
    if (amx && avx512) expect(amx.points[0]!.fp32Gflops).toBe(avx512.points[0]!.fp32Gflops);
    expect(peaks.clock.map((c) => c.threads)).toEqual([1, 2]);
  });
});

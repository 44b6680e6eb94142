// The machine's compute ceilings, measured once beside the memory bandwidth: per ISA the peak
// fp32 FMA GFLOPS (what baseline, cached and fused compute with) and the peak int8 dot-product
// GOPS (what fused-i8 computes with), at 1, 2, 4 ... all threads, with the core clock read
// from a timed chain of dependent adds at each count. A report holds every kernel cell
// against these and the bandwidth: how close to which ceiling, so what bounds it.
import { computeProbes, measureClockGHz, measurePeakOps, type PeakKind } from '../../native/compute-probe.js';
import { bandwidthThreadCounts } from './bandwidth-curve.js';

export interface ComputePeakPoint {
  threads: number;
  /** Best pass, GFLOPS (1e9 operations per second; an FMA counts two). */
  fp32Gflops: number;
  /** Best pass, GOPS (a byte product and its add count two, as the kernels' GOPS do). */
  int8Gops: number;
}

export interface IsaComputePeaks {
  isa: string;
  fp32Instruction: string;
  int8Instruction: string;
  /** One point per thread count, fewest threads first. */
  points: ComputePeakPoint[];
}

export interface ClockPoint {
  threads: number;
  /** Fastest pass, GHz; null where the architecture has no add chain. */
  ghz: number | null;
}

export interface ComputePeaks {
  isas: IsaComputePeaks[];
  clock: ClockPoint[];
}

export interface ComputePeakOptions {
  /** Thread counts; default 1, 2, 4 ... and `maxThreads`. */
  threads?: number[];
  maxThreads?: number;
  /** Per timed pass; default 8 ms. */
  targetMs?: number;
  passes?: number;
}

const best = (values: readonly number[]) => values.reduce((a, b) => Math.max(a, b), 0);

/**
 * Measures every supported ISA's ceilings. The best pass is kept, not the median: a ceiling is
 * what the core can do, and on a shared machine every disturbance only lowers a pass.
 * ISAs that share a loop (avx512-vnni's fp32 is avx512's) are measured once.
 */
export async function measureComputePeaks(options: ComputePeakOptions = {}): Promise<ComputePeaks> {
  const threads = [...new Set(options.threads ?? bandwidthThreadCounts(options.maxThreads ?? 1))].sort((a, b) => a - b);
  const targetMs = options.targetMs ?? 8;
  const passes = options.passes ?? 5;
  const probes = computeProbes();
  const measured = new Map<string, number>();
  // One measurement at a time: two at once would share the cores they measure.
  const peak = async (isa: (typeof probes)[number]['isa'], kind: PeakKind, instruction: string, count: number) => {
    const key = `${kind}|${instruction}|${count}`;
    let value = measured.get(key);
    if (value === undefined) {
      value = best(await measurePeakOps({ isa, kind, threads: count, targetMs, passes })) / 1e9;
      measured.set(key, value);
    }
    return value;
  };
  const isas: IsaComputePeaks[] = [];
  for (const probe of probes) {
    const points: ComputePeakPoint[] = [];
    for (const count of threads) {
      points.push({
        threads: count,
        fp32Gflops: await peak(probe.isa, 'fp32', probe.fp32Instruction, count),
        int8Gops: await peak(probe.isa, 'int8', probe.int8Instruction, count),
      });
    }
    // A ceiling never falls as threads are added (more threads can always leave some idle): a
    // lower figure at more threads is a disturbed pass, so it keeps the figure of fewer.
    for (let i = 1; i < points.length; i++) {
      points[i]!.fp32Gflops = Math.max(points[i]!.fp32Gflops, points[i - 1]!.fp32Gflops);
      points[i]!.int8Gops = Math.max(points[i]!.int8Gops, points[i - 1]!.int8Gops);
    }
    isas.push({ isa: probe.isa, fp32Instruction: probe.fp32Instruction, int8Instruction: probe.int8Instruction, points });
  }
  const clock: ClockPoint[] = [];
  for (const count of threads) {
    const ghz = await measureClockGHz({ threads: count, targetMs: Math.max(2, targetMs / 2), passes: passes * 3 });
    clock.push({ threads: count, ghz: ghz.length ? best(ghz) : null });
  }
  return { isas, clock };
}

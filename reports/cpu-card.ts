// Per instance type, what its machine is: the CPU, its ISAs, its memory bandwidth curve and
// its compute ceilings, read from the newest fingerprint (runner/fingerprint/), defensively.
import { maxOf } from './number-extremes.js';
import { byText, num, record, str } from './read-json.js';
import { unexposedIsaFlags } from '../runner/fingerprint/unexposed-isa.js';

export interface BandwidthView {
  threads: number;
  readGBs: number;
  triadGBs: number | null;
}

export interface ComputePointView {
  threads: number;
  fp32Gflops: number | null;
  int8Gops: number | null;
}

/** One ISA's measured compute ceilings (runner/fingerprint/compute-peaks.ts). */
export interface ComputeCeilingView {
  isa: string;
  fp32Instruction: string | null;
  int8Instruction: string | null;
  points: ComputePointView[];
}

export interface CpuCard {
  instanceType: string;
  vendor: string | null;
  modelName: string | null;
  arch: string | null;
  microarchitecture: string | null;
  /** ISA flags the CPU has (bitbench's own detection), in the fingerprint's order. */
  isaFlags: string[];
  /** Flags the microarchitecture's cores have that this instance does not show (unexposed-isa.ts). */
  unexposedIsaFlags: string[];
  /** The ISAs kernels and models actually ran with, sorted. */
  isasUsed: string[];
  logicalCpus: number | null;
  physicalCores: number | null;
  threadsPerCore: number | null;
  memoryBytes: number | null;
  hypervisor: boolean | null;
  blas: string | null;
  bandwidth: BandwidthView[];
  /** The highest read bandwidth measured, GB/s. */
  peakReadGBs: number | null;
  /** Per ISA, the compute probe's ceilings; empty where the fingerprint has none (older runners). */
  compute: ComputeCeilingView[];
  /** The core clock the probe read, GHz, at its most threads; null when not measured. */
  clockGHz: number | null;
  runIds: string[];
}

/** The read bandwidth measured at the largest thread count not above `threads`. */
export function bandwidthAtThreads(bandwidth: readonly BandwidthView[], threads: number | null): number | null {
  if (threads === null) return null;
  const points = bandwidth.filter((p) => p.threads <= threads).sort((a, b) => a.threads - b.threads);
  return points.length ? points[points.length - 1]!.readGBs : null;
}

export type ComputeKind = 'fp32' | 'int8';

/** An ISA's ceiling (GOPS) at the largest measured thread count not above `threads`. */
export function computeAtThreads(compute: readonly ComputeCeilingView[], isa: string, kind: ComputeKind, threads: number | null): number | null {
  const ceiling = compute.find((c) => c.isa === isa);
  if (!ceiling || threads === null) return null;
  const points = ceiling.points.filter((p) => p.threads <= threads).sort((a, b) => a.threads - b.threads);
  const point = points[points.length - 1];
  if (!point) return null;
  return kind === 'fp32' ? point.fp32Gflops : point.int8Gops;
}

export function bandwidthOf(fingerprint: unknown): BandwidthView[] {
  const points = record(fingerprint).bandwidth;
  if (!Array.isArray(points)) return [];
  const out: BandwidthView[] = [];
  for (const p of points) {
    const r = record(p);
    const threads = num(r.threads);
    const readGBs = num(r.readGBs);
    if (threads !== null && readGBs !== null) out.push({ threads, readGBs, triadGBs: num(r.triadGBs) });
  }
  return out.sort((a, b) => a.threads - b.threads);
}

export function computeOf(fingerprint: unknown): ComputeCeilingView[] {
  const isas = record(record(fingerprint).compute).isas;
  if (!Array.isArray(isas)) return [];
  const out: ComputeCeilingView[] = [];
  for (const entry of isas) {
    const r = record(entry);
    const isa = str(r.isa);
    if (isa === null || !Array.isArray(r.points)) continue;
    const points: ComputePointView[] = [];
    for (const p of r.points) {
      const point = record(p);
      const threads = num(point.threads);
      if (threads !== null && threads > 0) points.push({ threads, fp32Gflops: num(point.fp32Gflops), int8Gops: num(point.int8Gops) });
    }
    out.push({ isa, fp32Instruction: str(r.fp32Instruction), int8Instruction: str(r.int8Instruction), points: points.sort((a, b) => a.threads - b.threads) });
  }
  return out;
}

function clockOf(fingerprint: unknown): number | null {
  const clock = record(record(fingerprint).compute).clock;
  if (!Array.isArray(clock)) return null;
  const points = clock.map(record).filter((p) => num(p.threads) !== null && num(p.ghz) !== null);
  const most = points.sort((a, b) => num(b.threads)! - num(a.threads)!)[0];
  return most ? num(most.ghz) : null;
}

export function cpuCard(instanceType: string, fingerprint: unknown, isasUsed: Set<string>, runIds: Set<string>): CpuCard {
  const fp = record(fingerprint);
  const cpu = record(fp.cpu);
  const topology = record(fp.topology);
  const flags = record(cpu.isaFlags);
  const bandwidth = bandwidthOf(fingerprint);
  const hypervisor = cpu.hypervisor;
  const isaFlags = Object.entries(flags).filter(([, on]) => on === true).map(([name]) => name);
  return {
    instanceType,
    vendor: str(cpu.vendor),
    modelName: str(cpu.modelName),
    arch: str(cpu.arch),
    microarchitecture: str(cpu.microarchitecture),
    isaFlags,
    unexposedIsaFlags: unexposedIsaFlags(str(cpu.microarchitecture), isaFlags),
    isasUsed: [...isasUsed].sort(byText),
    logicalCpus: num(topology.logicalCpus),
    physicalCores: num(topology.physicalCores),
    threadsPerCore: num(topology.threadsPerCore),
    memoryBytes: num(fp.memoryBytes),
    hypervisor: typeof hypervisor === 'boolean' ? hypervisor : null,
    blas: str(fp.blas),
    bandwidth,
    peakReadGBs: bandwidth.length ? maxOf(bandwidth.map((p) => p.readGBs)) : null,
    compute: computeOf(fingerprint),
    clockGHz: clockOf(fingerprint),
    runIds: [...runIds].sort(byText),
  };
}

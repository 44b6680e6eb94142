// The machine fingerprint every result is tagged with: what the CPU is, how the machine is
// put together, what bitbench runs on it (ISA, BLAS), which cloud instance it is, how fast
// its memory is, how fast its cores compute, and which bitbench measured it. Only the bandwidth
// curve and the compute peaks take time (about a second each on 2 cores); a runner collects
// this once at start.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildInfo, cpuFeatures, implementations } from '../../native/index.js';
import { packageRoot } from '../../native/package-root.js';
import { measureBandwidthCurve, type BandwidthPoint } from './bandwidth-curve.js';
import { measureComputePeaks, type ComputePeaks } from './compute-peaks.js';
import { detectContainer, readCgroupCpuQuota, type CgroupCpuQuota, type ContainerInfo } from './container.js';
import { readCpuInfo, type ArmCpuInfo, type UnknownCpuInfo, type X86CpuInfo } from './cpu-info.js';
import { instanceIdentity, localIdentity, type InstanceIdentity, type InstanceIdentityOptions } from './instance-identity.js';
import { microarchitecture } from './microarchitecture.js';
import { systemReader, type SystemSources } from './system-sources.js';
import { readMemoryTotalBytes, readTopology, totalLastLevelCacheBytes, type Topology } from './topology.js';

/** The CPU features that decide which kernels can run, as bitbench's own detection found them. */
export const FINGERPRINT_ISA_FLAGS = [
  'avx2',
  'fma',
  'avx512f',
  'avx512bw',
  'avx512vl',
  'avx512_vnni',
  'avx_vnni',
  'avx512_bf16',
  'gfni',
  'amx_tile',
  'amx_int8',
  'amx_bf16',
  'neon',
  'dotprod',
  'i8mm',
  'bf16',
  'sve',
  'sve2',
] as const;

interface CpuExtras {
  microarchitecture: string;
  /** FINGERPRINT_ISA_FLAGS (and any amx_*) from cpuFeatures(): CPUID/xgetbv or HWCAP, OS support checked. */
  isaFlags: Record<string, boolean>;
  /** Whether the CPU says it runs under a hypervisor (x86's flag); null where cpuinfo cannot tell. */
  hypervisor: boolean | null;
}

export type FingerprintCpu = (Omit<X86CpuInfo, 'flags'> | Omit<ArmCpuInfo, 'features'> | UnknownCpuInfo) & CpuExtras;

export interface Fingerprint {
  cpu: FingerprintCpu;
  topology: Topology;
  memoryBytes: number;
  kernel: string;
  container: ContainerInfo;
  /** The cgroup CPU quota on this process; null when there is none. */
  cgroupCpuQuota: CgroupCpuQuota | null;
  isa: {
    /** The ISA runs use unless they name one: BITBENCH_ISA, else the best supported. */
    active: string | null;
    /** BITBENCH_ISA when set. */
    forced: string | null;
    supported: string[];
  };
  /** The dense fp32 library of the cached paths; null when the build has none. */
  blas: string | null;
  instance: InstanceIdentity;
  /** Present when requested: one point per thread count, in the order measured. */
  bandwidth?: BandwidthPoint[];
  /** Present when requested: per ISA the peak fp32 and int8 rates per thread count, and the clock. */
  compute?: ComputePeaks;
  tool: { version: string; node: string; gitSha: string | null };
}

export interface BandwidthRequest {
  /** Thread counts; default 1, 2, 4 ... all usable CPUs (within any cgroup quota). */
  threads?: number[];
  bytes?: number;
  passes?: number;
}

export interface CollectFingerprintOptions {
  /** Ask the EC2 metadata service (IMDSv2) who this is; default false: the instance is 'local'. */
  imds?: boolean | InstanceIdentityOptions;
  /** Measure the memory bandwidth curve; default false. */
  bandwidth?: boolean | BandwidthRequest;
  /** Measure the compute ceilings (compute-peaks.ts); default: whenever the bandwidth is measured. */
  compute?: boolean;
  /** Where /proc and /sys are read from (tests). */
  sources?: SystemSources;
}

let toolInfo: Fingerprint['tool'] | undefined;

/** bitbench's version, Node's, and the git commit when running from a checkout. */
export function toolVersion(): Fingerprint['tool'] {
  if (toolInfo) return toolInfo;
  const root = packageRoot();
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  let gitSha: string | null = null;
  // Only bitbench's own checkout: an installed copy under a user's repository must not report theirs.
  if (existsSync(join(root, '.git'))) {
    try {
      gitSha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim() || null;
    } catch {
      gitSha = null;
    }
  } else {
    // The runner image has no .git: its build records the commit it was built from here.
    const built = process.env.BITBENCH_GIT_SHA?.trim() ?? '';
    gitSha = /^[0-9a-f]{7,40}$/.test(built) ? built : null;
  }
  toolInfo = { version, node: process.version, gitSha };
  return toolInfo;
}

function isaFlags(): Record<string, boolean> {
  const features = cpuFeatures();
  const picked: Record<string, boolean> = {};
  for (const [name, present] of Object.entries(features)) {
    if ((FINGERPRINT_ISA_FLAGS as readonly string[]).includes(name) || name.startsWith('amx_')) picked[name] = present;
  }
  return picked;
}

function describeCpu(sources: SystemSources | undefined): FingerprintCpu {
  const info = readCpuInfo(sources);
  const extras = { microarchitecture: microarchitecture(info), isaFlags: isaFlags() };
  if (info.arch === 'x86') {
    const { flags, ...rest } = info;
    return { ...rest, ...extras, hypervisor: flags.includes('hypervisor') };
  }
  if (info.arch === 'arm') {
    const { features: _features, ...rest } = info;
    return { ...rest, ...extras, hypervisor: null };
  }
  return { ...info, ...extras, hypervisor: null };
}

function bandwidthThreadLimit(topology: Topology, quota: CgroupCpuQuota | null): number {
  // More threads than the quota allows are throttled, and would measure the throttle.
  const byQuota = quota === null ? Infinity : Math.max(1, Math.ceil(quota.cpus));
  return Math.max(1, Math.min(topology.usableCpus, byQuota));
}

export async function collectFingerprint(options: CollectFingerprintOptions = {}): Promise<Fingerprint> {
  const sources = options.sources;
  const reader = systemReader(sources);
  const topology = readTopology(sources);
  const cgroupCpuQuota = readCgroupCpuQuota(sources);
  const list = implementations(reader.env);
  const forced = reader.env.BITBENCH_ISA?.trim() || null;

  const instance = options.imds
    ? await instanceIdentity(options.imds === true ? { env: reader.env } : { env: reader.env, ...options.imds })
    : localIdentity('IMDS not queried');

  const fingerprint: Fingerprint = {
    cpu: describeCpu(sources),
    topology,
    memoryBytes: readMemoryTotalBytes(sources),
    kernel: reader.kernelRelease(),
    container: detectContainer(sources),
    cgroupCpuQuota,
    isa: {
      active: list.find((impl) => impl.active)?.name ?? null,
      forced,
      supported: list.filter((impl) => impl.supported).map((impl) => impl.name),
    },
    blas: buildInfo().blas,
    instance,
    tool: toolVersion(),
  };

  if (options.bandwidth) {
    const request = options.bandwidth === true ? {} : options.bandwidth;
    fingerprint.bandwidth = await measureBandwidthCurve({
      ...request,
      maxThreads: bandwidthThreadLimit(topology, cgroupCpuQuota),
      lastLevelCacheBytes: totalLastLevelCacheBytes(topology),
    });
  }
  // The roofline's other ceilings, at the same thread counts as its memory ceiling.
  if (options.compute ?? Boolean(options.bandwidth)) {
    const maxThreads = bandwidthThreadLimit(topology, cgroupCpuQuota);
    const threads = fingerprint.bandwidth?.map((point) => point.threads);
    fingerprint.compute = await measureComputePeaks(threads?.length ? { threads } : { maxThreads });
  }
  return fingerprint;
}

// How the machine is put together: logical CPUs, physical cores and SMT, sockets, caches (with
// how many CPUs share each and how many of each there are), NUMA nodes and memory. All from
// sysfs where it says, /proc/cpuinfo where it does not; a VM shows what the hypervisor shows.
import { cpus, totalmem } from 'node:os';
import { parseCpuList, readTrimmed, systemReader, type SystemReader, type SystemSources } from './system-sources.js';

export interface CacheLevel {
  /** L1d, L1i, L2, L3 (L4 where a machine has one). */
  name: string;
  level: number;
  type: 'data' | 'instruction' | 'unified';
  sizeBytes: number;
  /** Logical CPUs that share one instance of this cache. */
  sharedBy: number;
  /** Instances across the machine: e.g. one L3 per CCX on Zen, so 8 on a 64-core part. */
  instances: number;
  lineBytes: number | null;
  ways: number | null;
}

export interface Topology {
  /** Online logical CPUs. */
  logicalCpus: number;
  /** Logical CPUs this process may run on (its affinity mask; a cpuset narrows it). */
  usableCpus: number;
  physicalCores: number;
  packages: number;
  threadsPerCore: number;
  smt: boolean;
  numaNodes: number;
  caches: CacheLevel[];
}

const CPU_DIR = '/sys/devices/system/cpu';

function onlineCpus(reader: SystemReader): number[] {
  const online = parseCpuList(reader.read(`${CPU_DIR}/online`));
  if (online.length > 0) return online;
  const processors = [...(reader.read('/proc/cpuinfo') ?? '').matchAll(/^processor\s*:\s*(\d+)\s*$/gm)].map((m) => Number(m[1]));
  if (processors.length > 0) return processors;
  return Array.from({ length: Math.max(1, cpus().length) }, (_, cpu) => cpu);
}

/** (physical id, core id) pairs from /proc/cpuinfo, one per logical CPU that lists them. */
function cpuinfoCorePairs(reader: SystemReader): { cores: Set<string>; packages: Set<string> } {
  const cores = new Set<string>();
  const packages = new Set<string>();
  for (const block of (reader.read('/proc/cpuinfo') ?? '').split(/\n\s*\n/)) {
    const pkg = /^physical id\s*:\s*(\d+)\s*$/m.exec(block)?.[1];
    const core = /^core id\s*:\s*(\d+)\s*$/m.exec(block)?.[1];
    if (pkg === undefined || core === undefined) continue;
    cores.add(`${pkg}:${core}`);
    packages.add(pkg);
  }
  return { cores, packages };
}

interface CoreCount {
  physicalCores: number;
  packages: number;
  threadsPerCore: number;
}

function countCores(reader: SystemReader, online: number[]): CoreCount {
  // The sibling lists group SMT threads exactly, whatever core_id numbering a vendor uses
  // (core ids repeat across dies on some multi-die parts).
  const siblingGroups = new Set<string>();
  const idPairs = new Set<string>();
  const packages = new Set<string>();
  let largestGroup = 0;
  let everyCpuHasSiblings = true;
  let everyCpuHasIds = true;
  for (const cpu of online) {
    const dir = `${CPU_DIR}/cpu${cpu}/topology`;
    const siblings = parseCpuList(readTrimmed(reader, `${dir}/core_cpus_list`) ?? readTrimmed(reader, `${dir}/thread_siblings_list`));
    if (siblings.length > 0) {
      siblingGroups.add(siblings.join(','));
      largestGroup = Math.max(largestGroup, siblings.length);
    } else {
      everyCpuHasSiblings = false;
    }
    const pkg = readTrimmed(reader, `${dir}/physical_package_id`);
    const core = readTrimmed(reader, `${dir}/core_id`);
    if (pkg !== undefined) packages.add(pkg);
    if (pkg !== undefined && core !== undefined) idPairs.add(`${pkg}:${core}`);
    else everyCpuHasIds = false;
  }
  const logical = online.length;
  const fromCpuinfo = cpuinfoCorePairs(reader);
  const packageCount = packages.size || fromCpuinfo.packages.size || 1;
  if (everyCpuHasSiblings && siblingGroups.size > 0) {
    return { physicalCores: siblingGroups.size, packages: packageCount, threadsPerCore: largestGroup };
  }
  const pairs = everyCpuHasIds && idPairs.size > 0 ? idPairs : fromCpuinfo.cores;
  const physicalCores = pairs.size > 0 ? pairs.size : logical;
  return { physicalCores, packages: packageCount, threadsPerCore: Math.max(1, Math.round(logical / physicalCores)) };
}

function parseCacheSize(text: string | undefined): number | undefined {
  const match = text === undefined ? null : /^(\d+)\s*([KMG]?)$/i.exec(text);
  if (!match) return undefined;
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[match[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Number(match[1]) * unit;
}

function positiveInteger(text: string | undefined): number | null {
  return text !== undefined && /^\d+$/.test(text) && Number(text) > 0 ? Number(text) : null;
}

function readCaches(reader: SystemReader, online: number[]): CacheLevel[] {
  const first = online[0] ?? 0;
  const indexes = (reader.list(`${CPU_DIR}/cpu${first}/cache`) ?? [])
    .filter((entry) => /^index\d+$/.test(entry))
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  const caches: CacheLevel[] = [];
  for (const index of indexes) {
    const dir = `${CPU_DIR}/cpu${first}/cache/${index}`;
    const level = positiveInteger(readTrimmed(reader, `${dir}/level`));
    const sizeBytes = parseCacheSize(readTrimmed(reader, `${dir}/size`));
    const kernelType = readTrimmed(reader, `${dir}/type`)?.toLowerCase();
    if (level === null || sizeBytes === undefined || sizeBytes === 0) continue;
    const type = kernelType === 'data' || kernelType === 'instruction' ? kernelType : 'unified';
    const shared = parseCpuList(readTrimmed(reader, `${dir}/shared_cpu_list`));
    const sharedBy = Math.max(1, shared.length);
    // Count distinct instances by their CPU sets; where some CPU does not say, estimate.
    const sets = new Set<string>();
    let complete = true;
    for (const cpu of online) {
      const list = parseCpuList(readTrimmed(reader, `${CPU_DIR}/cpu${cpu}/cache/${index}/shared_cpu_list`));
      if (list.length === 0) {
        complete = false;
        break;
      }
      sets.add(list.join(','));
    }
    const instances = complete && sets.size > 0 ? sets.size : Math.max(1, Math.round(online.length / sharedBy));
    const suffix = level === 1 && type === 'data' ? 'd' : level === 1 && type === 'instruction' ? 'i' : '';
    caches.push({
      name: `L${level}${suffix}`,
      level,
      type,
      sizeBytes,
      sharedBy,
      instances,
      lineBytes: positiveInteger(readTrimmed(reader, `${dir}/coherency_line_size`)),
      ways: positiveInteger(readTrimmed(reader, `${dir}/ways_of_associativity`)),
    });
  }
  return caches;
}

function countNumaNodes(reader: SystemReader): number {
  const nodes = (reader.list('/sys/devices/system/node') ?? []).filter((entry) => /^node\d+$/.test(entry));
  return Math.max(1, nodes.length);
}

function usableCpuCount(reader: SystemReader, logical: number): number {
  const status = reader.read('/proc/self/status');
  const allowed = status === undefined ? null : /^Cpus_allowed_list:\s*(\S+)\s*$/m.exec(status);
  const list = parseCpuList(allowed?.[1]);
  return list.length > 0 ? Math.min(list.length, logical) : logical;
}

export function readTopology(sources: SystemSources = {}): Topology {
  const reader = systemReader(sources);
  const online = onlineCpus(reader);
  const cores = countCores(reader, online);
  return {
    logicalCpus: online.length,
    usableCpus: usableCpuCount(reader, online.length),
    physicalCores: cores.physicalCores,
    packages: cores.packages,
    threadsPerCore: cores.threadsPerCore,
    smt: cores.threadsPerCore > 1,
    numaNodes: countNumaNodes(reader),
    caches: readCaches(reader, online),
  };
}

/** MemTotal from /proc/meminfo in bytes; os.totalmem() where it cannot be read. */
export function readMemoryTotalBytes(sources: SystemSources = {}): number {
  const meminfo = systemReader(sources).read('/proc/meminfo');
  const kib = meminfo === undefined ? null : /^MemTotal:\s+(\d+)\s*kB$/m.exec(meminfo);
  return kib ? Number(kib[1]) * 1024 : totalmem();
}

/** Size of the last-level cache summed over its instances (all the LLC a buffer must exceed). */
export function totalLastLevelCacheBytes(topology: Topology): number {
  const data = topology.caches.filter((cache) => cache.type !== 'instruction');
  const last = data.reduce<CacheLevel | undefined>((best, cache) => (best === undefined || cache.level > best.level ? cache : best), undefined);
  return last === undefined ? 0 : last.sizeBytes * last.instances;
}

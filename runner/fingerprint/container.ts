// Whether this process runs in a container, and the CPU time its cgroup may use. A quota of
// 2 CPUs on a 64-CPU host makes a 64-thread run throttle, not scale: the result must say so.
// The cgroup walk follows runner/memory-guard.ts: find this process's own cgroup from
// /proc/self/cgroup and check it and every ancestor (a pod's limit binds its containers).
import { readTrimmed, systemReader, type SystemReader, type SystemSources } from './system-sources.js';

export interface ContainerInfo {
  detected: boolean;
  /** docker, kubernetes, containerd, podman, lxc, or what `container=` names; null when none. */
  runtime: string | null;
  /** What gave it away, e.g. "/.dockerenv", "/proc/1/cgroup: kubepods". */
  evidence: string[];
}

export interface CgroupCpuQuota {
  /** CPU time per period as a CPU count, e.g. 2 for "200000 100000", 0.5 for "50000 100000". */
  cpus: number;
  quotaUs: number;
  periodUs: number;
  version: 'v1' | 'v2';
  /** The file that set it (the tightest among the cgroup and its ancestors). */
  file: string;
}

// The first pattern a cgroup path matches names the runtime; kubepods before docker, since
// a pod's containers often run under docker or containerd.
const CGROUP_RUNTIMES: [RegExp, string][] = [
  [/kubepods/, 'kubernetes'],
  [/docker/, 'docker'],
  [/libpod/, 'podman'],
  [/containerd|cri-containerd/, 'containerd'],
  [/\blxc\b|lxc\.payload/, 'lxc'],
];

export function detectContainer(sources: SystemSources = {}): ContainerInfo {
  const reader = systemReader(sources);
  const found: { runtime: string; evidence: string }[] = [];
  for (const file of ['/proc/1/cgroup', '/proc/self/cgroup']) {
    const text = reader.read(file);
    if (text === undefined) continue;
    for (const [pattern, runtime] of CGROUP_RUNTIMES) {
      const match = pattern.exec(text);
      if (match) {
        found.push({ runtime, evidence: `${file}: ${match[0]}` });
        break;
      }
    }
  }
  const declared = reader.env.container?.trim();
  if (declared) found.push({ runtime: declared, evidence: `container=${declared}` });
  if (reader.exists('/.dockerenv')) found.push({ runtime: 'docker', evidence: '/.dockerenv' });
  if (reader.exists('/run/.containerenv')) found.push({ runtime: 'podman', evidence: '/run/.containerenv' });
  if (reader.env.KUBERNETES_SERVICE_HOST) found.push({ runtime: 'kubernetes', evidence: 'KUBERNETES_SERVICE_HOST' });
  return {
    detected: found.length > 0,
    runtime: found[0]?.runtime ?? null,
    evidence: [...new Set(found.map((f) => f.evidence))],
  };
}

/** The process's cgroup directory and every ancestor up to the mount root, deepest first. */
function cgroupDirectories(mount: string, cgroupPath: string | undefined): string[] {
  const parts = (cgroupPath ?? '/').split('/').filter((p) => p !== '' && p !== '.' && p !== '..');
  const dirs: string[] = [];
  for (let depth = parts.length; depth >= 0; depth--) dirs.push([mount, ...parts.slice(0, depth)].join('/'));
  return dirs;
}

function membership(reader: SystemReader): { v2: string | undefined; v1: string | undefined } {
  let v2: string | undefined;
  let v1: string | undefined;
  for (const line of (reader.read('/proc/self/cgroup') ?? '').split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    if (match[1] === '0' && match[2] === '') v2 = match[3];
    else if (match[2]!.split(',').includes('cpu')) v1 = match[3];
  }
  return { v2, v1 };
}

function integer(text: string | undefined): number | undefined {
  return text !== undefined && /^-?\d+$/.test(text) ? Number(text) : undefined;
}

function tighter(best: CgroupCpuQuota | null, candidate: CgroupCpuQuota): CgroupCpuQuota {
  return best === null || candidate.cpus < best.cpus ? candidate : best;
}

/** The tightest CPU quota on this process's cgroup or its ancestors, v2 or v1; null when none. */
export function readCgroupCpuQuota(sources: SystemSources = {}): CgroupCpuQuota | null {
  const reader = systemReader(sources);
  const mount = '/sys/fs/cgroup';
  const paths = membership(reader);
  let best: CgroupCpuQuota | null = null;

  // Inside a container without its own cgroup namespace the listed path does not exist under
  // the mount, whose root is then the container's own cgroup; walking up to it covers that.
  for (const dir of cgroupDirectories(mount, paths.v2)) {
    const file = `${dir}/cpu.max`;
    const fields = readTrimmed(reader, file)?.split(/\s+/);
    if (!fields || fields[0] === 'max') continue;
    const quotaUs = integer(fields[0]);
    const periodUs = integer(fields[1]) ?? 100_000;
    if (quotaUs === undefined || quotaUs <= 0 || periodUs <= 0) continue;
    best = tighter(best, { cpus: quotaUs / periodUs, quotaUs, periodUs, version: 'v2', file });
  }

  // cgroup v1 mounts the cpu controller as cpu, cpu,cpuacct or both (one a link to the other).
  for (const controller of ['cpu', 'cpu,cpuacct', 'cpuacct,cpu']) {
    for (const dir of cgroupDirectories(`${mount}/${controller}`, paths.v1)) {
      const quotaUs = integer(readTrimmed(reader, `${dir}/cpu.cfs_quota_us`));
      const periodUs = integer(readTrimmed(reader, `${dir}/cpu.cfs_period_us`));
      if (quotaUs === undefined || quotaUs <= 0 || periodUs === undefined || periodUs <= 0) continue;
      best = tighter(best, { cpus: quotaUs / periodUs, quotaUs, periodUs, version: 'v1', file: `${dir}/cpu.cfs_quota_us` });
    }
  }
  return best;
}

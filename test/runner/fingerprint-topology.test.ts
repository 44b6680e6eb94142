// Topology, memory, container and cgroup quota from fake /proc and /sys trees in a temp dir.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectContainer, readCgroupCpuQuota } from '../../runner/fingerprint/container.js';
import { parseCpuList } from '../../runner/fingerprint/system-sources.js';
import { readMemoryTotalBytes, readTopology, totalLastLevelCacheBytes } from '../../runner/fingerprint/topology.js';

const roots: string[] = [];

/** A temp dir holding `files` (paths as on a real machine, e.g. /proc/meminfo). */
function fakeRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'bitbench-fingerprint-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/cpuinfo/${name}`, import.meta.url), 'utf8');
}

interface CacheSpec {
  level: number;
  type: 'Data' | 'Instruction' | 'Unified';
  size: string;
  /** The CPUs sharing the instance that holds `cpu`. */
  shared: (cpu: number) => string;
}

/** sysfs for `count` CPUs: topology via `siblings(cpu)` (or ids only), caches per CPU. */
function sysCpus(count: number, options: {
  siblings?: (cpu: number) => string;
  ids?: (cpu: number) => { pkg: number; core: number };
  caches?: CacheSpec[];
}): Record<string, string> {
  const files: Record<string, string> = { '/sys/devices/system/cpu/online': `0-${count - 1}\n` };
  for (let cpu = 0; cpu < count; cpu++) {
    const dir = `/sys/devices/system/cpu/cpu${cpu}`;
    if (options.siblings) files[`${dir}/topology/core_cpus_list`] = options.siblings(cpu) + '\n';
    const ids = options.ids?.(cpu) ?? { pkg: 0, core: cpu };
    files[`${dir}/topology/physical_package_id`] = `${ids.pkg}\n`;
    files[`${dir}/topology/core_id`] = `${ids.core}\n`;
    (options.caches ?? []).forEach((cache, index) => {
      const cacheDir = `${dir}/cache/index${index}`;
      files[`${cacheDir}/level`] = `${cache.level}\n`;
      files[`${cacheDir}/type`] = `${cache.type}\n`;
      files[`${cacheDir}/size`] = `${cache.size}\n`;
      files[`${cacheDir}/shared_cpu_list`] = cache.shared(cpu) + '\n';
      files[`${cacheDir}/coherency_line_size`] = '64\n';
      files[`${cacheDir}/ways_of_associativity`] = '12\n';
    });
  }
  return files;
}

describe('parseCpuList', () => {
  it.each([
    ['0', [0]],
    ['0-3', [0, 1, 2, 3]],
    ['0-1,4,6-7\n', [0, 1, 4, 6, 7]],
    ['', []],
    ['3-1', []],
    ['a-b', []],
  ])('%j -> %j', (text, cpus) => expect(parseCpuList(text)).toEqual(cpus));
});

describe('readTopology', () => {
  it('counts SMT siblings, sockets, NUMA nodes and each cache with its sharing and instances', () => {
    // 4 cores x 2 threads, threads of core c are CPUs c and c + 4 (Linux's usual numbering).
    const core = (cpu: number) => cpu % 4;
    const root = fakeRoot({
      ...sysCpus(8, {
        siblings: (cpu) => `${core(cpu)},${core(cpu) + 4}`,
        caches: [
          { level: 1, type: 'Data', size: '48K', shared: (cpu) => `${core(cpu)},${core(cpu) + 4}` },
          { level: 1, type: 'Instruction', size: '32K', shared: (cpu) => `${core(cpu)},${core(cpu) + 4}` },
          { level: 2, type: 'Unified', size: '2048K', shared: (cpu) => `${core(cpu)},${core(cpu) + 4}` },
          { level: 3, type: 'Unified', size: '107520K', shared: () => '0-7' },
        ],
      }),
      '/sys/devices/system/node/node0/cpulist': '0-3\n',
      '/sys/devices/system/node/node1/cpulist': '4-7\n',
      '/sys/devices/system/node/possible': '0-1\n',
      '/proc/self/status': 'Name:\tnode\nCpus_allowed:\t3f\nCpus_allowed_list:\t0-5\n',
    });
    const topology = readTopology({ root });
    expect(topology).toMatchObject({ logicalCpus: 8, usableCpus: 6, physicalCores: 4, packages: 1, threadsPerCore: 2, smt: true, numaNodes: 2 });
    expect(topology.caches).toEqual([
      { name: 'L1d', level: 1, type: 'data', sizeBytes: 48 * 1024, sharedBy: 2, instances: 4, lineBytes: 64, ways: 12 },
      { name: 'L1i', level: 1, type: 'instruction', sizeBytes: 32 * 1024, sharedBy: 2, instances: 4, lineBytes: 64, ways: 12 },
      { name: 'L2', level: 2, type: 'unified', sizeBytes: 2 * 1024 ** 2, sharedBy: 2, instances: 4, lineBytes: 64, ways: 12 },
      { name: 'L3', level: 3, type: 'unified', sizeBytes: 105 * 1024 ** 2, sharedBy: 8, instances: 1, lineBytes: 64, ways: 12 },
    ]);
    expect(totalLastLevelCacheBytes(topology)).toBe(105 * 1024 ** 2);
  });

  it('counts one L3 per CCX on a Zen-like part, and sums them as the last-level cache', () => {
    const root = fakeRoot(
      sysCpus(16, {
        siblings: (cpu) => `${cpu}`,
        caches: [{ level: 3, type: 'Unified', size: '32768K', shared: (cpu) => (cpu < 8 ? '0-7' : '8-15') }],
      }),
    );
    const topology = readTopology({ root });
    expect(topology).toMatchObject({ logicalCpus: 16, usableCpus: 16, physicalCores: 16, threadsPerCore: 1, smt: false, numaNodes: 1 });
    expect(topology.caches).toEqual([expect.objectContaining({ name: 'L3', sharedBy: 8, instances: 2 })]);
    expect(totalLastLevelCacheBytes(topology)).toBe(64 * 1024 ** 2);
  });

  it('pairs package and core ids where sysfs has no sibling lists', () => {
    // Two sockets of 2 cores x 2 threads; core ids repeat across sockets.
    const root = fakeRoot(sysCpus(8, { ids: (cpu) => ({ pkg: cpu < 4 ? 0 : 1, core: cpu % 2 }) }));
    expect(readTopology({ root })).toMatchObject({ logicalCpus: 8, physicalCores: 4, packages: 2, threadsPerCore: 2, smt: true });
  });

  it('falls back to /proc/cpuinfo without sysfs: (physical id, core id) pairs, one NUMA node, no caches', () => {
    const root = fakeRoot({ '/proc/cpuinfo': fixture('sapphirerapids-8488c.txt') });
    expect(readTopology({ root })).toEqual({
      logicalCpus: 2, usableCpus: 2, physicalCores: 1, packages: 1, threadsPerCore: 2, smt: true, numaNodes: 1, caches: [],
    });
  });

  it('takes every CPU as a core where nothing says otherwise (Arm cpuinfo has no core ids)', () => {
    const root = fakeRoot({ '/proc/cpuinfo': fixture('neoverse-v1-graviton3.txt') });
    expect(readTopology({ root })).toMatchObject({ logicalCpus: 2, physicalCores: 2, threadsPerCore: 1, smt: false });
  });

  it('reads MemTotal, and os.totalmem() without /proc/meminfo', () => {
    const root = fakeRoot({ '/proc/meminfo': 'MemTotal:       24684096 kB\nMemFree:         1000 kB\n' });
    expect(readMemoryTotalBytes({ root })).toBe(24684096 * 1024);
    expect(readMemoryTotalBytes({ root: fakeRoot({}) })).toBeGreaterThan(0);
  });
});

describe('detectContainer', () => {
  it('finds nothing on a bare host', () => {
    const root = fakeRoot({ '/proc/1/cgroup': '0::/init.scope\n', '/proc/self/cgroup': '0::/user.slice/session-1.scope\n' });
    expect(detectContainer({ root, env: {} })).toEqual({ detected: false, runtime: null, evidence: [] });
  });

  it('sees docker by /.dockerenv', () => {
    const root = fakeRoot({ '/.dockerenv': '', '/proc/self/cgroup': '0::/\n' });
    expect(detectContainer({ root, env: {} })).toEqual({ detected: true, runtime: 'docker', evidence: ['/.dockerenv'] });
  });

  it('sees kubernetes in the cgroup path before the runtime under it', () => {
    const root = fakeRoot({
      '/proc/1/cgroup': '0::/kubepods.slice/kubepods-burstable.slice/cri-containerd-1234.scope\n',
      '/proc/self/cgroup': '12:cpu,cpuacct:/docker/0123abcd\n',
    });
    const info = detectContainer({ root, env: {} });
    expect(info.runtime).toBe('kubernetes');
    expect(info.evidence).toEqual(['/proc/1/cgroup: kubepods', '/proc/self/cgroup: docker']);
  });

  it('honours container= from the environment (podman, systemd-nspawn)', () => {
    expect(detectContainer({ root: fakeRoot({}), env: { container: 'podman' } })).toEqual({
      detected: true, runtime: 'podman', evidence: ['container=podman'],
    });
  });
});

describe('readCgroupCpuQuota', () => {
  it('is null without a quota (v2 "max", v1 -1) or without cgroup files', () => {
    expect(readCgroupCpuQuota({ root: fakeRoot({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': 'max 100000\n' }) })).toBeNull();
    const v1 = fakeRoot({
      '/proc/self/cgroup': '4:memory:/x\n2:cpu,cpuacct:/\n',
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '-1\n',
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n',
    });
    expect(readCgroupCpuQuota({ root: v1 })).toBeNull();
    expect(readCgroupCpuQuota({ root: fakeRoot({}) })).toBeNull();
  });

  it('reads a v2 quota on the process\'s own cgroup: "200000 100000" is 2 CPUs', () => {
    const root = fakeRoot({
      '/proc/self/cgroup': '0::/system.slice/docker-abc.scope\n',
      '/sys/fs/cgroup/cpu.max': 'max 100000\n',
      '/sys/fs/cgroup/system.slice/docker-abc.scope/cpu.max': '200000 100000\n',
    });
    expect(readCgroupCpuQuota({ root })).toEqual({
      cpus: 2, quotaUs: 200000, periodUs: 100000, version: 'v2', file: '/sys/fs/cgroup/system.slice/docker-abc.scope/cpu.max',
    });
  });

  it('takes the tightest quota among the cgroup and its ancestors (a pod limits its containers)', () => {
    const root = fakeRoot({
      '/proc/self/cgroup': '0::/kubepods/pod1/ctr\n',
      '/sys/fs/cgroup/kubepods/pod1/cpu.max': '150000 100000\n',
      '/sys/fs/cgroup/kubepods/pod1/ctr/cpu.max': '400000 100000\n',
    });
    expect(readCgroupCpuQuota({ root })).toMatchObject({ cpus: 1.5, version: 'v2', file: '/sys/fs/cgroup/kubepods/pod1/cpu.max' });
  });

  it('finds the quota at the mount root inside a container without its own cgroup namespace', () => {
    const root = fakeRoot({
      '/proc/self/cgroup': '0::/system.slice/docker-abc.scope\n',
      '/sys/fs/cgroup/cpu.max': '300000 100000\n',
    });
    expect(readCgroupCpuQuota({ root })).toMatchObject({ cpus: 3, file: '/sys/fs/cgroup/cpu.max' });
  });

  it('reads a v1 CFS quota: 50000 of 100000 us is half a CPU', () => {
    const root = fakeRoot({
      '/proc/self/cgroup': '4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n',
      '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us': '50000\n',
      '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us': '100000\n',
    });
    expect(readCgroupCpuQuota({ root })).toEqual({
      cpus: 0.5, quotaUs: 50000, periodUs: 100000, version: 'v1', file: '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us',
    });
  });
});

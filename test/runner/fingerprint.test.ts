// collectFingerprint on this machine: checked against what /proc/cpuinfo, os and the addon
// say here, never against a hard-coded host.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuFeatures, implementations } from '../../native/index.js';
import { bandwidthBufferBytes, bandwidthThreadCounts, measureBandwidthCurve } from '../../runner/fingerprint/bandwidth-curve.js';
import { microarchitecture, readCpuInfo } from '../../runner/fingerprint/cpu-info.js';
import { collectFingerprint, FINGERPRINT_ISA_FLAGS, type Fingerprint } from '../../runner/fingerprint/fingerprint.js';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

describe('collectFingerprint on this machine', () => {
  let fingerprint: Fingerprint;
  beforeAll(async () => {
    fingerprint = await collectFingerprint();
  });

  it('describes the CPU as /proc/cpuinfo does, with the microarchitecture its numbers give', () => {
    const info = readCpuInfo();
    expect(fingerprint.cpu).toMatchObject({ arch: info.arch, vendor: info.vendor, modelName: info.modelName });
    expect(fingerprint.cpu.microarchitecture).toBe(microarchitecture(info));
    if (info.arch === 'x86') {
      expect(fingerprint.cpu).toMatchObject({ family: info.family, model: info.model, stepping: info.stepping });
      expect(fingerprint.cpu.hypervisor).toBe(info.flags.includes('hypervisor'));
      if (info.vendor === 'AuthenticAMD' && info.family === 25 && info.model === 17) expect(fingerprint.cpu.microarchitecture).toBe('zen4');
      if (info.vendor === 'GenuineIntel' && info.family === 6 && info.model === 207) expect(fingerprint.cpu.microarchitecture).toBe('emeraldrapids');
    }
    expect('flags' in fingerprint.cpu).toBe(false);
  });

  it('takes the ISA flags from the addon\'s own detection', () => {
    const features = cpuFeatures();
    for (const [name, present] of Object.entries(fingerprint.cpu.isaFlags)) {
      expect((FINGERPRINT_ISA_FLAGS as readonly string[]).includes(name) || name.startsWith('amx_')).toBe(true);
      expect(present).toBe(features[name]);
    }
    expect(Object.keys(fingerprint.cpu.isaFlags).length).toBeGreaterThan(3);
  });

  it('reports the active and supported ISAs as implementations() does', () => {
    const list = implementations();
    expect(fingerprint.isa.active).toBe(list.find((impl) => impl.active)?.name);
    expect(fingerprint.isa.supported).toEqual(list.filter((impl) => impl.supported).map((impl) => impl.name));
    expect(fingerprint.isa.supported).toContain('scalar');
  });

  it('counts at least the CPUs this process may use, and cores no more than CPUs', () => {
    const t = fingerprint.topology;
    // availableParallelism() is the affinity mask (newer libuv also applies a cgroup quota).
    expect(t.logicalCpus).toBeGreaterThanOrEqual(t.usableCpus);
    expect(t.usableCpus).toBeGreaterThanOrEqual(availableParallelism());
    expect(t.physicalCores).toBeGreaterThanOrEqual(1);
    expect(t.physicalCores * t.threadsPerCore).toBeGreaterThanOrEqual(t.logicalCpus);
    expect(t.smt).toBe(t.threadsPerCore > 1);
    expect(t.numaNodes).toBeGreaterThanOrEqual(1);
    for (const cache of t.caches) {
      expect(cache.sizeBytes).toBeGreaterThan(0);
      expect(cache.instances * cache.sharedBy).toBeGreaterThanOrEqual(1);
    }
  });

  it('carries memory, kernel, container, quota and the tool that measured', () => {
    expect(fingerprint.memoryBytes).toBe(totalmem());
    expect(fingerprint.kernel).toBe(release());
    expect(typeof fingerprint.container.detected).toBe('boolean');
    if (fingerprint.cgroupCpuQuota !== null) expect(fingerprint.cgroupCpuQuota.cpus).toBeGreaterThan(0);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(fingerprint.tool).toMatchObject({ version: pkg.version, node: process.version });
    expect(fingerprint.tool.gitSha === null || /^[0-9a-f]{4,40}$/.test(fingerprint.tool.gitSha)).toBe(true);
  });

  it('does not ask IMDS or measure bandwidth unless asked', () => {
    expect(fingerprint.instance).toEqual({ source: 'none', instanceType: 'local', reason: 'IMDS not queried' });
    expect(fingerprint.bandwidth).toBeUndefined();
    expect(fingerprint.compute).toBeUndefined();
  });

  it('survives a JSON round trip unchanged (no undefined, NaN or class instances)', () => {
    expect(JSON.parse(JSON.stringify(fingerprint))).toEqual(fingerprint);
  });
});

describe('collectFingerprint options', () => {
  let server: Server;
  let endpoint: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/latest/api/token' && req.method === 'PUT') return void res.end('token');
      if (req.headers['x-aws-ec2-metadata-token'] !== 'token') return void res.writeHead(401).end();
      if (req.url === '/latest/meta-data/instance-type') return void res.end('c7i.2xlarge');
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('asks the metadata service it is pointed at', async () => {
    const fp = await collectFingerprint({ imds: { endpoint, timeoutMs: 2000 } });
    expect(fp.instance).toMatchObject({ source: 'imds', instanceType: 'c7i.2xlarge', zone: null });
    const viaEnv = await collectFingerprint({ imds: true, sources: { env: { BITBENCH_IMDS_ENDPOINT: endpoint } } });
    expect(viaEnv.instance.instanceType).toBe('c7i.2xlarge');
  });

  it('names BITBENCH_ISA as the active ISA and says it was forced', async () => {
    const fp = await collectFingerprint({ sources: { env: { BITBENCH_ISA: 'scalar' } } });
    expect(fp.isa).toMatchObject({ active: 'scalar', forced: 'scalar' });
  });

  it('reads /proc and /sys from an injected root', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bitbench-fingerprint-'));
    try {
      mkdirSync(join(root, 'proc'), { recursive: true });
      writeFileSync(join(root, 'proc/cpuinfo'), readFileSync(new URL('../fixtures/cpuinfo/neoverse-v1-graviton3.txt', import.meta.url)));
      writeFileSync(join(root, 'proc/meminfo'), 'MemTotal:        8000000 kB\n');
      const fp = await collectFingerprint({ sources: { root, env: {}, kernelRelease: () => '6.1.0-aws' } });
      expect(fp.cpu).toMatchObject({ arch: 'arm', vendor: 'ARM', implementer: 0x41, part: 0xd40, microarchitecture: 'neoverse-v1', hypervisor: null });
      expect(fp).toMatchObject({ memoryBytes: 8000000 * 1024, kernel: '6.1.0-aws', topology: { logicalCpus: 2 } });
      expect(fp.container).toEqual({ detected: false, runtime: null, evidence: [] });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('measures the bandwidth at the thread counts asked for', async () => {
    const fp = await collectFingerprint({ bandwidth: { threads: [1], bytes: 64 * MIB, passes: 3 } });
    expect(fp.bandwidth).toHaveLength(1);
    const [point] = fp.bandwidth!;
    expect(point!.threads).toBe(1);
    expect(point!.readGBs).toBeGreaterThan(0.1);
    expect(point!.readGBs).toBeLessThan(10_000);
    expect(point!.triadGBs === null || point!.triadGBs > 0.1).toBe(true);
    // The compute ceilings come with the memory one, at the same thread counts.
    expect(fp.compute!.isas.map((i) => i.points.map((p) => p.threads))).toEqual(fp.compute!.isas.map(() => [1]));
    expect(fp.compute!.isas.map((i) => i.isa)).toContain('scalar');
  });
});

describe('the bandwidth curve', () => {
  it.each([
    [1, [1]],
    [2, [1, 2]],
    [6, [1, 2, 4, 6]],
    [8, [1, 2, 4, 8]],
    [96, [1, 2, 4, 8, 16, 32, 64, 96]],
  ])('measures %i CPUs at %j threads', (max, counts) => {
    expect(bandwidthThreadCounts(max)).toEqual(counts);
  });

  it('sizes the buffer beyond the last-level cache, within memory', () => {
    expect(bandwidthBufferBytes(32 * MIB, 16 * GIB)).toBe(128 * MIB);
    expect(bandwidthBufferBytes(64 * MIB, 16 * GIB)).toBe(256 * MIB);
    expect(bandwidthBufferBytes(384 * MIB, 64 * GIB)).toBe(1536 * MIB);
    expect(bandwidthBufferBytes(1152 * MIB, 64 * GIB)).toBe(2 * GIB);
    expect(bandwidthBufferBytes(32 * MIB, 512 * MIB)).toBe(128 * MIB);
  });

  it('rejects thread counts the addon cannot run, naming them', async () => {
    await expect(measureBandwidthCurve({ threads: [1, 0] })).rejects.toThrow(/integers from 1 to 4096 but received 0/);
    await expect(measureBandwidthCurve({ threads: [] })).rejects.toThrow(/at least one thread count/);
    expect(() => bandwidthThreadCounts(0)).toThrow(RangeError);
  });

  it('measures every usable CPU count by default, one point each', async () => {
    const points = await measureBandwidthCurve({ maxThreads: availableParallelism(), lastLevelCacheBytes: 32 * MIB });
    expect(points.map((p) => p.threads)).toEqual(bandwidthThreadCounts(availableParallelism()));
    for (const p of points) expect(p.readGBs).toBeGreaterThan(0.1);
    console.log(`bandwidth curve: ${points.map((p) => `${p.threads}T read ${p.readGBs.toFixed(1)} triad ${p.triadGBs?.toFixed(1)} GB/s`).join(', ')}`);
  });
});

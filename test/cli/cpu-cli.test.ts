// `bitbench cpu`: the fingerprint card and JSON, with a loopback IMDSv2 emulator standing in
// for EC2 (BITBENCH_IMDS_ENDPOINT); no test reaches 169.254.169.254.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cpuCommand, cpuHelp, formatFingerprintCard } from '../../coordinator/cli/cpu-command.js';
import { bandwidthThreadCounts } from '../../runner/fingerprint/bandwidth-curve.js';
import { readCpuInfo } from '../../runner/fingerprint/cpu-info.js';
import type { Fingerprint } from '../../runner/fingerprint/fingerprint.js';

const TOKEN = 'cli-test-token';
const METADATA: Record<string, string> = {
  'instance-type': 'c7g.4xlarge',
  'instance-id': 'i-0fedcba9876543210',
  'placement/region': 'eu-west-1',
  'placement/availability-zone': 'eu-west-1a',
  'instance-life-cycle': 'on-demand',
};

let imds: Server;
let imdsRequests = 0;
let endpoint: string;
let hanging: Server;
let hangingEndpoint: string;
let savedEndpoint: string | undefined;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  imds = createServer((req, res) => {
    imdsRequests++;
    if (req.url === '/latest/api/token') {
      return void (req.method === 'PUT' && req.headers['x-aws-ec2-metadata-token-ttl-seconds'] ? res.end(TOKEN) : res.writeHead(400).end());
    }
    if (req.headers['x-aws-ec2-metadata-token'] !== TOKEN) return void res.writeHead(401).end();
    const value = METADATA[req.url!.replace('/latest/meta-data/', '')];
    return void (value === undefined ? res.writeHead(404).end() : res.end(value));
  });
  endpoint = await listen(imds);
  hanging = createServer(() => {});
  hangingEndpoint = await listen(hanging);
  savedEndpoint = process.env.BITBENCH_IMDS_ENDPOINT;
  process.env.BITBENCH_IMDS_ENDPOINT = endpoint;
});

afterAll(async () => {
  if (savedEndpoint === undefined) delete process.env.BITBENCH_IMDS_ENDPOINT;
  else process.env.BITBENCH_IMDS_ENDPOINT = savedEndpoint;
  for (const server of [imds, hanging]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs cpuCommand in this process and returns what it wrote to stdout. */
async function cpu(args: string[]): Promise<string> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  try {
    await cpuCommand(args);
  } finally {
    vi.restoreAllMocks();
  }
  return out;
}

describe('bitbench cpu', () => {
  it('--json prints one object: the fingerprint with the instance IMDS gave', async () => {
    const out = await cpu(['--json', '--no-bandwidth']);
    expect(out.trim().split('\n')).toHaveLength(1);
    const fp = JSON.parse(out) as Fingerprint;
    expect(fp.instance).toEqual({
      source: 'imds', instanceType: 'c7g.4xlarge', instanceId: 'i-0fedcba9876543210', region: 'eu-west-1', zone: 'eu-west-1a', lifecycle: 'on-demand',
    });
    expect(fp.bandwidth).toBeUndefined();
    const info = readCpuInfo();
    expect(fp.cpu.arch).toBe(info.arch);
    expect(fp.cpu.vendor).toBe(info.vendor);
    expect(fp.topology.usableCpus).toBeGreaterThanOrEqual(availableParallelism());
    expect(Object.keys(fp)).toEqual(
      expect.arrayContaining(['cpu', 'topology', 'memoryBytes', 'kernel', 'container', 'cgroupCpuQuota', 'isa', 'blas', 'instance', 'tool']),
    );
  });

  it('prints a card with the CPU, cores, caches, instance and the bandwidth at 1 ... all threads', async () => {
    const out = await cpu([]);
    const fp = JSON.parse(await cpu(['--json', '--no-bandwidth'])) as Fingerprint;
    expect(out).toMatch(new RegExp(`^CPU +.*${fp.cpu.microarchitecture.replace('+', '\\+')}`, 'm'));
    expect(out).toMatch(new RegExp(`^Kernels +${fp.isa.active} active`, 'm'));
    expect(out).toMatch(new RegExp(`^Cores +${fp.topology.logicalCpus} logical`, 'm'));
    expect(out).toMatch(/^Instance +c7g\.4xlarge \(i-0fedcba9876543210, eu-west-1 eu-west-1a, on-demand\)$/m);
    expect(out).toMatch(/^Bandwidth +threads +read GB\/s/m);
    const rows = out.split('\n').filter((line) => /^ {11} +\d+ +\d+\.\d/.test(line));
    const quota = fp.cgroupCpuQuota === null ? Infinity : Math.ceil(fp.cgroupCpuQuota.cpus);
    expect(rows.map((row) => Number(row.trim().split(/\s+/)[0]))).toEqual(bandwidthThreadCounts(Math.min(fp.topology.usableCpus, quota)));
    expect(out).toMatch(/^bitbench +\d+\.\d+\.\d+ · node v\d+/m);
  });

  it('--no-imds asks nothing and says the instance is local', async () => {
    const before = imdsRequests;
    const fp = JSON.parse(await cpu(['--json', '--no-bandwidth', '--no-imds'])) as Fingerprint;
    expect(fp.instance).toEqual({ source: 'none', instanceType: 'local', reason: 'IMDS not queried' });
    expect(imdsRequests).toBe(before);
  });

  it('is local, within the short deadline, when the metadata service never answers', async () => {
    process.env.BITBENCH_IMDS_ENDPOINT = hangingEndpoint;
    try {
      // The reason names the deadline that cut the request short; how long the whole command
      // took is the machine's business, not an assertion (a loaded CI machine is slow).
      const fp = JSON.parse(await cpu(['--json', '--no-bandwidth'])) as Fingerprint;
      expect(fp.instance).toMatchObject({ source: 'none', instanceType: 'local', reason: expect.stringMatching(/within 300 ms/) });
    } finally {
      process.env.BITBENCH_IMDS_ENDPOINT = endpoint;
    }
  });

  it('--help prints the usage', async () => {
    expect(await cpu(['--help'])).toBe(cpuHelp);
    expect(cpuHelp).toMatch(/^Usage: bitbench cpu \[--json\] \[--no-bandwidth\]/);
  });

  it('rejects an unknown flag as a usage error (parseArgs, which main maps to exit 2)', async () => {
    await expect(cpuCommand(['--bogus'])).rejects.toMatchObject({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
  });

  const compiled = fileURLToPath(new URL('../../dist/coordinator/cli/cpu-command.js', import.meta.url));
  it.skipIf(!existsSync(compiled))('exits promptly as a process even when IMDS hangs (nothing left open)', async () => {
    const script = `import(${JSON.stringify(compiled)}).then((m) => m.cpuCommand(['--json', '--no-bandwidth']))`;
    // A process held open by the hanging request never exits: execFile's timeout fails it.
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
      env: { ...process.env, BITBENCH_IMDS_ENDPOINT: hangingEndpoint },
      timeout: 20_000,
    });
    expect(JSON.parse(stdout).instance.instanceType).toBe('local');
  });
});

describe('formatFingerprintCard', () => {
  const graviton: Fingerprint = {
    cpu: {
      arch: 'arm', vendor: 'ARM', modelName: null, implementer: 0x41, part: 0xd40, variant: 1, revision: 1, parts: [0xd40],
      microarchitecture: 'neoverse-v1', isaFlags: { neon: true, dotprod: true, i8mm: true, sve: true, sve2: false, avx2: false }, hypervisor: null,
    },
    topology: {
      logicalCpus: 64, usableCpus: 16, physicalCores: 64, packages: 1, threadsPerCore: 1, smt: false, numaNodes: 1,
      caches: [
        { name: 'L1d', level: 1, type: 'data', sizeBytes: 64 * 1024, sharedBy: 1, instances: 64, lineBytes: 64, ways: 4 },
        { name: 'L2', level: 2, type: 'unified', sizeBytes: 1024 ** 2, sharedBy: 1, instances: 64, lineBytes: 64, ways: 8 },
        { name: 'L3', level: 3, type: 'unified', sizeBytes: 32 * 1024 ** 2, sharedBy: 64, instances: 1, lineBytes: 64, ways: 16 },
      ],
    },
    memoryBytes: 128 * 1024 ** 3,
    kernel: '6.1.0-aws',
    container: { detected: true, runtime: 'docker', evidence: ['/.dockerenv'] },
    cgroupCpuQuota: { cpus: 16, quotaUs: 1_600_000, periodUs: 100_000, version: 'v2', file: '/sys/fs/cgroup/cpu.max' },
    isa: { active: 'neon', forced: null, supported: ['neon', 'scalar'] },
    blas: null,
    instance: { source: 'imds', instanceType: 'c7g.16xlarge', instanceId: 'i-1', region: 'us-east-1', zone: 'us-east-1a', lifecycle: 'spot' },
    bandwidth: [
      { threads: 1, readGBs: 21.04, triadGBs: null },
      { threads: 16, readGBs: 180.96, triadGBs: null },
    ],
    tool: { version: '0.1.0', node: 'v20.0.0', gitSha: null },
  };

  it('prints an Arm host by implementer and part, its quota, and no triad it does not have', () => {
    expect(formatFingerprintCard(graviton)).toBe(
      [
        'CPU        ARM implementer 0x41 part 0xd40 variant 0x1 revision 1 · neoverse-v1',
        'ISA flags  neon dotprod i8mm sve',
        'Kernels    neon active · supported: neon scalar',
        'Cores      64 logical (16 usable), 64 physical, SMT off, 1 socket, 1 NUMA node',
        'Caches     L1d 64 KiB ×64 · L2 1 MiB ×64 · L3 32 MiB ×1 (shared by 64)',
        'Memory     128 GiB',
        'Kernel     6.1.0-aws',
        'Container  docker (/.dockerenv) · CPU quota: 16 CPUs (cgroup v2: 1600000/100000 µs)',
        'Instance   c7g.16xlarge (i-1, us-east-1 us-east-1a, spot)',
        'BLAS       none (builtin SIMD loops)',
        'Bandwidth  threads  read GB/s',
        '                 1       21.0',
        '                16      181.0',
        '           (read only: this addon has no triad probe)',
        'bitbench   0.1.0 · node v20.0.0 · git (not a checkout)',
        '',
      ].join('\n'),
    );
  });

  it('prints x86 family/model in decimal and hex, SMT, BITBENCH_ISA and why the instance is local', () => {
    const fp: Fingerprint = {
      ...graviton,
      cpu: {
        arch: 'x86', vendor: 'GenuineIntel', modelName: 'INTEL(R) XEON(R) PLATINUM 8580', family: 6, model: 207, stepping: 2, microcode: null,
        microarchitecture: 'emeraldrapids', isaFlags: { avx512f: true, amx_tile: true }, hypervisor: true,
      },
      topology: { ...graviton.topology, logicalCpus: 4, usableCpus: 4, physicalCores: 2, threadsPerCore: 2, smt: true, packages: 2, numaNodes: 2 },
      isa: { active: 'avx2', forced: 'avx2', supported: ['avx512', 'avx2', 'scalar'] },
      instance: { source: 'none', instanceType: 'local', reason: 'IMDS not queried' },
      cgroupCpuQuota: null,
      bandwidth: [{ threads: 1, readGBs: 12.3, triadGBs: 14.56 }],
    };
    const card = formatFingerprintCard(fp);
    expect(card).toContain('CPU        INTEL(R) XEON(R) PLATINUM 8580 · GenuineIntel family 6 model 207 stepping 2 (0x06/0xcf) · emeraldrapids · under a hypervisor\n');
    expect(card).toContain('Kernels    avx2 active (BITBENCH_ISA=avx2) · supported: avx512 avx2 scalar\n');
    expect(card).toContain('Cores      4 logical, 2 physical, SMT on (2 per core), 2 sockets, 2 NUMA nodes\n');
    expect(card).toContain('CPU quota: none\n');
    expect(card).toContain('Instance   local (IMDS not queried)\n');
    expect(card).toContain('Bandwidth  threads  read GB/s  triad GB/s\n                 1       12.3        14.6\n');
    // The Emerald Rapids part has far more than these two flags: the card says what is missing.
    expect(card).toContain('ISA flags  avx512f amx_tile · not exposed here: avx2 fma avx512bw avx512vl avx512_vnni avx512_bf16 avx_vnni amx_int8 amx_bf16 (emeraldrapids cores have them;');
  });

  it('says which of its part\'s flags an AVX2-only Zen 4 guest lacks', () => {
    const fp: Fingerprint = {
      ...graviton,
      cpu: {
        arch: 'x86', vendor: 'AuthenticAMD', modelName: 'AMD EPYC', family: 25, model: 17, stepping: 1, microcode: null,
        microarchitecture: 'zen4', isaFlags: { avx2: true, fma: true, avx512f: false, avx512bw: false, avx512vl: false }, hypervisor: true,
      },
    };
    expect(formatFingerprintCard(fp)).toContain(
      'ISA flags  avx2 fma · not exposed here: avx512f avx512bw avx512vl avx512_vnni avx512_bf16 (zen4 cores have them; hidden by the hypervisor or not enabled by the kernel)\n',
    );
  });
});

// `bitbench cpu`: the fingerprint every result from this machine is tagged with, as a card to
// read or one JSON object.
import { parseArgs } from 'node:util';
import { collectFingerprint, type Fingerprint } from '../../runner/fingerprint/fingerprint.js';
import type { BandwidthPoint } from '../../runner/fingerprint/bandwidth-curve.js';
import type { ComputePeaks } from '../../runner/fingerprint/compute-peaks.js';
import { printOut } from '../../reports/text-safety/terminal-text.js';
import { jsonLine } from './json-output.js';
import { unexposedIsaFlags, unexposedIsaNote } from '../../runner/fingerprint/unexposed-isa.js';

export const cpuHelp = `Usage: bitbench cpu [--json] [--no-bandwidth] [--no-imds]

Prints this machine's fingerprint, the one every bitbench result is tagged with: the CPU
(vendor, model, family/model/stepping or Arm implementer/part, microarchitecture), the ISA
flags that decide which kernels run (and those the microarchitecture's cores have that this
machine does not show, such as AVX-512 hidden by a hypervisor), the kernel ISA that is
active, cores, SMT, caches, NUMA nodes, memory, kernel, container and cgroup CPU quota, the
BLAS of this build, the EC2 instance (IMDSv2, 300 ms deadline; 'local' elsewhere), the memory
bandwidth at 1, 2, 4 ... all threads, the compute peaks per ISA at the same thread counts (fp32
FMA GFLOPS, int8 dot-product GOPS, and the clock they ran at), and the bitbench version and
git commit.

Options:
  --json          print one JSON object
  --no-bandwidth  skip the bandwidth and compute measurements (a second or two)
  --no-imds       do not ask the EC2 metadata service (BITBENCH_IMDS_ENDPOINT overrides its address)
`;

const KIB = 1024;

/** Binary units, as cache and memory sizes are quoted: "32 KiB", "1 MiB", "23.5 GiB". */
function binaryBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= KIB && unit < units.length - 1) {
    value /= KIB;
    unit++;
  }
  const text = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${text} ${units[unit]}`;
}

function hex(n: number, width = 2): string {
  return '0x' + n.toString(16).padStart(width, '0');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function cpuLine(cpu: Fingerprint['cpu']): string {
  const parts: string[] = [];
  if (cpu.arch === 'x86') {
    parts.push(cpu.modelName ?? '(no model name)');
    const stepping = cpu.stepping === null ? '' : ` stepping ${cpu.stepping}`;
    parts.push(`${cpu.vendor} family ${cpu.family} model ${cpu.model}${stepping} (${hex(cpu.family)}/${hex(cpu.model)})`);
  } else if (cpu.arch === 'arm') {
    if (cpu.modelName) parts.push(cpu.modelName);
    const variant = cpu.variant === null ? '' : ` variant ${hex(cpu.variant, 1)}`;
    const revision = cpu.revision === null ? '' : ` revision ${cpu.revision}`;
    const others = cpu.parts.filter((part) => part !== cpu.part).map((part) => hex(part, 3));
    parts.push(`${cpu.vendor} implementer ${hex(cpu.implementer)} part ${hex(cpu.part, 3)}${variant}${revision}`);
    if (others.length > 0) parts.push(`also parts ${others.join(', ')}`);
  } else {
    parts.push(cpu.modelName ?? 'unknown CPU', cpu.vendor ?? 'unknown vendor');
  }
  parts.push(cpu.microarchitecture);
  if (cpu.hypervisor) parts.push('under a hypervisor');
  return parts.join(' · ');
}

function coresLine(t: Fingerprint['topology']): string {
  const usable = t.usableCpus < t.logicalCpus ? ` (${t.usableCpus} usable)` : '';
  const smt = t.smt ? `SMT on (${t.threadsPerCore} per core)` : 'SMT off';
  return `${t.logicalCpus} logical${usable}, ${t.physicalCores} physical, ${smt}, ${plural(t.packages, 'socket')}, ${plural(t.numaNodes, 'NUMA node')}`;
}

function cachesLine(caches: Fingerprint['topology']['caches']): string {
  if (caches.length === 0) return '(not reported)';
  return caches
    .map((c) => `${c.name} ${binaryBytes(c.sizeBytes)} ×${c.instances}${c.sharedBy > 1 ? ` (shared by ${c.sharedBy})` : ''}`)
    .join(' · ');
}

function containerLine(fp: Fingerprint): string {
  const container = fp.container.detected ? `${fp.container.runtime} (${fp.container.evidence.join(', ')})` : 'none detected';
  const q = fp.cgroupCpuQuota;
  const quota = q === null ? 'none' : `${Number(q.cpus.toFixed(2))} CPUs (cgroup ${q.version}: ${q.quotaUs}/${q.periodUs} µs)`;
  return `${container} · CPU quota: ${quota}`;
}

function instanceLine(instance: Fingerprint['instance']): string {
  if (instance.source === 'none') return `local (${instance.reason})`;
  const details = [instance.instanceId, [instance.region, instance.zone].filter(Boolean).join(' '), instance.lifecycle]
    .filter((part) => part !== null && part !== '')
    .join(', ');
  return `${instance.instanceType}${details ? ` (${details})` : ''}`;
}

function bandwidthLines(points: BandwidthPoint[]): string[] {
  const hasTriad = points.some((p) => p.triadGBs !== null);
  const rows = [`threads  read GB/s${hasTriad ? '  triad GB/s' : ''}`];
  for (const p of points) {
    const triad = hasTriad ? (p.triadGBs === null ? '—' : p.triadGBs.toFixed(1)).padStart(12) : '';
    rows.push(`${String(p.threads).padStart(7)}  ${p.readGBs.toFixed(1).padStart(9)}${triad}`);
  }
  if (!hasTriad) rows.push('(read only: this addon has no triad probe)');
  return rows;
}

// The compute probe's peaks (runner/fingerprint/compute-peaks.ts): the roofline's flat ceilings.
function computeLines(peaks: ComputePeaks): string[] {
  const rows = ['isa           threads  fp32 GFLOPS  int8 GOPS  (int8 instruction)'];
  for (const isa of peaks.isas) {
    for (const p of isa.points) {
      rows.push(`${isa.isa.padEnd(12)}  ${String(p.threads).padStart(7)}  ${p.fp32Gflops.toFixed(1).padStart(11)}  ${p.int8Gops.toFixed(1).padStart(9)}  (${isa.int8Instruction})`);
    }
  }
  const clock = peaks.clock.filter((c) => c.ghz !== null).map((c) => `${c.threads}t ${c.ghz!.toFixed(2)} GHz`);
  if (clock.length) rows.push(`clock (dependent adds): ${clock.join(', ')}`);
  return rows;
}

function isaFlagsLine(fp: Fingerprint, flags: string[]): string {
  const note = unexposedIsaNote(fp.cpu.microarchitecture, unexposedIsaFlags(fp.cpu.microarchitecture, fp.cpu.isaFlags));
  return (flags.join(' ') || '(none of those that matter)') + (note ? ` · ${note}` : '');
}

/** The fingerprint as a compact card, one fact per line. */
export function formatFingerprintCard(fp: Fingerprint): string {
  const flags = Object.entries(fp.cpu.isaFlags).filter(([, on]) => on).map(([name]) => name);
  const rows: [string, string][] = [
    ['CPU', cpuLine(fp.cpu)],
    ['ISA flags', isaFlagsLine(fp, flags)],
    ['Kernels', `${fp.isa.active ?? '(none)'} active${fp.isa.forced ? ` (BITBENCH_ISA=${fp.isa.forced})` : ''} · supported: ${fp.isa.supported.join(' ')}`],
    ['Cores', coresLine(fp.topology)],
    ['Caches', cachesLine(fp.topology.caches)],
    ['Memory', binaryBytes(fp.memoryBytes)],
    ['Kernel', fp.kernel],
    ['Container', containerLine(fp)],
    ['Instance', instanceLine(fp.instance)],
    ['BLAS', fp.blas ?? 'none (builtin SIMD loops)'],
  ];
  const label = (text: string) => text.padEnd(10);
  const lines = rows.map(([name, value]) => `${label(name)} ${value}`);
  if (fp.bandwidth) {
    const [first, ...rest] = bandwidthLines(fp.bandwidth);
    lines.push(`${label('Bandwidth')} ${first}`, ...rest.map((row) => `${label('')} ${row}`));
  }
  if (fp.compute) {
    const [first, ...rest] = computeLines(fp.compute);
    lines.push(`${label('Compute')} ${first}`, ...rest.map((row) => `${label('')} ${row}`));
  }
  const tool = fp.tool;
  lines.push(`${label('bitbench')} ${tool.version} · node ${tool.node} · git ${tool.gitSha ?? '(not a checkout)'}`);
  return lines.join('\n') + '\n';
}

export async function cpuCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      json: { type: 'boolean' },
      'no-bandwidth': { type: 'boolean' },
      'no-imds': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(cpuHelp);
    return;
  }
  const measuring = !values['no-bandwidth'];
  if (measuring && process.stderr.isTTY) process.stderr.write('measuring memory bandwidth...');
  const fingerprint = await collectFingerprint({ imds: !values['no-imds'], bandwidth: measuring });
  if (measuring && process.stderr.isTTY) process.stderr.write('\r' + ' '.repeat(40) + '\r');
  printOut(values.json ? jsonLine(fingerprint) : formatFingerprintCard(fingerprint));
}

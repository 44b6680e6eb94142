// CPU time stolen by the hypervisor while a job ran, from /proc/stat: on a shared cloud host
// a noisy result with high steal is the neighbours' fault, not the kernel's.
import { readFileSync } from 'node:fs';

export interface CpuTimes {
  total: number;
  steal: number;
}

/** The aggregate "cpu" line of /proc/stat; null where there is none (not Linux). */
export function readCpuTimes(statFile = '/proc/stat'): CpuTimes | null {
  try {
    const line = readFileSync(statFile, 'utf8').split('\n').find((l) => l.startsWith('cpu '));
    if (!line) return null;
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal [guest guest_nice: already in user/nice]
    const total = fields.slice(0, 8).reduce((sum, value) => sum + (Number.isFinite(value) ? value : 0), 0);
    return { total, steal: fields[7] ?? 0 };
  } catch {
    return null;
  }
}

/** Fraction of CPU time stolen between two readings (0 when unknown). */
export function stealFraction(before: CpuTimes | null, after: CpuTimes | null): number {
  if (!before || !after) return 0;
  const total = after.total - before.total;
  return total > 0 ? (after.steal - before.steal) / total : 0;
}

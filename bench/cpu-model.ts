// The CPU a benchmark ran on, for the first line of its output: figures mean little without it.
import { readCpuInfo } from '../runner/fingerprint/cpu-info.js';

export function cpuModel(): string {
  try {
    return readCpuInfo().modelName ?? 'unknown CPU';
  } catch {
    return 'unknown CPU';
  }
}

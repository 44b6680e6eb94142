// `bitbench isa`: which kernel implementations this build has, which this CPU supports, and
// which one runs by default.
import { parseArgs } from 'node:util';
import { buildInfo, cpuFeatures, implementations, ISAS } from '../../native/index.js';
import { maxOf } from '../../reports/number-extremes.js';
import { printOut } from '../../reports/text-safety/terminal-text.js';
import { jsonLine } from './json-output.js';

export const isaHelp = `Usage: bitbench isa [--json]

Lists the ISA implementations of the kernels (${ISAS.join(', ')}):
whether this build contains each, whether this CPU and OS support it (and what it lacks), and
which one is active (BITBENCH_ISA if set, else the best supported). Also prints the CPU
features detected and the dense BLAS the cached paths use.
`;

export async function isaCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(isaHelp);
    return;
  }
  const list = implementations();
  const features = cpuFeatures();
  const info = buildInfo();
  if (values.json) {
    printOut(jsonLine({ implementations: list, cpuFeatures: features, build: info }));
    return;
  }
  const nameWidth = maxOf(list.map((impl) => impl.name.length));
  const lines = list.map((impl) => {
    const state = !impl.compiled
      ? `not in this ${info.architecture} build`
      : impl.supported
        ? 'supported'
        : `unsupported: missing ${impl.missing.join(', ')}`;
    return `${impl.active ? '*' : ' '} ${impl.name.padEnd(nameWidth)} ${state}`;
  });
  const present = Object.entries(features).filter(([, on]) => on).map(([name]) => name);
  printOut(
    [
      ...lines,
      '',
      `* active${process.env.BITBENCH_ISA ? ` (BITBENCH_ISA=${process.env.BITBENCH_ISA})` : ' (best supported)'}`,
      `CPU features: ${present.join(' ') || '(none beyond the baseline)'}`,
      `dense fp32:   ${info.blas ?? 'builtin SIMD loops (no OpenBLAS in this build)'}`,
    ].join('\n') + '\n',
  );
}

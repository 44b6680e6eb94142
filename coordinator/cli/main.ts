// The bitbench command line: one subcommand per user task.
import { readFileSync } from 'node:fs';
import { ModelConfigError } from '../../runner/model-config.js';
import { ISA_NAMES } from '../../runner/protocol/names.js';
import { MatrixError } from '../matrix/load-matrix.js';
import { EXIT_FAILURE, EXIT_USAGE, UsageError } from './cli-error.js';
import { cpuCommand } from './cpu-command.js';
import { exportCommand } from './export-command.js';
import { fleetCommand } from './fleet-command.js';
import { isaCommand } from './isa-command.js';
import { kernelCommand } from './kernel-command.js';
import { localCommand } from './local-command.js';
import { reportCommand } from './report-command.js';
import { serveCommand } from './serve-command.js';
import { modelCommand } from './model-command.js';
import { enqueueCommand } from './enqueue-command.js';
import { workerCommand } from './worker-command.js';
import { statusCommand } from './status-command.js';
import { collectCommand } from './collect-command.js';
import { cancelCommand } from './cancel-command.js';

const commands: Record<string, { run: (args: string[]) => Promise<void>; summary: string }> = {
  local: { run: localCommand, summary: 'run a benchmark matrix on this machine into the result store (default: matrices/quick.yaml)' },
  kernel: { run: kernelCommand, summary: 'time one compute path (fused, cached-f32, cached-bf16, baseline) on this machine' },
  model: { run: modelCommand, summary: 'run the full BitNet b1.58 model on one path: prefill and decode tokens/s, roofline' },
  isa: { run: isaCommand, summary: 'list the kernel ISA implementations and which one is active' },
  cpu: { run: cpuCommand, summary: "print this machine's fingerprint (CPU, topology, ISA, instance, memory bandwidth)" },
  export: { run: exportCommand, summary: 'write stored results out as JSON lines, CSV or a Markdown table' },
  report: { run: reportCommand, summary: 'write one self-contained HTML report (charts inline) of stored runs' },
  serve: { run: serveCommand, summary: 'a read-only local web server listing runs and rendering reports' },
  enqueue: { run: enqueueCommand, summary: 'add a matrix to the broker: one BullMQ queue per instance type (fleet runs)' },
  worker: { run: workerCommand, summary: "run jobs from this instance type's queue (the fleet container's entrypoint)" },
  status: { run: statusCommand, summary: 'where fleet runs stand: jobs per queue, live workers and their CPUs, ETA' },
  collect: { run: collectCommand, summary: 'move finished fleet jobs into the result store, exactly once' },
  cancel: { run: cancelCommand, summary: "cancel a fleet run's jobs that have not started" },
  fleet: { run: (args) => fleetCommand(args), summary: 'EC2 fleet tools: check a matrix\'s instance types, spot prices, reap expired instances' },
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  return [
    'Usage: bitbench <command> [options]',
    '',
    'How fast 1.58-bit (ternary, BitNet b1.58) inference runs on this CPU, and why.',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'bitbench <command> --help' for a command's options.",
    `Environment: BITBENCH_ISA=NAME forces a kernel ISA (${ISA_NAMES.join(', ')}).`,
    '',
  ].join('\n');
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

// parseArgs reads `--n -3` as a flag followed by another flag; joining it into `--n=-3`
// lets the value reach validation, which then names the flag and what it expects.
function attachNegativeValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (arg.startsWith('--') && !arg.includes('=') && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp());
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(version() + '\n');
    return 0;
  }
  const command = commands[name];
  try {
    if (!command) throw new UsageError(`unknown command '${name}' (commands: ${Object.keys(commands).join(', ')})`);
    await command.run(attachNegativeValues(rest));
    // A command may set its own status (an interrupted run: 130; failed jobs: 1).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    const usage =
      error instanceof UsageError ||
      error instanceof ModelConfigError ||
      error instanceof MatrixError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const message = error instanceof Error ? error.message : String(error);
    // One line, except a config error listing several fields: each gets its line.
    const text = error instanceof ModelConfigError || error instanceof MatrixError ? message : message.split('\n')[0];
    process.stderr.write(`bitbench: ${text}\n`);
    return usage ? EXIT_USAGE : EXIT_FAILURE;
  }
}

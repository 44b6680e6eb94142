// The bitbench command line: one subcommand per user task.
import { readFileSync } from 'node:fs';
import { ISA_NAMES } from '../../runner/protocol/names.js';
import { EXIT_USAGE, exitCodeFor, isUsageError, UsageError } from './cli-error.js';
import { normalizeFlagAliases } from './flag-aliases.js';
import { dropOutputToClosedReaders } from './closed-output.js';
import { exitOnInterrupt } from './interrupt.js';
import { printErr } from '../../reports/text-safety/terminal-text.js';

type CommandRun = (args: string[]) => Promise<void>;

// Each command's module (and what it pulls in: the addon, SQLite, BullMQ, the AWS SDK, Vega)
// loads only when that command runs, so `bitbench --help` costs what Node's start-up costs.
const commands: Record<string, { load: () => Promise<CommandRun>; summary: string }> = {
  local: { load: async () => (await import('./local-command.js')).localCommand, summary: 'run a benchmark matrix on this machine into the result store (default: matrices/quick.yaml)' },
  kernel: { load: async () => (await import('./kernel-command.js')).kernelCommand, summary: 'time one compute path (baseline, cached-f32, cached-bf16, fused, fused-i8) on this machine' },
  model: { load: async () => (await import('./model-command.js')).modelCommand, summary: 'run the full BitNet b1.58 model on one path: prefill and decode tokens/s, roofline' },
  isa: { load: async () => (await import('./isa-command.js')).isaCommand, summary: 'list the kernel ISA implementations and which one is active' },
  cpu: { load: async () => (await import('./cpu-command.js')).cpuCommand, summary: "print this machine's fingerprint (CPU, topology, ISA, instance, memory bandwidth)" },
  export: { load: async () => (await import('./export-command.js')).exportCommand, summary: 'write stored results out as JSON lines, CSV or a Markdown table' },
  report: { load: async () => (await import('./report-command.js')).reportCommand, summary: 'write one self-contained HTML report (charts inline) of stored runs' },
  serve: { load: async () => (await import('./serve-command.js')).serveCommand, summary: 'a read-only local web server listing runs and rendering reports' },
  enqueue: { load: async () => (await import('./enqueue-command.js')).enqueueCommand, summary: 'add a matrix to the broker: one BullMQ queue per instance type (fleet runs)' },
  worker: { load: async () => (await import('./worker-command.js')).workerCommand, summary: "run jobs from this instance type's queue (the fleet container's entrypoint)" },
  status: { load: async () => (await import('./status-command.js')).statusCommand, summary: 'where fleet runs stand: jobs per queue, live workers and their CPUs, ETA' },
  collect: { load: async () => (await import('./collect-command.js')).collectCommand, summary: 'move finished fleet jobs into the result store, exactly once' },
  cancel: { load: async () => (await import('./cancel-command.js')).cancelCommand, summary: "cancel a fleet run's jobs that have not started" },
  fleet: { load: async () => { const { fleetCommand } = await import('./fleet-command.js'); return (args) => fleetCommand(args); }, summary: 'EC2 fleet tools: check a matrix\'s instance types, spot prices, reap expired instances' },
};

function mainHelp(): string {
  const width = Object.keys(commands).reduce((widest, name) => Math.max(widest, name.length), 0);
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
  dropOutputToClosedReaders();
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
    const run = await command.load();
    exitOnInterrupt();
    await run(attachNegativeValues(normalizeFlagAliases(rest)));
    // A command may set its own status (an interrupted run: 130; failed jobs: 1).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // One line, except bad input (a config or a matrix with several problems): each gets its line.
    const text = isUsageError(error) ? message : message.split('\n')[0];
    // An error's text may quote what a remote machine or a file said: shown, never acted on.
    printErr(`bitbench: ${text}\n`);
    return exitCodeFor(error);
  }
}

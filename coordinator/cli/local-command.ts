// `bitbench local`: run a benchmark matrix on this machine into the result store.
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_STORE_FILE, ResultStore } from '../store/result-store.js';
import { runLocal, type LocalRunEvent } from '../local/run-local.js';
import { summarizeRun } from '../local/run-summary.js';
import { writeHtmlReport } from '../reporting/store-report.js';
import type { Fingerprint } from '../../runner/fingerprint/fingerprint.js';
import { EXIT_INTERRUPTED, UsageError } from './cli-error.js';
import { takeInterrupt } from './interrupt.js';
import { packageRoot } from '../../native/package-root.js';
import { positiveInteger } from './option-parsing.js';
import { printOut, terminalLine, terminalText } from '../../reports/text-safety/terminal-text.js';

export const DEFAULT_MATRIX = join(packageRoot(), 'matrices', 'quick.yaml');

export const DEFAULT_LOCAL_JOB_TIMEOUT_S = 600;

export const localHelp = `Usage: bitbench local [MATRIX] [options]

Runs a benchmark matrix (YAML or JSON; default: matrices/quick.yaml, every compute path in a
few minutes) on this machine: no Redis, no cloud. The machine is fingerprinted once (CPU,
ISA, caches, memory bandwidth, EC2 identity if any); jobs run in a seeded random order in a
sandbox process (a crash or a timeout is a failed job, and the run goes on); every result is
stored as it finishes. Ctrl-C stops after the job in flight, keeping what finished.

Options:
  --db FILE            result store (default: ${DEFAULT_STORE_FILE})
  --resume RUN_ID      continue an interrupted run: skip the jobs it already finished
  --seed N             seed of the job order (default: random, recorded with the run)
  --job-timeout S      seconds before a job is killed and recorded as failed (default: ${DEFAULT_LOCAL_JOB_TIMEOUT_S})
  --no-imds            do not ask the EC2 metadata service who this machine is
  -h, --help           this help

Then: bitbench export --format md (or jsonl, csv) writes the results out.
`;

function reporter(stream: NodeJS.WriteStream = process.stderr) {
  const tty = stream.isTTY === true;
  let runStarted = Date.now();
  let current = '';
  return (event: LocalRunEvent) => {
    switch (event.type) {
      case 'fingerprint': {
        const f = event.fingerprint;
        const bw = f.bandwidth?.at(-1);
        stream.write(terminalText(`machine: ${f.cpu.modelName} (${f.cpu.microarchitecture}), ${f.topology.logicalCpus} CPUs, ISA ${f.isa.active}, instance ${f.instance.instanceType}${bw ? `, ${bw.readGBs.toFixed(1)} GB/s read` : ''}\n`));
        break;
      }
      case 'start':
        runStarted = Date.now();
        stream.write(terminalText(`run ${event.runId}: ${event.total} jobs${event.pending < event.total ? ` (${event.total - event.pending} already done)` : ''}, order seed ${event.seed}\n`));
        break;
      case 'job-start': {
        // One line that \r rewrites: the job's text may carry no line break or control of its own.
        current = terminalLine(`[${event.index}/${event.total}] ${event.description}`);
        if (tty) stream.write(`\r\x1b[K${current}`);
        break;
      }
      case 'job-progress':
        if (tty) stream.write(`\r\x1b[K${current} (${event.done}/${event.total} tokens)`);
        break;
      case 'job-end': {
        const elapsed = (Date.now() - runStarted) / 1000;
        const eta = (elapsed / event.index) * (event.total - event.index);
        const status = event.ok ? 'ok' : `FAILED: ${event.reason}`;
        const line = `[${event.index}/${event.total}] ${event.description}: ${status} (${event.seconds.toFixed(1)} s, about ${Math.round(eta)} s left)`;
        stream.write(tty ? `\r\x1b[K${terminalText(line)}\n` : `${terminalText(line)}\n`);
        break;
      }
    }
  };
}

export async function localCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      resume: { type: 'string' },
      seed: { type: 'string' },
      'job-timeout': { type: 'string' },
      'no-imds': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(localHelp);
    return;
  }
  if (positionals.length > 1) throw new UsageError(`expected at most one matrix file but received ${positionals.length}`);
  if (positionals.length && values.resume) throw new UsageError('--resume continues a stored run with its own matrix; do not name a matrix file too');
  const dbPath = values.db ?? DEFAULT_STORE_FILE;
  const controller = new AbortController();
  const giveBackInterrupt = takeInterrupt((count) => {
    if (count > 1) process.exit(EXIT_INTERRUPTED);
    process.stderr.write('\ninterrupted: stopping after the job in flight (Ctrl-C again to quit now)\n');
    controller.abort();
  });
  try {
    const summary = await runLocal({
      matrixPath: positionals[0] ?? DEFAULT_MATRIX,
      dbPath,
      ...(values.resume ? { resumeRunId: values.resume } : {}),
      ...(values.seed !== undefined ? { seed: positiveInteger('seed', values.seed, 1) } : {}),
      jobTimeoutMs: positiveInteger('job-timeout', values['job-timeout'], DEFAULT_LOCAL_JOB_TIMEOUT_S) * 1000,
      imds: !values['no-imds'],
      signal: controller.signal,
      onEvent: reporter(),
    });
    const store = ResultStore.open(dbPath, { readonly: true });
    try {
      const run = store.getRun(summary.runId)!;
      printOut(summarizeRun(store.results({ runIds: [summary.runId] }), run.fingerprint as Fingerprint));
    } finally {
      store.close();
    }
    if (summary.completed + summary.skipped > 0) {
      const store = ResultStore.open(dbPath, { readonly: true });
      try {
        // Beside the store, so a run's report and its results stay together.
        const output = join(dirname(dbPath), `report-${summary.runId}.html`);
        const file = await writeHtmlReport(store, { runIds: [summary.runId], output });
        printOut(`\nreport: ${file}\n`);
      } finally {
        store.close();
      }
    }
    const overhead = summary.jobSeconds > 0 ? (100 * (summary.seconds - summary.jobSeconds)) / summary.jobSeconds : 0;
    printOut(
      `\nrun ${summary.runId}: ${summary.completed} done, ${summary.failed} failed, ${summary.skipped} skipped as already done; ` +
        `${summary.seconds.toFixed(0)} s (${overhead.toFixed(1)}% beyond the jobs' own time); results in ${dbPath}\n`,
    );
    if (summary.interrupted) {
      printOut(`interrupted: continue with  bitbench local --resume ${summary.runId}${values.db ? ` --db ${values.db}` : ''}\n`);
      process.exitCode = EXIT_INTERRUPTED;
    } else if (summary.failed > 0) {
      process.exitCode = 1;
    }
  } finally {
    giveBackInterrupt();
  }
}

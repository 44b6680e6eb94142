// `bitbench enqueue`: a matrix onto the broker, one queue per instance type.
import { parseArgs } from 'node:util';
import { enqueueRun, DEFAULT_ATTEMPTS } from '../distributed/enqueue-run.js';
import { UsageError } from './cli-error.js';
import { openBroker, REDIS_OPTION_HELP } from './broker-option.js';
import { positiveInteger } from './option-parsing.js';
import { runIdName } from '../../runner/protocol/value-schemas.js';
import { printOut } from '../../reports/text-safety/terminal-text.js';
import { jsonLine } from './json-output.js';

export const enqueueHelp = `Usage: bitbench enqueue MATRIX --redis URL [options]

Expands the matrix once per instance type it lists and adds the jobs to one BullMQ queue per
type (bitbench-<instance type>), in a seeded random order, each under its stable id. Workers
(bitbench worker) on machines of each type take them; bitbench collect stores the results.
Enqueueing the same matrix again adds nothing: the run id defaults to the matrix name and a
hash of its content, and jobs already queued or already collected are skipped. A failed job is
retried with exponential backoff.

Options:
${REDIS_OPTION_HELP}
  --run ID             the run (default: NAME-HASH of the matrix); a new id runs it afresh;
                       also --run-id
  --seed N             seed of the job order for a new run (default: from the matrix)
  --attempts N         tries per job before it is recorded as failed (default: ${DEFAULT_ATTEMPTS})
  --json               print the summary as JSON
  -h, --help           this help

Threads 'all' becomes each instance type's vCPU count, read from AWS's size names (.large: 2,
.xlarge: 4, .8xlarge: 32); other names need a 'vcpus:' map in the matrix (bitbench fleet check
MATRIX --write FILE writes one from EC2's figures).
`;

export async function enqueueCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      redis: { type: 'string' },
      run: { type: 'string' },
      seed: { type: 'string' },
      attempts: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(enqueueHelp);
    return;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one matrix file but received ${positionals.length} (bitbench enqueue --help)`);
  const runId = values.run;
  if (runId !== undefined && !runIdName.safeParse(runId).success) {
    throw new UsageError(`--run: expected letters, digits, '.', '_', ':' and '-' (at most 128) but received '${runId}'`);
  }
  const session = await openBroker(values.redis);
  try {
    const summary = await enqueueRun(session, {
      matrixPath: positionals[0]!,
      ...(runId ? { runId } : {}),
      ...(values.seed !== undefined ? { seed: positiveInteger('seed', values.seed, 1) } : {}),
      attempts: positiveInteger('attempts', values.attempts, DEFAULT_ATTEMPTS),
    });
    if (values.json) {
      printOut(jsonLine(summary));
      return;
    }
    const added = summary.queues.reduce((sum, q) => sum + q.added, 0);
    const total = summary.queues.reduce((sum, q) => sum + q.jobs, 0);
    printOut(`run ${summary.runId}${summary.created ? ' (new)' : ' (already enqueued)'}: ${added} of ${total} jobs added in ${summary.seconds.toFixed(2)} s, order seed ${summary.orderSeed}\n`);
    for (const q of summary.queues) {
      const notes = [q.alreadyQueued ? `${q.alreadyQueued} already queued` : '', q.alreadyCollected ? `${q.alreadyCollected} already collected` : ''].filter(Boolean);
      printOut(`  ${q.queue.padEnd(28)} ${String(q.added).padStart(6)} added of ${q.jobs}${notes.length ? ` (${notes.join(', ')})` : ''}\n`);
    }
    printOut(`next: bitbench worker on each instance type, then bitbench status --run ${summary.runId} and bitbench collect\n`);
  } finally {
    await session.close();
  }
}

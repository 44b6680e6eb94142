// `bitbench collect`: finished fleet jobs into the result store, exactly once.
import { parseArgs } from 'node:util';
import { collectOnce, type CollectPass } from '../distributed/collect-results.js';
import { listRunIds } from '../distributed/run-registry.js';
import { DEFAULT_STORE_FILE, ResultStore } from '../store/result-store.js';
import { brokerWaitMs, openBroker, REDIS_OPTION_HELP, WAIT_FOR_BROKER_OPTION_HELP } from './broker-option.js';
import { positiveInteger } from './option-parsing.js';
import { takeInterrupt } from './interrupt.js';
import { redactSecrets } from '../../runner/broker/redis-url.js';
import { printErr, printOut } from '../../reports/text-safety/terminal-text.js';

const DEFAULT_INTERVAL_S = 2;

export const collectHelp = `Usage: bitbench collect --redis URL [--db FILE] [--follow]

Moves finished jobs from the broker into the result store: each result once (the store is
unique on job id), failed jobs with their reasons, and the run's row made from what enqueue
recorded. A job leaves Redis only after the store has it, so collect is safe to stop at any
point, to run again, or to run in two terminals at once.

Options:
${REDIS_OPTION_HELP}
  --db FILE            result store (default: ${DEFAULT_STORE_FILE})
  --run ID             only this run (default: every run on the broker); also --run-id
  --follow             keep collecting until every run is complete (Ctrl-C stops); waits
                       for a broker that is not up yet, or goes away
${WAIT_FOR_BROKER_OPTION_HELP}
                       (with --follow only)
  --interval S         seconds between passes with --follow (default: ${DEFAULT_INTERVAL_S})
  -h, --help           this help

Then: bitbench report --db FILE writes the HTML report.
`;

function describePass(pass: CollectPass): string {
  const lines = [`collected ${pass.results} results and ${pass.failures} failures${pass.duplicates ? ` (${pass.duplicates} already stored)` : ''}`];
  for (const run of pass.runs) {
    lines.push(`  run ${run.runId}: ${run.collected}/${run.total} collected, ${run.outstanding} still queued or running${run.finished ? ' (complete)' : ''}`);
  }
  for (const u of pass.unattributed) lines.push(`  not stored: job ${u.jobId} in ${u.queue}: ${u.reason}`);
  return lines.join('\n') + '\n';
}

export async function collectCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      redis: { type: 'string' },
      db: { type: 'string' },
      run: { type: 'string' },
      follow: { type: 'boolean' },
      interval: { type: 'string' },
      'wait-for-broker': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(collectHelp);
    return;
  }
  const intervalMs = positiveInteger('interval', values.interval, DEFAULT_INTERVAL_S) * 1000;
  const dbPath = values.db ?? DEFAULT_STORE_FILE;
  const waitMs = brokerWaitMs(values['wait-for-broker']);
  // Like the worker: with --follow the operator may start collecting before the broker is up.
  const session = await openBroker(values.redis, values.follow ? waitMs : undefined);
  const store = ResultStore.open(dbPath);
  let stop = false;
  const giveBackInterrupt = takeInterrupt(() => {
    stop = true;
  });
  let lastError = '';
  try {
    for (;;) {
      try {
        const runIds = values.run ? [values.run] : await listRunIds(session.redis);
        const pass = await collectOnce(session, store, runIds);
        lastError = '';
        if (!values.follow || pass.results + pass.failures > 0 || pass.runs.every((r) => r.finished)) printOut(describePass(pass));
        if (!values.follow || pass.runs.every((r) => r.finished)) break;
      } catch (error) {
        if (!values.follow) throw error;
        // With --follow a broker outage is waited out: ioredis reconnects by itself.
        const message = redactSecrets(error instanceof Error ? error.message : String(error), session.address);
        if (message !== lastError) printErr(`collect: ${message}; retrying\n`);
        lastError = message;
      }
      if (stop) break;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      if (stop) break;
    }
    printOut(`results in ${dbPath}\n`);
  } finally {
    giveBackInterrupt();
    store.close();
    await session.close();
  }
}

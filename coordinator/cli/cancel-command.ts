// `bitbench cancel`: stop a fleet run that has not finished.
import { parseArgs } from 'node:util';
import { cancelRun } from '../distributed/cancel-run.js';
import { UsageError } from './cli-error.js';
import { openBroker, REDIS_OPTION_HELP } from './broker-option.js';
import { printOut } from '../../reports/text-safety/terminal-text.js';

export const cancelHelp = `Usage: bitbench cancel --run ID --redis URL

Removes the run's jobs that have not started from their queues and marks the run cancelled, so
no worker starts another of its jobs. Jobs already running finish, and bitbench collect still
stores their results; the run is then recorded as interrupted.

Options:
${REDIS_OPTION_HELP}
  --run ID             the run to cancel (required); also --run-id
  -h, --help           this help
`;

export async function cancelCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: { redis: { type: 'string' }, run: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(cancelHelp);
    return;
  }
  const runId = values.run;
  if (!runId) throw new UsageError('--run: expected the run to cancel (bitbench status lists them)');
  const session = await openBroker(values.redis);
  try {
    const summary = await cancelRun(session, runId);
    printOut(`run ${runId} cancelled: ${summary.removed} waiting jobs removed, ${summary.stillRunning} still running (their results will be collected)\n`);
  } finally {
    await session.close();
  }
}

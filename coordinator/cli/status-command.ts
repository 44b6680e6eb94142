// `bitbench status`: where a fleet run stands.
import { parseArgs } from 'node:util';
import { readStatus } from '../distributed/run-status.js';
import { formatStatus } from '../distributed/format-status.js';
import { openBroker, REDIS_OPTION_HELP } from './broker-option.js';
import { positiveInteger } from './option-parsing.js';

export const statusHelp = `Usage: bitbench status --redis URL [--run-id ID] [--watch]

Per run and queue: jobs waiting, retrying (backing off after a failure), active, finished and
not yet collected, failed, collected; the live workers with the instance type and CPU each runs
on; an ETA from the time each queue's workers have taken per job.

Options:
${REDIS_OPTION_HELP}
  --run-id ID          one run (default: every run on the broker not yet fully collected)
  --all                also the runs whose every job is collected
  --watch              redraw every --interval seconds until nothing is left to run (Ctrl-C stops)
  --interval S         seconds between redraws with --watch (default: 2)
  --json               print the snapshot as JSON
  -h, --help           this help
`;

export async function statusCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      redis: { type: 'string' },
      'run-id': { type: 'string' },
      watch: { type: 'boolean' },
      all: { type: 'boolean' },
      interval: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(statusHelp);
    return;
  }
  const intervalMs = positiveInteger('interval', values.interval, 2) * 1000;
  const session = await openBroker(values.redis);
  let stop = false;
  const onSigint = () => {
    stop = true;
  };
  process.on('SIGINT', onSigint);
  try {
    const tty = process.stdout.isTTY === true;
    for (;;) {
      const snapshot = await readStatus(session, { ...(values['run-id'] ? { runId: values['run-id'] } : {}), all: values.all === true });
      const text = values.json ? JSON.stringify(snapshot) + '\n' : formatStatus(snapshot);
      process.stdout.write(values.watch && tty && !values.json ? `\x1b[H\x1b[2J${text}` : text);
      const running = snapshot.runs.some((r) => !r.cancelled && r.queues.some((q) => q.waiting + q.retrying + q.active > 0));
      if (!values.watch || !running || stop) break;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      if (stop) break;
    }
  } finally {
    process.off('SIGINT', onSigint);
    await session.close();
  }
}

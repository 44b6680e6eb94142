// `bitbench status`: where a fleet run stands.
import { parseArgs } from 'node:util';
import { readStatus } from '../distributed/run-status.js';
import { formatStatus } from '../distributed/format-status.js';
import { openBroker, REDIS_OPTION_HELP } from './broker-option.js';
import { positiveInteger } from './option-parsing.js';
import { takeInterrupt } from './interrupt.js';
import { terminalText } from '../../reports/text-safety/terminal-text.js';
import { jsonLine } from './json-output.js';

const DEFAULT_INTERVAL_S = 2;

export const statusHelp = `Usage: bitbench status --redis URL [--run ID] [--watch]

Per run and queue: jobs waiting, retrying (backing off after a failure), active, finished and
not yet collected, failed, collected; the live workers with the instance type and CPU each runs
on; an ETA from the time each queue's workers have taken per job.

Options:
${REDIS_OPTION_HELP}
  --run ID             one run (default: every run on the broker not yet fully collected);
                       also --run-id
  --all                also the runs whose every job is collected
  --watch              redraw every --interval seconds until nothing is left to run (Ctrl-C stops)
  --interval S         seconds between redraws with --watch (default: ${DEFAULT_INTERVAL_S})
  --json               print the snapshot as JSON
  -h, --help           this help
`;

export async function statusCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      redis: { type: 'string' },
      run: { type: 'string' },
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
  const intervalMs = positiveInteger('interval', values.interval, DEFAULT_INTERVAL_S) * 1000;
  const session = await openBroker(values.redis);
  let stop = false;
  const giveBackInterrupt = takeInterrupt(() => {
    stop = true;
  });
  try {
    const tty = process.stdout.isTTY === true;
    for (;;) {
      const snapshot = await readStatus(session, { ...(values.run ? { runId: values.run } : {}), all: values.all === true });
      const text = values.json ? jsonLine(snapshot) : formatStatus(snapshot);
      // The screen-clearing sequence is ours; the text (worker hostnames, CPU models) is made safe.
      process.stdout.write(values.watch && tty && !values.json ? `\x1b[H\x1b[2J${terminalText(text)}` : terminalText(text));
      const running = snapshot.runs.some((r) => !r.cancelled && r.queues.some((q) => q.waiting + q.retrying + q.active > 0));
      if (!values.watch || !running || stop) break;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      if (stop) break;
    }
  } finally {
    giveBackInterrupt();
    await session.close();
  }
}

// `bitbench worker`: the runner on a fleet machine (the container's entrypoint). Flags and
// logging live here; the start-up itself is the runner's (runner/worker/start-worker.ts).
import { parseArgs } from 'node:util';
import { instanceTypeName } from '../../runner/protocol/value-schemas.js';
import { DEFAULT_LOCK_DURATION_MS, DEFAULT_STALLED_INTERVAL_MS, type WorkerEvent } from '../../runner/worker/benchmark-worker.js';
import { startWorker } from '../../runner/worker/start-worker.js';
import { EXIT_INTERRUPTED, UsageError } from './cli-error.js';
import { brokerAddress, brokerWaitMs, logLine, REDIS_OPTION_HELP, WAIT_FOR_BROKER_OPTION_HELP } from './broker-option.js';
import { takeInterrupt } from './interrupt.js';
import { positiveInteger } from './option-parsing.js';

export const DEFAULT_WORKER_JOB_TIMEOUT_S = 1800;

export const workerHelp = `Usage: bitbench worker [--redis URL] [--instance-type auto|NAME] [options]

Takes jobs from this instance type's queue (bitbench-<type>) one at a time and runs each
exactly as bitbench local does, in a sandbox process, returning the result tagged with this
machine's fingerprint (measured once at start, memory bandwidth included). Registers itself
with a heartbeat so bitbench status shows it. A job that is not a valid bitbench job fails at
once with the reason; the worker goes on. SIGTERM or Ctrl-C hands the job in flight back to the
queue and exits; on EC2 spot, so does the two-minute interruption notice.

Options:
${REDIS_OPTION_HELP}
  --instance-type T    auto (default): ask EC2's metadata service (IMDSv2); or a name to claim
                       (a machine of your own, or tests): results are tagged with it
  --job-timeout S      seconds before a job is killed and retried (default: ${DEFAULT_WORKER_JOB_TIMEOUT_S})
  --lock-duration S    seconds a job's lock lasts without renewal; a dead worker's job is
                       retried after this (default: ${DEFAULT_LOCK_DURATION_MS / 1000})
  --stalled-interval S seconds between checks for jobs of dead workers (default: ${DEFAULT_STALLED_INTERVAL_MS / 1000})
  --no-bandwidth       skip the memory bandwidth measurement at start (no roofline figures)
${WAIT_FOR_BROKER_OPTION_HELP}
  -h, --help           this help
`;

function describeEvent(event: WorkerEvent): string {
  switch (event.type) {
    case 'ready':
      return `worker ${event.workerId} taking jobs from ${event.queue}`;
    case 'job-start':
      return `job ${event.jobId}: ${event.description}`;
    case 'job-end':
      return `job ${event.jobId}: ${event.ok ? 'done' : `FAILED: ${event.reason}`} (${event.seconds.toFixed(2)} s)`;
    case 'undelivered':
      return `job ${event.jobId}: finished (${event.seconds.toFixed(2)} s) but the broker did not record its result (${event.reason}); it will run again`;
    case 'rejected':
      return `job ${event.jobId}: rejected: ${event.reason}`;
    case 'handed-back':
      return `job ${event.jobId}: handed back to the queue (${event.reason})`;
    case 'broker-error':
      return `broker: ${event.message} (reconnecting)`;
    case 'stopped':
      return `stopped (${event.reason})`;
  }
}

export async function workerCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      redis: { type: 'string' },
      'instance-type': { type: 'string' },
      'job-timeout': { type: 'string' },
      'lock-duration': { type: 'string' },
      'stalled-interval': { type: 'string' },
      'no-bandwidth': { type: 'boolean' },
      'wait-for-broker': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(workerHelp);
    return;
  }
  const address = brokerAddress(values.redis);
  const claimed = values['instance-type'] ?? 'auto';
  if (claimed !== 'auto' && !instanceTypeName.safeParse(claimed).success) {
    throw new UsageError(`--instance-type: expected 'auto' or an instance type name (letters, digits, '.', '_', '-') but received '${claimed}'`);
  }
  const jobTimeoutMs = positiveInteger('job-timeout', values['job-timeout'], DEFAULT_WORKER_JOB_TIMEOUT_S) * 1000;
  const lockDurationMs = positiveInteger('lock-duration', values['lock-duration'], DEFAULT_LOCK_DURATION_MS / 1000) * 1000;
  const stalledIntervalMs = positiveInteger('stalled-interval', values['stalled-interval'], DEFAULT_STALLED_INTERVAL_MS / 1000) * 1000;

  const started = await startWorker({
    redis: address,
    instanceType: claimed,
    jobTimeoutMs,
    lockDurationMs,
    stalledIntervalMs,
    brokerWaitMs: brokerWaitMs(values['wait-for-broker']),
    bandwidth: !values['no-bandwidth'],
    log: logLine,
    onEvent: (event) => logLine(describeEvent(event)),
  });
  const onSignal = (signal: NodeJS.Signals, count: number) => {
    if (count > 1) process.exit(signal === 'SIGINT' ? EXIT_INTERRUPTED : undefined);
    logLine(`${signal}: handing the job in flight back and stopping (again to quit at once)`);
    void started.stop(signal);
  };
  let terms = 0;
  const onSigterm = () => onSignal('SIGTERM', ++terms);
  process.on('SIGTERM', onSigterm);
  const giveBackInterrupt = takeInterrupt((count) => onSignal('SIGINT', count));
  await started.stopped;
  process.off('SIGTERM', onSigterm);
  giveBackInterrupt();
  // A broker that is down leaves reconnect timers behind: once stopped, the worker is done.
  setTimeout(() => process.exit(), 1_000).unref();
}

// `bitbench worker`: the runner on a fleet machine (the container's entrypoint).
import { parseArgs } from 'node:util';
import { collectFingerprint } from '../../runner/fingerprint/fingerprint.js';
import { instanceTypeName } from '../../runner/protocol/value-schemas.js';
import { BenchmarkWorker, DEFAULT_LOCK_DURATION_MS, DEFAULT_STALLED_INTERVAL_MS, type WorkerEvent } from '../../runner/worker/benchmark-worker.js';
import { watchSpotNotice } from '../../runner/worker/spot-notice.js';
import { brokerWarning } from '../../runner/broker/broker-check.js';
import { UsageError } from './cli-error.js';
import { brokerAddress, REDIS_OPTION_HELP } from './broker-option.js';
import type { BrokerAddress } from '../../runner/broker/redis-url.js';
import { positiveInteger } from './option-parsing.js';
import { BrokerSession } from '../distributed/broker-session.js';

export const DEFAULT_WORKER_JOB_TIMEOUT_S = 1800;
// A fleet boots its runners and its broker together: a runner may be up before Redis is.
const DEFAULT_BROKER_WAIT_S = 300;
// Long enough for IMDS through a container's extra network hop; a non-EC2 machine waits this once.
const IMDS_TIMEOUT_MS = 2_000;

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
  --wait-for-broker S  seconds to keep trying a broker that does not answer yet (default:
                       ${DEFAULT_BROKER_WAIT_S}); a wrong password or certificate fails at once
  -h, --help           this help
`;

// What waiting cannot fix: the credentials or the certificate.
const PERMANENT_BROKER_ERROR = /WRONGPASS|NOAUTH|invalid username-password|certificate|self-signed|ERR_TLS/i;

async function waitForBroker(address: BrokerAddress, waitMs: number): Promise<BrokerSession> {
  const deadline = Date.now() + waitMs;
  let said = '';
  for (;;) {
    try {
      return await BrokerSession.open(address);
    } catch (error) {
      const message = (error as Error).message;
      if (PERMANENT_BROKER_ERROR.test(message) || Date.now() >= deadline) throw error;
      if (message !== said) logLine(`${message}; waiting for it (up to ${Math.round(waitMs / 1000)} s)`);
      said = message;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }
}

function logLine(text: string): void {
  process.stderr.write(`${new Date().toISOString()} ${text}\n`);
}

function describeEvent(event: WorkerEvent): string {
  switch (event.type) {
    case 'ready':
      return `worker ${event.workerId} taking jobs from ${event.queue}`;
    case 'job-start':
      return `job ${event.jobId}: ${event.description}`;
    case 'job-end':
      return `job ${event.jobId}: ${event.ok ? 'done' : `FAILED: ${event.reason}`} (${event.seconds.toFixed(2)} s)`;
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

  // Reach the broker first: a wrong URL should fail in seconds, not after a bandwidth probe.
  const probe = await waitForBroker(address, positiveInteger('wait-for-broker', values['wait-for-broker'], DEFAULT_BROKER_WAIT_S) * 1000);
  const warning = await brokerWarning(probe.redis, address.display).catch(() => null);
  await probe.close();
  if (warning) logLine(warning);

  logLine('fingerprinting this machine...');
  const fingerprint = await collectFingerprint({ imds: { timeoutMs: IMDS_TIMEOUT_MS }, bandwidth: !values['no-bandwidth'] });
  const identity = fingerprint.instance;
  let instanceType: string;
  if (claimed === 'auto') {
    if (identity.source !== 'imds') {
      throw new UsageError(`--instance-type auto: EC2's metadata service did not say what this machine is (${identity.reason}); pass --instance-type NAME`);
    }
    instanceType = identity.instanceType;
  } else {
    instanceType = claimed;
    if (identity.source === 'imds' && identity.instanceType !== claimed) {
      logLine(`warning: EC2 says this is ${identity.instanceType}, but --instance-type claims ${claimed}: results will be tagged ${claimed}`);
    }
  }

  const worker = new BenchmarkWorker({
    redis: address,
    instanceType,
    instanceTypeSource: claimed === 'auto' ? 'imds' : 'flag',
    fingerprint,
    jobTimeoutMs,
    lockDurationMs,
    stalledIntervalMs,
    onEvent: (event) => logLine(describeEvent(event)),
  });
  let stopWatch = () => {};
  const stopped = new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      if (++signals > 1) process.exit(130);
      logLine(`${signal}: handing the job in flight back and stopping (again to quit at once)`);
      void worker.stop(signal).then(resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    if (identity.source === 'imds') {
      stopWatch = watchSpotNotice({
        timeoutMs: IMDS_TIMEOUT_MS,
        onNotice: (notice) => {
          logLine(`spot interruption notice (${notice}): handing the job in flight back`);
          void worker.stop('spot interruption notice').then(resolve);
        },
      });
    }
  });
  const cpu = fingerprint.cpu;
  logLine(`${instanceType}: ${cpu.modelName ?? 'unknown CPU'} (${cpu.microarchitecture}), ISA ${fingerprint.isa.active}, ${fingerprint.topology.logicalCpus} CPUs`);
  await worker.start();
  await stopped;
  stopWatch();
  // A broker that is down leaves reconnect timers behind: once stopped, the worker is done.
  setTimeout(() => process.exit(), 1_000).unref();
}

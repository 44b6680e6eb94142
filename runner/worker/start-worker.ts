// A fleet runner's start-up, in the order that fails fastest: reach the broker (waiting for one
// that is still booting), fingerprint the machine, learn its instance type, start taking jobs,
// and hand the job in flight back on a spot interruption notice. `bitbench worker` parses flags
// and logs; everything it starts is here, in the runner.
import { brokerWarning } from '../broker/broker-check.js';
import type { BrokerAddress } from '../broker/redis-url.js';
import { waitForBroker } from '../broker/wait-for-broker.js';
import { UsageError } from '../errors.js';
import { collectFingerprint, type Fingerprint } from '../fingerprint/fingerprint.js';
import { BenchmarkWorker, type WorkerEvent } from './benchmark-worker.js';
import { watchSpotNotice } from './spot-notice.js';

// Long enough for IMDS through a container's extra network hop; a non-EC2 machine waits this once.
export const IMDS_TIMEOUT_MS = 2_000;

export interface StartWorkerOptions {
  redis: BrokerAddress;
  /** 'auto': ask EC2's metadata service; else the name results are tagged with. */
  instanceType: 'auto' | string;
  jobTimeoutMs: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  brokerWaitMs: number;
  /** Measure the memory bandwidth (the roofline) while fingerprinting. */
  bandwidth: boolean;
  log: (line: string) => void;
  onEvent: (event: WorkerEvent) => void;
}

export interface StartedWorker {
  worker: BenchmarkWorker;
  instanceType: string;
  fingerprint: Fingerprint;
  /** Resolves once the worker has stopped (stop() or a spot notice) and handed its job back. */
  stopped: Promise<void>;
  stop(reason: string): Promise<void>;
}

export async function startWorker(options: StartWorkerOptions): Promise<StartedWorker> {
  const waitMs = options.brokerWaitMs;
  // Reach the broker first: a wrong URL should fail in seconds, not after a bandwidth probe.
  const probe = await waitForBroker(options.redis, {
    waitMs,
    onWaiting: (message) => options.log(`${message}; waiting for it (up to ${Math.round(waitMs / 1000)} s)`),
  });
  const warning = await brokerWarning(probe, options.redis.display).catch(() => null);
  probe.disconnect();
  if (warning) options.log(warning);

  options.log('fingerprinting this machine...');
  const fingerprint = await collectFingerprint({ imds: { timeoutMs: IMDS_TIMEOUT_MS }, bandwidth: options.bandwidth });
  const instanceType = resolveInstanceType(options.instanceType, fingerprint, options.log);

  const worker = new BenchmarkWorker({
    redis: options.redis,
    instanceType,
    instanceTypeSource: options.instanceType === 'auto' ? 'imds' : 'flag',
    fingerprint,
    jobTimeoutMs: options.jobTimeoutMs,
    lockDurationMs: options.lockDurationMs,
    stalledIntervalMs: options.stalledIntervalMs,
    onEvent: options.onEvent,
  });
  let stopWatch = () => {};
  let resolveStopped = () => {};
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  const stop = (reason: string) =>
    worker.stop(reason).then(() => {
      stopWatch();
      resolveStopped();
    });
  if (fingerprint.instance.source === 'imds') {
    stopWatch = watchSpotNotice({
      timeoutMs: IMDS_TIMEOUT_MS,
      onNotice: (notice) => {
        options.log(`spot interruption notice (${notice}): handing the job in flight back`);
        void stop('spot interruption notice');
      },
    });
  }
  const cpu = fingerprint.cpu;
  options.log(`${instanceType}: ${cpu.modelName ?? 'unknown CPU'} (${cpu.microarchitecture}), ISA ${fingerprint.isa.active}, ${fingerprint.topology.logicalCpus} CPUs`);
  await worker.start();
  return { worker, instanceType, fingerprint, stopped, stop };
}

function resolveInstanceType(claimed: string, fingerprint: Fingerprint, log: (line: string) => void): string {
  const identity = fingerprint.instance;
  if (claimed === 'auto') {
    if (identity.source !== 'imds') {
      throw new UsageError(`--instance-type auto: EC2's metadata service did not say what this machine is (${identity.reason}); pass --instance-type NAME`);
    }
    return identity.instanceType;
  }
  if (identity.source === 'imds' && identity.instanceType !== claimed) {
    log(`warning: EC2 says this is ${identity.instanceType}, but --instance-type claims ${claimed}: results will be tagged ${claimed}`);
  }
  return claimed;
}

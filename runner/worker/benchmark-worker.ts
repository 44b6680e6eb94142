// The runner on a fleet machine: takes jobs from its instance type's queue one at a time and runs
// each exactly as `bitbench local` does, in the sandbox child process. The job runs there, not
// here, so this process's event loop stays free to renew the job's lock however long it runs.
// Stopping (SIGTERM, a spot notice) hands the job in flight back to the queue at once, so another
// machine of the type retries it instead of waiting for the lock to expire.
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Fingerprint } from '../fingerprint/fingerprint.js';
import type { BrokerAddress } from '../broker/redis-url.js';
import { redactSecrets } from '../broker/redis-url.js';
import { HEARTBEAT_INTERVAL_MS, removeHeartbeat, writeHeartbeat, type WorkerRecord } from '../broker/worker-registry.js';
import { brokerKeys } from '../protocol/broker-keys.js';
import type { JobOutcome } from '../protocol/job-outcome.js';
import { queueNameFor, specIdFromQueueJobId } from '../protocol/queue-name.js';
import { JobSandbox, type SandboxOutcome } from '../sandbox/job-sandbox.js';
import { describeJob } from '../sandbox/sandbox-job.js';
import { runJobTrials } from '../trials/run-job-trials.js';
import { specFromQueueJob } from './queue-job.js';
import { isUnrecoverableCode } from '../errors.js';

// The lock is renewed every half duration by this (idle) event loop, so it only has to outlast a
// stall of the process itself; the stalled check then returns a dead worker's job to the queue.
export const DEFAULT_LOCK_DURATION_MS = 60_000;
export const DEFAULT_STALLED_INTERVAL_MS = 30_000;
// Inside `docker stop`'s 10 s grace, so a stop that cannot reach Redis still exits by itself.
const STOP_TIMEOUT_MS = 6_000;

export interface BenchmarkWorkerOptions {
  redis: BrokerAddress;
  instanceType: string;
  instanceTypeSource: 'imds' | 'flag';
  fingerprint: Fingerprint;
  jobTimeoutMs: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  heartbeatIntervalMs?: number;
  /** Environment of the sandbox child (tests inject faults through it). */
  sandboxEnv?: NodeJS.ProcessEnv;
  onEvent?: (event: WorkerEvent) => void;
}

export type WorkerEvent =
  | { type: 'ready'; workerId: string; queue: string }
  | { type: 'job-start'; jobId: string; description: string }
  | { type: 'job-end'; jobId: string; description: string; ok: boolean; reason?: string; seconds: number }
  /** The job ran to a result, but the broker never recorded it complete: it will run again. */
  | { type: 'undelivered'; jobId: string; description: string; seconds: number; reason: string }
  | { type: 'rejected'; jobId: string; reason: string }
  | { type: 'handed-back'; jobId: string; reason: string }
  | { type: 'broker-error'; message: string }
  | { type: 'stopped'; reason: string };

/** Whether the promise settled within ms (its outcome is ignored either way). */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([promise.then(() => true, () => true), delay(ms, false, { ref: false })]);
}

export class BenchmarkWorker {
  readonly id = `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  readonly queue: string;
  private readonly worker: Worker;
  private readonly redis: Redis;
  private readonly sandbox: JobSandbox;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | null = null;
  private handBackReason: string | null = null;
  private record: WorkerRecord;
  private lastBrokerError = 0;
  /** A result handed to BullMQ whose completion the broker has not confirmed yet. */
  private unconfirmed: { queueJobId: string; jobId: string; description: string; seconds: number } | null = null;

  constructor(private readonly options: BenchmarkWorkerOptions) {
    this.queue = queueNameFor(options.instanceType);
    const f = options.fingerprint;
    const now = new Date().toISOString();
    this.record = {
      id: this.id,
      instanceType: options.instanceType,
      instanceTypeSource: options.instanceTypeSource,
      queue: this.queue,
      host: hostname(),
      pid: process.pid,
      cpu: { model: f.cpu.modelName ?? 'unknown', microarchitecture: f.cpu.microarchitecture, isa: f.isa.active, logicalCpus: f.topology.logicalCpus },
      startedAt: now,
      lastSeen: now,
      state: 'starting',
      currentJob: null,
      jobsDone: 0,
      jobsFailed: 0,
      busyMs: 0,
      fingerprint: f as unknown as Record<string, unknown>,
    };
    this.sandbox = new JobSandbox(options.sandboxEnv ? { env: options.sandboxEnv } : {});
    this.redis = new Redis({ ...options.redis.options, lazyConnect: true });
    this.redis.on('error', (error: Error) => this.brokerError(error));
    this.worker = new Worker(this.queue, (job, token, signal) => this.process(job, token, signal), {
      connection: options.redis.options,
      concurrency: 1,
      autorun: false,
      lockDuration: options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
      stalledInterval: options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
      // A job whose worker died twice is probably what kills workers: fail it with that reason.
      maxStalledCount: 2,
    });
    this.worker.on('error', (error) => {
      // BullMQ names the job when finishing it failed ("Missing lock for job <id>. moveToFinished").
      if (this.unconfirmed && error.message.includes(this.unconfirmed.queueJobId)) this.undelivered(error.message);
      this.brokerError(error);
    });
    // A job counts as done only once the broker says so: before that it could still be lost.
    this.worker.on('completed', (job) => this.confirm(String(job.id)));
    this.worker.on('failed', (job, error) => {
      if (job && this.unconfirmed?.queueJobId === String(job.id)) this.undelivered(error.message);
    });
  }

  /** Connects, registers, and starts consuming; resolves once jobs are being taken. */
  async start(): Promise<void> {
    await this.redis.connect();
    await this.worker.waitUntilReady();
    this.record.state = 'idle';
    await this.beat();
    this.heartbeatTimer = setInterval(() => void this.beat(), this.options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS);
    void this.worker.run().catch((error: unknown) => this.brokerError(error));
    this.options.onEvent?.({ type: 'ready', workerId: this.id, queue: this.queue });
  }

  /** Stops taking jobs, hands the one in flight back to the queue, and disconnects. */
  stop(reason: string): Promise<void> {
    this.stopping ??= (async () => {
      this.handBackReason = reason;
      this.record.state = 'stopping';
      // Ends the job in flight now; the processor sees the reason and returns the job to the queue.
      this.sandbox.close();
      // With the broker away the hand-back cannot finish: give up after a while, and the job's
      // lock expires into a retry elsewhere instead of this process never exiting.
      clearInterval(this.heartbeatTimer);
      const closed = await within(this.worker.close(), STOP_TIMEOUT_MS);
      if (!closed) await within(this.worker.close(true), 1_000);
      // A closing BullMQ worker drops a completion it has not sent: say so, never "done".
      if (this.unconfirmed) this.undelivered(`the worker stopped (${reason}) before the broker recorded it`);
      await within(removeHeartbeat(this.redis, this.id), 1_000);
      this.redis.disconnect();
      this.options.onEvent?.({ type: 'stopped', reason });
    })();
    return this.stopping;
  }

  private async process(job: Job, token: string | undefined, signal: AbortSignal | undefined): Promise<JobOutcome> {
    let spec;
    try {
      spec = specFromQueueJob(job, this.options.instanceType);
    } catch (error) {
      this.options.onEvent?.({ type: 'rejected', jobId: String(job.id), reason: (error as Error).message });
      throw error;
    }
    if ((await this.redis.exists(brokerKeys.cancelled(spec.runId))) === 1) {
      throw new UnrecoverableError(`run ${spec.runId} was cancelled`);
    }
    // No await from here to the sandbox run: a stop either comes before (the job goes back
    // untouched) or finds the sandbox running and ends it.
    if (this.handBackReason) return this.handBack(job, token);
    const description = describeJob(spec);
    this.options.onEvent?.({ type: 'job-start', jobId: spec.id, description });
    this.record.state = 'busy';
    this.record.currentJob = spec.id;
    void this.beat();
    // BullMQ aborts when it loses the job's lock (another worker may now own it): stop running it.
    const onLockLost = () => this.sandbox.close();
    signal?.addEventListener('abort', onLockLost);
    const startedAt = new Date();
    const t0 = performance.now();
    let outcome: SandboxOutcome;
    try {
      // Every trial of the job, each in a fresh sandbox process; the timeout is per trial.
      outcome = await runJobTrials(this.sandbox, spec, this.options.fingerprint, this.options.jobTimeoutMs);
    } catch (error) {
      // The sandbox could not start (or was stopped while starting): the job did not run.
      outcome = { ok: false, reason: error instanceof Error ? error.message : String(error), signal: null };
    } finally {
      signal?.removeEventListener('abort', onLockLost);
      this.record.busyMs += performance.now() - t0;
      this.record.currentJob = null;
      this.record.state = this.handBackReason ? 'stopping' : 'idle';
      void this.beat();
    }
    const sandboxMs = performance.now() - t0;
    const finishedAt = new Date();
    if (this.handBackReason) return this.handBack(job, token);
    if (signal?.aborted) throw new Error(`job ${spec.id}: this worker lost the job's lock; it was stopped here`);
    const seconds = sandboxMs / 1000;
    if (!outcome.ok) {
      this.record.jobsFailed++;
      this.options.onEvent?.({ type: 'job-end', jobId: spec.id, description, ok: false, reason: outcome.reason, seconds });
      // What no retry can fix (an ISA this CPU lacks, the memory guard, bad model dimensions)
      // fails the job now with its reason; anything else BullMQ retries with backoff.
      if (isUnrecoverableCode(outcome.error?.code)) throw new UnrecoverableError(outcome.reason);
      throw new Error(outcome.reason);
    }
    this.unconfirmed = { queueJobId: String(job.id), jobId: spec.id, description, seconds };
    return {
      jobId: spec.id,
      runId: spec.runId,
      instanceType: spec.instanceType,
      workerId: this.id,
      isa: outcome.result.isa,
      result: outcome.result as unknown as Record<string, unknown>,
      fingerprint: this.options.fingerprint as unknown as Record<string, unknown>,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      sandboxMs,
    };
  }

  private confirm(queueJobId: string): void {
    const pending = this.unconfirmed;
    if (pending?.queueJobId !== queueJobId) return;
    this.unconfirmed = null;
    this.record.jobsDone++;
    this.options.onEvent?.({ type: 'job-end', jobId: pending.jobId, description: pending.description, ok: true, seconds: pending.seconds });
  }

  private undelivered(reason: string): void {
    const pending = this.unconfirmed;
    if (!pending) return;
    this.unconfirmed = null;
    const { jobId, description, seconds } = pending;
    this.options.onEvent?.({ type: 'undelivered', jobId, description, seconds, reason: redactSecrets(reason, this.options.redis) });
  }

  private async handBack(job: Job, token: string | undefined): Promise<never> {
    await job.moveToWait(token);
    this.options.onEvent?.({ type: 'handed-back', jobId: specIdFromQueueJobId(String(job.id)), reason: this.handBackReason ?? 'stopping' });
    // Tells BullMQ the job was moved on purpose: neither completed nor failed.
    throw new WaitingError();
  }

  private async beat(): Promise<void> {
    this.record.lastSeen = new Date().toISOString();
    try {
      await writeHeartbeat(this.redis, this.record);
    } catch (error) {
      this.brokerError(error);
    }
  }

  private brokerError(error: unknown): void {
    // While Redis is away every connection reports each retry: one line per 10 s is enough.
    const now = Date.now();
    if (now - this.lastBrokerError < 10_000) return;
    this.lastBrokerError = now;
    const message = error instanceof Error ? error.message : String(error);
    this.options.onEvent?.({ type: 'broker-error', message: redactSecrets(message, this.options.redis) });
  }
}

// `bitbench enqueue`: a matrix becomes jobs on the broker, one BullMQ queue per instance type.
// Every job is added under its stable id, so enqueueing again adds only what is not there yet,
// and jobs already collected into a store are never added again. The run id defaults to the
// matrix's name and a hash of its content: the same matrix twice is the same run.
import { basename, extname } from 'node:path';
import { createHash } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import { loadMatrix } from '../matrix/load-matrix.js';
import { expandMatrix, runOrder } from '../matrix/expand-matrix.js';
import type { Matrix } from '../matrix/matrix-schema.js';
import { runMatrixName } from '../matrix/matrix-text.js';
import { UsageError } from '../../runner/errors.js';
import { canonicalJson } from '../../runner/protocol/job-id.js';
import type { JobSpec } from '../../runner/protocol/job-spec.js';
import { queueJobIdFor, queueNameFor } from '../../runner/protocol/queue-name.js';
import { toolVersion } from '../../runner/fingerprint/fingerprint.js';
import type { BrokerSession } from './broker-session.js';
import { fleetVcpus } from './instance-vcpus.js';
import { collectedJobIds, isCancelled, saveRunRecord, type RunRecord } from './run-registry.js';

export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 10_000;
const BULK_SIZE = 1_000;

export interface EnqueueOptions {
  matrixPath: string;
  runId?: string;
  seed?: number;
  attempts?: number;
  backoffMs?: number;
}

export interface QueueEnqueued {
  queue: string;
  instanceType: string;
  jobs: number;
  added: number;
  alreadyQueued: number;
  alreadyCollected: number;
}

export interface EnqueueSummary {
  runId: string;
  created: boolean;
  orderSeed: number;
  queues: QueueEnqueued[];
  seconds: number;
}

function matrixHash(matrix: Matrix): string {
  return createHash('sha256').update(canonicalJson(matrix)).digest('hex');
}

/** `<name>-<8 hex of the matrix's hash>`: the same matrix always gives the same run id. */
export function defaultRunId(matrix: Matrix, matrixPath: string): string {
  const name = (matrix.name ?? basename(matrixPath, extname(matrixPath))).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 100);
  return `${name || 'matrix'}-${matrixHash(matrix).slice(0, 8)}`;
}

function recordFor(matrix: Matrix, matrixPath: string, runId: string, seed: number): { record: RunRecord; jobs: JobSpec[] } {
  const jobs = runOrder(expandMatrix(matrix, { runId, hardwareThreads: fleetVcpus(matrixPath, matrix.vcpus) }), seed);
  const queues: RunRecord['queues'] = {};
  // Queues in the matrix's order (not the shuffled jobs'), so every listing reads the same.
  for (const type of matrix.instanceTypes) queues[queueNameFor(type)] = { instanceType: type, jobIds: [] };
  for (const job of jobs) {
    const name = queueNameFor(job.instanceType);
    (queues[name] ??= { instanceType: job.instanceType, jobIds: [] }).jobIds.push(job.id);
  }
  const record: RunRecord = {
    id: runId,
    matrixName: runMatrixName(matrix, basename(matrixPath)),
    matrix: matrix as unknown as Record<string, unknown>,
    orderSeed: seed,
    createdAt: new Date().toISOString(),
    toolVersion: toolVersion().version,
    queues,
  };
  return { record, jobs };
}

export async function enqueueRun(session: BrokerSession, options: EnqueueOptions): Promise<EnqueueSummary> {
  const started = performance.now();
  // A bad matrix is refused before Redis is touched: nothing is added.
  const matrix = loadMatrix(options.matrixPath);
  const runId = options.runId ?? defaultRunId(matrix, options.matrixPath);
  const seed = options.seed ?? matrix.seed ?? Number.parseInt(matrixHash(matrix).slice(8, 16), 16);
  const fresh = recordFor(matrix, options.matrixPath, runId, seed);
  if (fresh.jobs.length === 0) throw new UsageError(`${options.matrixPath}: the matrix expands to no jobs (every combination excluded?)`);

  if (await isCancelled(session.redis, runId)) {
    throw new UsageError(`run ${runId} was cancelled; enqueue it under another --run`);
  }
  const record = await saveRunRecord(session.redis, fresh.record);
  const created = record === fresh.record;
  if (!created && canonicalJson(record.matrix) !== canonicalJson(fresh.record.matrix)) {
    throw new UsageError(`run ${runId} was enqueued with a different matrix (${record.matrixName}, ${record.createdAt}); choose another --run`);
  }
  // An existing run keeps its own order; its jobs are re-derived from its own matrix and seed.
  const jobs = created || record.orderSeed === seed ? fresh.jobs : recordFor(matrix, options.matrixPath, runId, record.orderSeed).jobs;
  const collected = await collectedJobIds(session.redis, runId);
  const jobOptions: JobsOptions = {
    attempts: options.attempts ?? DEFAULT_ATTEMPTS,
    backoff: { type: 'exponential', delay: options.backoffMs ?? DEFAULT_BACKOFF_MS },
    // Kept until `bitbench collect` has them in a store; the collector removes them then.
    removeOnComplete: false,
    removeOnFail: false,
  };

  const summaries: QueueEnqueued[] = [];
  for (const [queueName, { instanceType }] of Object.entries(record.queues)) {
    const queue = session.queue(queueName);
    const own = jobs.filter((job) => job.instanceType === instanceType);
    const notCollected = own.filter((job) => !collected.has(job.id));
    // Which are already on the broker: BullMQ would skip them too, but could not say how many.
    const exists = session.redis.pipeline();
    for (const job of notCollected) exists.exists(queue.toKey(queueJobIdFor(job.id)));
    const present = ((await exists.exec()) ?? []).map(([, value]) => value === 1);
    const missing = notCollected.filter((_, i) => !present[i]);
    for (let start = 0; start < missing.length; start += BULK_SIZE) {
      await queue.addBulk(missing.slice(start, start + BULK_SIZE).map((job) => ({ name: job.kind, data: job, opts: { ...jobOptions, jobId: queueJobIdFor(job.id) } })));
    }
    summaries.push({
      queue: queueName,
      instanceType,
      jobs: own.length,
      added: missing.length,
      alreadyQueued: notCollected.length - missing.length,
      alreadyCollected: own.length - notCollected.length,
    });
  }
  return { runId, created, orderSeed: record.orderSeed, queues: summaries, seconds: (performance.now() - started) / 1000 };
}

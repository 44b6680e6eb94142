// `npm run bench:queue`: what the broker costs, against a local Redis ($BITBENCH_REDIS_URL, else
// redis://127.0.0.1:6379). Two figures the distributed mode promises:
//   enqueue: a 10,000-job matrix onto the broker in under 5 s (median of 3, each a fresh run);
//   worker:  under 20 ms median added around a job that does nothing, read from BullMQ's own
//            timestamps of jobs one in-process worker ran, less the sandbox's time for each.
// Everything runs under private queue names and run ids, removed afterwards.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerSession } from '../coordinator/distributed/broker-session.js';
import { enqueueRun } from '../coordinator/distributed/enqueue-run.js';
import { parseRedisUrl, REDIS_URL_ENV } from '../runner/broker/redis-url.js';
import { collectFingerprint } from '../runner/fingerprint/fingerprint.js';
import { brokerKeys } from '../runner/protocol/broker-keys.js';
import { jobOutcomeSchema } from '../runner/protocol/job-outcome.js';
import { queueNameFor } from '../runner/protocol/queue-name.js';
import { BenchmarkWorker } from '../runner/worker/benchmark-worker.js';
import { cpuModel } from './cpu-model.js';
import { maxOf } from '../reports/number-extremes.js';

const ENQUEUE_JOBS_PER_TYPE = 5_000;
const ENQUEUE_REPETITIONS = 3;
const WORKER_JOBS = Number(process.env.BITBENCH_QUEUE_JOBS ?? 200);
const tag = randomBytes(3).toString('hex');

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (p === 50 && sorted.length % 2 === 0) return (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  // Nearest rank: the value at or below which p% of the samples lie.
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const spread = (values: readonly number[]) => `median ${ms(percentile(values, 50))}, p90 ${ms(percentile(values, 90))}`;

const scratch = mkdtempSync(join(tmpdir(), 'bitbench-bench-queue-'));
const address = parseRedisUrl(process.env[REDIS_URL_ENV] ?? 'redis://127.0.0.1:6379', process.env[REDIS_URL_ENV] ? `$${REDIS_URL_ENV}` : 'the default broker');
const session = await BrokerSession.open(address, { onWarning: (line) => console.log(line) });
const queuesUsed = new Set<string>();
const runsUsed = new Set<string>();

function writeMatrix(name: string, lines: string[]): string {
  const file = join(scratch, `${name}.yaml`);
  writeFileSync(file, [`name: ${name}`, ...lines, ''].join('\n'));
  return file;
}

/**
 * Removes what this script put on the broker: its queues and its runs' keys. Safe to call again
 * (the sets are kept: a queue emptied once may be filled by the next repetition).
 */
async function cleanUp(): Promise<void> {
  for (const name of queuesUsed) await session.queue(name).obliterate({ force: true });
  for (const runId of runsUsed) {
    await session.redis.del(brokerKeys.run(runId), brokerKeys.collected(runId), brokerKeys.cancelled(runId));
    await session.redis.srem(brokerKeys.runs, runId);
  }
}

async function benchEnqueue(): Promise<void> {
  const types = [`bench${tag}a.large`, `bench${tag}b.large`];
  types.forEach((type) => queuesUsed.add(queueNameFor(type)));
  // Distinct tiny shapes: 5,000 kernel jobs per instance type, none of which is ever run.
  const shapes = Array.from({ length: ENQUEUE_JOBS_PER_TYPE }, (_, i) => `[${1 + (i % 100)}, ${1 + Math.floor(i / 100)}]`);
  const file = writeMatrix(`bench-enqueue-${tag}`, [
    `instanceTypes: [${types.join(', ')}]`,
    'kernels:',
    '  paths: [fused]',
    `  shapes: [${shapes.join(', ')}]`,
    '  batch: [1]',
    '  threads: [1]',
    '  cache: [hot]',
  ]);
  const total = types.length * ENQUEUE_JOBS_PER_TYPE;
  const seconds: number[] = [];
  let again = 0;
  for (let rep = 0; rep < ENQUEUE_REPETITIONS; rep++) {
    const runId = `bench-enqueue-${tag}-${rep}`;
    runsUsed.add(runId);
    const t0 = performance.now();
    const summary = await enqueueRun(session, { matrixPath: file, runId });
    seconds.push((performance.now() - t0) / 1000);
    const added = summary.queues.reduce((sum, q) => sum + q.added, 0);
    if (added !== total) throw new Error(`enqueue added ${added} jobs, expected ${total}`);
    if (rep === ENQUEUE_REPETITIONS - 1) {
      // The same matrix again: every job is found on the broker and nothing is added.
      const t1 = performance.now();
      const repeat = await enqueueRun(session, { matrixPath: file, runId });
      again = (performance.now() - t1) / 1000;
      if (repeat.queues.some((q) => q.added !== 0)) throw new Error('enqueueing the same run again added jobs');
    }
    await cleanUp();
  }
  console.log(`enqueue ${total.toLocaleString('en')} jobs (${types.length} queues), ${ENQUEUE_REPETITIONS} runs:`);
  console.log(`  median ${percentile(seconds, 50).toFixed(2)} s  (runs: ${seconds.map((s) => s.toFixed(2)).join(', ')} s; ${Math.round(total / percentile(seconds, 50)).toLocaleString('en')} jobs/s)  target < 5 s`);
  console.log(`  the same run again (adds nothing): ${again.toFixed(2)} s`);
}

async function redisVersion(): Promise<string> {
  const info = await session.redis.info('server');
  return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
}

/** Resolves once every job of the queue has finished; rejects on a failed one. */
async function drained(queueName: string, jobs: number): Promise<void> {
  const queue = session.queue(queueName);
  for (;;) {
    const counts = await queue.getJobCounts('completed', 'failed');
    if ((counts.failed ?? 0) > 0) {
      const [failed] = await queue.getJobs(['failed'], 0, 0);
      throw new Error(`a job failed: ${failed?.failedReason ?? '?'}`);
    }
    if ((counts.completed ?? 0) >= jobs) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function benchWorker(): Promise<void> {
  const type = `bench${tag}w.large`;
  const queueName = queueNameFor(type);
  queuesUsed.add(queueName);
  const runId = `bench-worker-${tag}`;
  runsUsed.add(runId);
  // WORKER_JOBS distinct jobs that each do almost nothing: a 4x4 product, one warm-up call and one
  // timed sample. The batch axis is there only to give them distinct ids.
  const batches = Array.from({ length: WORKER_JOBS }, (_, i) => i + 1);
  const file = writeMatrix(runId, [
    `instanceTypes: [${type}]`,
    'repetitions: { warmup: 1, minSamples: 1, maxSamples: 1, maxTimeMs: 1 }',
    'kernels:',
    '  paths: [fused]',
    '  shapes: [[4, 4]]',
    `  batch: [${batches.join(', ')}]`,
    '  threads: [1]',
    '  cache: [hot]',
  ]);
  await enqueueRun(session, { matrixPath: file, runId });

  const fingerprint = await collectFingerprint({ bandwidth: false });
  const worker = new BenchmarkWorker({ redis: address, instanceType: type, instanceTypeSource: 'flag', fingerprint, jobTimeoutMs: 60_000 });
  await worker.start();
  try {
    await drained(queueName, WORKER_JOBS);
  } finally {
    await worker.stop('benchmark done');
  }

  const jobs = await session.queue(queueName).getJobs(['completed'], 0, WORKER_JOBS);
  const timed = jobs
    .map((job) => ({ processedOn: job.processedOn!, finishedOn: job.finishedOn!, sandboxMs: jobOutcomeSchema.parse(job.returnvalue).sandboxMs }))
    .sort((a, b) => a.processedOn - b.processedOn);
  // The first job also starts the sandbox process: reported on its own, kept out of the figures.
  const [first, ...rest] = timed;
  if (!first || rest.length < 2) throw new Error(`expected ${WORKER_JOBS} completed jobs but found ${timed.length}`);
  const wall = rest.map((j) => j.finishedOn - j.processedOn);
  const sandbox = rest.map((j) => j.sandboxMs);
  const overhead = rest.map((j, i) => wall[i]! - j.sandboxMs);
  // BullMQ finishes a job and fetches the next in one call, so the next job's processedOn is
  // normally this one's finishedOn: the windows tile the worker's time, fetching included. A gap
  // would be time the worker spent outside any job (waiting on Redis for the next one).
  const gaps = rest.slice(1).map((j, i) => j.processedOn - rest[i]!.finishedOn);
  const batchMs = rest[rest.length - 1]!.finishedOn - rest[0]!.processedOn;
  // A completed job keeps its result (samples and the fingerprint) in Redis until collected.
  const queue = session.queue(queueName);
  const bytes = await Promise.all(jobs.slice(0, 20).map(async (job) => Number(await session.redis.call('MEMORY', 'USAGE', queue.toKey(job.id!)))));

  console.log(`worker: ${WORKER_JOBS} jobs that do nothing (4x4 kernel, 1 sample), one worker in this process`);
  console.log(`  first job (starts the sandbox process): ${ms(first.finishedOn - first.processedOn)}; the other ${rest.length}:`);
  console.log(`  job in the worker (BullMQ processedOn to finishedOn): ${spread(wall)}`);
  console.log(`  of which the sandbox run (IPC and the 4x4 kernel):    ${spread(sandbox)}`);
  console.log(`  worker overhead around the job (the difference):      ${spread(overhead)}  target < 20 ms median`);
  console.log(`  gap between one job's end and the next one's start:   ${spread(gaps)}, max ${ms(maxOf(gaps))}`);
  console.log(`  throughput: ${((1000 * rest.length) / batchMs).toFixed(0)} jobs/s, ${ms(batchMs / rest.length)} per job (batch wall time / jobs, fetching included)`);
  console.log(`  Redis memory per completed, uncollected job: ${(percentile(bytes, 50) / 1024).toFixed(1)} KiB`);
  console.log('  (BullMQ stamps jobs in whole milliseconds)');
}

console.log(`bitbench queue benchmark: ${cpuModel()}, ${availableParallelism()} CPUs, Node ${process.version}, Redis ${await redisVersion()} at ${address.display}`);
try {
  await benchEnqueue();
  await benchWorker();
} finally {
  await cleanUp();
  await session.close();
  rmSync(scratch, { recursive: true, force: true });
}

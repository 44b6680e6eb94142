// `bitbench enqueue` against the real Redis on 127.0.0.1:6379. Every test uses its own run id and
// its own instance type names (so its own queues), and removes both afterwards; nothing here
// depends on what else the broker holds.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BrokerSession } from '../../../coordinator/distributed/broker-session.js';
import { DEFAULT_ATTEMPTS, DEFAULT_BACKOFF_MS, defaultRunId, enqueueRun } from '../../../coordinator/distributed/enqueue-run.js';
import { loadRunRecord } from '../../../coordinator/distributed/run-registry.js';
import { UsageError } from '../../../coordinator/cli/cli-error.js';
import { loadMatrix } from '../../../coordinator/matrix/load-matrix.js';
import { MatrixError } from '../../../coordinator/matrix/matrix-error.js';
import { parseRedisUrl } from '../../../runner/broker/redis-url.js';
import { brokerKeys } from '../../../runner/protocol/broker-keys.js';
import { parseJobSpec } from '../../../runner/protocol/job-spec.js';
import { queueJobIdFor, queueNameFor } from '../../../runner/protocol/queue-name.js';

const scratch = mkdtempSync(join(tmpdir(), 'bitbench-enqueue-'));
let session: BrokerSession;
const queuesUsed = new Set<string>();
const runsUsed = new Set<string>();

beforeAll(async () => {
  session = await BrokerSession.open(parseRedisUrl('redis://127.0.0.1:6379'));
});

afterEach(async () => {
  for (const name of queuesUsed) await session.queue(name).obliterate({ force: true });
  for (const runId of runsUsed) {
    await session.redis.del(brokerKeys.run(runId), brokerKeys.collected(runId), brokerKeys.cancelled(runId));
    await session.redis.srem(brokerKeys.runs, runId);
  }
  queuesUsed.clear();
  runsUsed.clear();
});

afterAll(async () => {
  await session?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Lowercase hex, so names fit both the instance-type schema and AWS's size pattern. */
const unique = () => randomBytes(4).toString('hex');

/** Instance type names no other test (or run of this file) uses, remembered for cleanup. */
function instanceTypes(...sizes: string[]): string[] {
  return sizes.map((size) => {
    const type = `u${unique()}.${size}`;
    queuesUsed.add(queueNameFor(type));
    return type;
  });
}

function runId(): string {
  const id = `enqueue-test-${unique()}`;
  runsUsed.add(id);
  return id;
}

let files = 0;
/** A matrix file: kernels over `shapes` on each instance type. */
function matrixFile(types: string[], options: { shapes?: string; threads?: string; name?: string } = {}): string {
  const file = join(scratch, `matrix-${files++}.yaml`);
  writeFileSync(
    file,
    [
      ...(options.name ? [`name: ${options.name}`] : []),
      `instanceTypes: [${types.join(', ')}]`,
      'kernels:',
      '  paths: [fused, baseline]',
      `  shapes: ${options.shapes ?? '[[8, 8], [16, 8]]'}`,
      '  batch: [1]',
      `  threads: ${options.threads ?? '[1]'}`,
      '  cache: [hot]',
      '',
    ].join('\n'),
  );
  return file;
}

/** Every key of the queue in Redis (BullMQ's own, `bull:<queue>:...`). */
async function queueKeys(queueName: string): Promise<string[]> {
  return session.redis.keys(`bull:${queueName}:*`);
}

describe('defaultRunId', () => {
  it('is the same for the same matrix, read twice', () => {
    const file = matrixFile(['c7i.large'], { name: 'sweep' });
    expect(defaultRunId(loadMatrix(file), file)).toBe(defaultRunId(loadMatrix(file), file));
    expect(defaultRunId(loadMatrix(file), file)).toMatch(/^sweep-[0-9a-f]{8}$/);
  });

  it('differs for a matrix whose content changed', () => {
    const before = matrixFile(['c7i.large'], { name: 'sweep' });
    const after = matrixFile(['c7i.large'], { name: 'sweep', shapes: '[[8, 8], [32, 8]]' });
    expect(defaultRunId(loadMatrix(before), before)).not.toBe(defaultRunId(loadMatrix(after), after));
  });

  it('is named after the file when the matrix has no name', () => {
    const file = matrixFile(['c7i.large']);
    expect(defaultRunId(loadMatrix(file), file)).toMatch(/^matrix-\d+-[0-9a-f]{8}$/);
  });
});

describe('enqueueRun', () => {
  it('puts each job in its instance type queue under its stable id, with 3 attempts and exponential backoff', async () => {
    const [large, xlarge] = instanceTypes('large', 'xlarge') as [string, string];
    const id = runId();
    const summary = await enqueueRun(session, { matrixPath: matrixFile([large, xlarge]), runId: id });

    expect(summary.created).toBe(true);
    expect(summary.queues.map((q) => [q.queue, q.instanceType, q.jobs, q.added])).toEqual([
      [`bitbench-${large}`, large, 4, 4],
      [`bitbench-${xlarge}`, xlarge, 4, 4],
    ]);
    const record = await loadRunRecord(session.redis, id);
    expect(await session.redis.sismember(brokerKeys.runs, id)).toBe(1);
    for (const [queueName, { instanceType, jobIds }] of Object.entries(record!.queues)) {
      const queue = session.queue(queueName);
      expect(await queue.getWaitingCount()).toBe(4);
      for (const jobId of jobIds) {
        const job = await queue.getJob(queueJobIdFor(jobId));
        expect(job, `job ${jobId} in ${queueName}`).toBeDefined();
        const spec = parseJobSpec(job!.data);
        expect(spec.id).toBe(jobId);
        expect(job!.id).toBe(queueJobIdFor(spec.id));
        expect(job!.name).toBe(spec.kind);
        expect(spec).toMatchObject({ runId: id, instanceType });
        expect(job!.opts.attempts).toBe(DEFAULT_ATTEMPTS);
        expect(DEFAULT_ATTEMPTS).toBe(3);
        expect(job!.opts.backoff).toEqual({ type: 'exponential', delay: DEFAULT_BACKOFF_MS });
      }
    }
  });

  it('adds nothing when the same matrix is enqueued again (under its default run id)', async () => {
    const [type] = instanceTypes('large') as [string];
    const file = matrixFile([type], { name: `twice-${unique()}` });
    const first = await enqueueRun(session, { matrixPath: file });
    runsUsed.add(first.runId);
    const queue = session.queue(queueNameFor(type));
    const jobIdsBefore = (await queue.getWaiting()).map((job) => job.id).sort();

    const second = await enqueueRun(session, { matrixPath: file });

    expect(second.runId).toBe(first.runId);
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(first.queues[0]).toMatchObject({ jobs: 4, added: 4, alreadyQueued: 0 });
    expect(second.queues[0]).toMatchObject({ jobs: 4, added: 0, alreadyQueued: 4, alreadyCollected: 0 });
    expect(second.orderSeed).toBe(first.orderSeed);
    expect((await queue.getWaiting()).map((job) => job.id).sort()).toEqual(jobIdsBefore);
  });

  it('refuses a different matrix under a run id already used, adding none of its jobs', async () => {
    const [first, other] = instanceTypes('large', 'large') as [string, string];
    const id = runId();
    await enqueueRun(session, { matrixPath: matrixFile([first]), runId: id });

    const attempt = enqueueRun(session, { matrixPath: matrixFile([other]), runId: id });
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(attempt).rejects.toThrow(`run ${id} was enqueued with a different matrix`);
    expect(await queueKeys(queueNameFor(other))).toEqual([]);
    expect(await session.queue(queueNameFor(first)).getWaitingCount()).toBe(4);
  });

  it("refuses threads: [all] on an instance type whose vCPUs it cannot tell, before writing to Redis", async () => {
    const [known, unknown] = instanceTypes('large', 'medium') as [string, string];
    const id = runId();
    const attempt = enqueueRun(session, { matrixPath: matrixFile([known, unknown], { threads: '[all]' }), runId: id });

    await expect(attempt).rejects.toBeInstanceOf(MatrixError);
    await expect(attempt).rejects.toThrow(`vcpus.${unknown}`);
    expect(await session.redis.exists(brokerKeys.run(id))).toBe(0);
    expect(await session.redis.sismember(brokerKeys.runs, id)).toBe(0);
    expect(await queueKeys(queueNameFor(known))).toEqual([]);
    expect(await queueKeys(queueNameFor(unknown))).toEqual([]);
  });
});

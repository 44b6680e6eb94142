// Errors that cross a process and the broker, against the real Redis: a failure no retry can fix
// fails the job at once with its reason; a worker killed while its sandbox is busy leaves no
// crash trace from the orphan; a result the broker never recorded is logged as such, not as
// "done"; and `collect --follow` waits for a broker that is not up yet.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { implementations } from '../../native/index.js';
import { parseRedisUrl } from '../../runner/broker/redis-url.js';
import { queueJobIdFor, queueNameFor } from '../../runner/protocol/queue-name.js';
import { BitbenchProcess, startWorker } from '../helpers/bitbench-process.js';
import { cleanBroker, runCli, SHARED_REDIS, tempDir, uniqueName } from '../helpers/fleet-fixtures.js';
import { PrivateRedis, redisServerAvailable } from '../helpers/redis-server.js';

const connection = parseRedisUrl(SHARED_REDIS).options;

function childPids(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** One kernel job of one trial: a fault injected into its sandbox happens once. */
function writeOneJobMatrix(dir: string, type: string, kernels: Record<string, unknown> = {}): string {
  const file = join(dir, `${uniqueName('matrix-')}.json`);
  writeFileSync(file, JSON.stringify({
    name: 'one-job',
    instanceTypes: [type],
    repetitions: { warmup: 1, minSamples: 1, maxSamples: 3, maxTimeMs: 50, trials: 1 },
    kernels: { paths: ['fused'], shapes: [[64, 64]], batch: [1], threads: [1], cache: ['hot'], ...kernels },
  }));
  return file;
}

/** Resolves once every process holding the output pipes (the worker and its sandbox) has closed them. */
function outputClosed(process: BitbenchProcess): Promise<void> {
  return new Promise((resolve) => process.child.stderr!.once('close', () => resolve()));
}

describe('errors across processes and the broker', () => {
  const started: BitbenchProcess[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((p) => p.stop('SIGKILL')));
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('an ISA this CPU lacks fails the job at once, with the reason, not after every attempt', async () => {
    const lacking = implementations().find((impl) => !impl.supported)!;
    const dir = tempDir();
    const type = `${uniqueName('u')}.large`;
    const runId = uniqueName('unrecoverable-');
    cleanups.push(() => cleanBroker(SHARED_REDIS, [type], [runId]));
    const matrix = writeOneJobMatrix(dir, type, { isa: [lacking.name] });
    const enqueued = await runCli(['enqueue', matrix, '--redis', SHARED_REDIS, '--run', runId, '--attempts', '3']);
    expect(enqueued.code, enqueued.stderr).toBe(0);

    const worker = startWorker(SHARED_REDIS, type);
    started.push(worker);
    await worker.waitFor(/job \w+: FAILED: .*ISA/, 60_000);
    const queue = new Queue(queueNameFor(type), { connection });
    cleanups.push(() => queue.close());
    const failed = await queue.getJobs(['failed']);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.attemptsMade).toBe(1);
    expect(failed[0]!.failedReason).toMatch(new RegExp(`ISA ${lacking.name} is not (supported|available)`));
    expect(await queue.getJobCounts('wait', 'delayed', 'active')).toEqual({ wait: 0, delayed: 0, active: 0 });
  });

  it('a worker killed while its sandbox is busy: the orphan exits without a crash trace', async () => {
    const dir = tempDir();
    const type = `${uniqueName('e')}.large`;
    const runId = uniqueName('epipe-');
    cleanups.push(() => cleanBroker(SHARED_REDIS, [type], [runId]));
    const matrix = writeOneJobMatrix(dir, type);
    expect((await runCli(['enqueue', matrix, '--redis', SHARED_REDIS, '--run', runId])).code).toBe(0);

    // The sandbox blocks its event loop in the job, so it learns of its parent's death only
    // when it sends the result down the broken pipe.
    const doomed = startWorker(SHARED_REDIS, type, { env: { BITBENCH_SANDBOX_FAULT: 'busy:*:4000' } });
    started.push(doomed);
    const closed = outputClosed(doomed);
    await doomed.waitFor(/job \w+: kernel fused/);
    expect(childPids(doomed.child.pid!).length).toBeGreaterThan(0);
    doomed.child.kill('SIGKILL');
    await closed;
    expect(doomed.output).not.toMatch(/EPIPE|Unhandled 'error'|ERR_IPC|node:internal/);
  });

  it('a result the broker never recorded is logged as such, never as done', async () => {
    const dir = tempDir();
    const type = `${uniqueName('l')}.large`;
    const runId = uniqueName('lost-');
    cleanups.push(() => cleanBroker(SHARED_REDIS, [type], [runId]));
    const matrix = writeOneJobMatrix(dir, type);
    expect((await runCli(['enqueue', matrix, '--redis', SHARED_REDIS, '--run', runId])).code).toBe(0);

    // Well inside the lock's first renewal (30 s): finishing, not renewing, meets the missing lock.
    const worker = startWorker(SHARED_REDIS, type, { env: { BITBENCH_SANDBOX_FAULT: 'slow:*:3000' } });
    started.push(worker);
    const [, jobId] = await worker.waitFor(/job (\w+): kernel fused/);
    // The job's lock disappears while it runs (an expiry after a stall, a failover that lost
    // the key): finishing it on the broker must fail.
    const redis = new Redis(connection);
    cleanups.push(async () => redis.disconnect());
    expect(await redis.del(`bull:${queueNameFor(type)}:${queueJobIdFor(jobId!)}:lock`)).toBe(1);

    await worker.waitFor(new RegExp(`job ${jobId}: finished \\(.*\\) but the broker did not record its result`), 60_000);
    expect(worker.output).not.toMatch(new RegExp(`job ${jobId}: done`));
  });

  describe.skipIf(!redisServerAvailable())('with a broker that is not up yet', () => {
    let redis: PrivateRedis | undefined;
    afterEach(async () => redis?.dispose());

    it('collect --follow waits for it, then collects', async () => {
      redis = await PrivateRedis.start();
      await redis.stop();
      const db = join(tempDir(), 'results.sqlite');
      const collector = new BitbenchProcess(['collect', '--redis', redis.url(), '--db', db, '--follow', '--interval', '1', '--wait-for-broker', '120']);
      started.push(collector);
      await collector.waitFor(/cannot reach Redis at .*; waiting for it \(up to 120 s\)/);
      await redis.restart();
      // An empty broker: nothing to wait for once it answers.
      expect((await collector.exited).code, collector.output).toBe(0);
      expect(collector.output).toMatch(/results in /);
    });

    it('collect without --follow fails at once', async () => {
      redis = await PrivateRedis.start();
      await redis.stop();
      const result = await runCli(['collect', '--redis', redis.url(), '--db', join(tempDir(), 'results.sqlite')]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/cannot reach Redis/);
      expect(result.stderr).not.toMatch(/waiting for it/);
    });
  });
});

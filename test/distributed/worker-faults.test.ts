// Faults a worker must survive, against the real Redis: the worker process SIGKILLed in the
// middle of a job (the job is recovered and finishes elsewhere, stored once), and jobs written
// straight into Redis that are not valid bitbench jobs (failed at once as unrecoverable, with
// the reason, while the worker goes on with the next job).
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { ResultStore } from '../../coordinator/store/result-store.js';
import { parseRedisUrl } from '../../runner/broker/redis-url.js';
import { queueNameFor } from '../../runner/protocol/queue-name.js';
import { startWorker, type BitbenchProcess } from '../helpers/bitbench-process.js';
import { cleanBroker, runCli, SHARED_REDIS, tempDir, uniqueName, writeTinyMatrix } from '../helpers/fleet-fixtures.js';

const connection = parseRedisUrl(SHARED_REDIS).options;
// Short locks so a dead worker's job comes back within seconds, not a minute.
const FAST_RECOVERY = ['--lock-duration', '2', '--stalled-interval', '1'];

function childPids(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('worker faults', () => {
  const started: BitbenchProcess[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((w) => w.stop('SIGKILL')));
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('a worker SIGKILLed mid-job: the job is picked up again, finishes, and is stored once', async () => {
    const dir = tempDir();
    const type = `${uniqueName('k')}.large`;
    const runId = uniqueName('kill-');
    cleanups.push(() => cleanBroker(SHARED_REDIS, [type], [runId]));
    const matrix = writeTinyMatrix(dir, { instanceTypes: [type], paths: ['fused'] });
    expect((await runCli(['enqueue', matrix, '--redis', SHARED_REDIS, '--run-id', runId])).code).toBe(0);

    // The first worker's sandbox sleeps 60 s in the job: it is surely mid-job when killed.
    const doomed = startWorker(SHARED_REDIS, type, { env: { BITBENCH_SANDBOX_FAULT: 'slow:*:60000' }, args: FAST_RECOVERY });
    started.push(doomed);
    const [, jobId] = await doomed.waitFor(/job (\w+): kernel fused/);
    const sandboxes = childPids(doomed.child.pid!);
    expect(sandboxes.length).toBeGreaterThan(0);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    // The orphaned sandbox notices its parent is gone and exits: no stray benchmark keeps running.
    for (let i = 0; i < 100 && sandboxes.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
    expect(sandboxes.filter(alive)).toEqual([]);

    const rescuer = startWorker(SHARED_REDIS, type, { args: FAST_RECOVERY });
    started.push(rescuer);
    await rescuer.waitFor(new RegExp(`job ${jobId}: done`), 60_000);

    const db = join(dir, 'results.sqlite');
    const collected = await runCli(['collect', '--redis', SHARED_REDIS, '--db', db, '--run-id', runId]);
    expect(collected.code, collected.stderr).toBe(0);
    const store = ResultStore.open(db, { readonly: true });
    try {
      const results = store.results({ runIds: [runId] });
      expect(results.map((r) => r.jobId)).toEqual([jobId]);
      expect(store.failures(runId)).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('a tampered job fails at once as unrecoverable with its reason; the worker runs the next job', async () => {
    const dir = tempDir();
    const type = `${uniqueName('t')}.large`;
    const runId = uniqueName('tamper-');
    cleanups.push(() => cleanBroker(SHARED_REDIS, [type], [runId]));
    const matrix = writeTinyMatrix(dir, { instanceTypes: [type], paths: ['fused', 'cached-f32'] });
    expect((await runCli(['enqueue', matrix, '--redis', SHARED_REDIS, '--run-id', runId])).code).toBe(0);

    const queue = new Queue(queueNameFor(type), { connection });
    cleanups.push(() => queue.close());
    const [valid] = await queue.getJobs(['waiting'], 0, 0);
    const spec = valid!.data as Record<string, unknown>;
    // Written straight into Redis, ahead of the valid jobs, with retries a bad job must not get.
    await queue.add('kernel', { ...spec, n: -3 }, { jobId: 'tampered-spec', attempts: 3, lifo: true });
    await queue.add('shell', { command: 'touch /tmp/bitbench-pwned' }, { jobId: 'unknown-kind', attempts: 3, lifo: true });

    const worker = startWorker(SHARED_REDIS, type);
    started.push(worker);
    await worker.waitFor(/job \w+: done[\s\S]*job \w+: done/, 60_000);
    expect(worker.output).toMatch(/job tampered-spec: rejected: .*n: expected a positive integer/);
    expect(worker.output).toMatch(/job unknown-kind: rejected: .*unknown job kind 'shell'/);

    const tampered = (await queue.getJob('tampered-spec'))!;
    expect(await tampered.getState()).toBe('failed');
    expect(tampered.attemptsMade).toBe(1);
    expect(tampered.failedReason).toMatch(/n: expected a positive integer/);
    expect(await (await queue.getJob('unknown-kind'))!.getState()).toBe('failed');
    expect(worker.child.exitCode).toBeNull();

    const db = join(dir, 'results.sqlite');
    const collected = await runCli(['collect', '--redis', SHARED_REDIS, '--db', db, '--run-id', runId]);
    expect(collected.code, collected.stderr).toBe(0);
    const store = ResultStore.open(db, { readonly: true });
    try {
      expect(store.results({ runIds: [runId] })).toHaveLength(2);
      const failures = store.failures(runId);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ jobId: 'tampered-spec', instanceType: type });
      expect(failures[0]!.reason).toMatch(/n: expected a positive integer/);
    } finally {
      store.close();
    }
  });
});

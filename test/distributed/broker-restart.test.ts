// The broker stops and comes back in the middle of a run (a failover, a restart): a private
// redis-server on its own port with AOF on. No job is lost; the worker and the collector
// reconnect by themselves, and every result is stored once.
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ResultStore } from '../../coordinator/store/result-store.js';
import { BitbenchProcess, startWorker } from '../helpers/bitbench-process.js';
import { runCli, tempDir, uniqueName, writeTinyMatrix } from '../helpers/fleet-fixtures.js';
import { PrivateRedis, redisServerAvailable } from '../helpers/redis-server.js';

describe.skipIf(!redisServerAvailable())('a broker restart in the middle of a run', () => {
  const processes: BitbenchProcess[] = [];
  let redis: PrivateRedis | undefined;
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await redis?.dispose();
  });

  it('loses no job: worker and collector reconnect and every result is stored once', async () => {
    redis = await PrivateRedis.start();
    const url = redis.url();
    const dir = tempDir();
    const type = `${uniqueName('r')}.large`;
    const shapes: [number, number][] = [[32, 32], [32, 64], [64, 32], [64, 64], [96, 32], [32, 96]];
    const matrix = writeTinyMatrix(dir, { instanceTypes: [type], shapes });
    const enqueued = await runCli(['enqueue', matrix, '--redis', url, '--run-id', 'restart']);
    expect(enqueued.stdout, enqueued.stderr).toContain('12 of 12 jobs added');

    // Each job takes 400 ms, so the outage falls in the middle of the run.
    const worker = startWorker(url, type, { env: { BITBENCH_SANDBOX_FAULT: 'slow:*:400' } });
    const db = join(dir, 'results.sqlite');
    const collector = new BitbenchProcess(['collect', '--redis', url, '--db', db, '--follow', '--interval', '1']);
    processes.push(worker, collector);
    await worker.waitFor(/job \w+: done[\s\S]*job \w+: done/, 60_000);

    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await redis.restart();

    const { code } = await collector.exited;
    expect(code, collector.output).toBe(0);
    expect(collector.output).toContain('12/12 collected');
    // The worker noticed the outage and carried on after it.
    expect(worker.output).toMatch(/broker: .*reconnecting/);
    expect(worker.child.exitCode).toBeNull();

    const store = ResultStore.open(db, { readonly: true });
    try {
      const results = store.results({ runIds: ['restart'] });
      expect(results).toHaveLength(12);
      expect(new Set(results.map((r) => r.jobId)).size).toBe(12);
      expect(store.failures('restart')).toEqual([]);
      expect(store.getRun('restart')!.status).toBe('finished');
    } finally {
      store.close();
    }
  });

  it('SIGTERM while the broker is down: the worker still exits, and its job is retried once Redis is back', async () => {
    const url = redis!.url();
    const type = `${uniqueName('d')}.large`;
    const matrix = writeTinyMatrix(tempDir(), { instanceTypes: [type], paths: ['fused'] });
    expect((await runCli(['enqueue', matrix, '--redis', url, '--run-id', 'down'])).code).toBe(0);
    const recovery = ['--lock-duration', '2', '--stalled-interval', '1'];
    const stuck = startWorker(url, type, { env: { BITBENCH_SANDBOX_FAULT: 'slow:*:60000' }, args: recovery });
    processes.push(stuck);
    const [, jobId] = await stuck.waitFor(/job (\w+): kernel/);
    await redis!.stop();
    stuck.child.kill('SIGTERM');
    // The hand-back cannot reach Redis: the worker gives up on it instead of hanging.
    const exited = await Promise.race([stuck.exited, new Promise((resolve) => setTimeout(() => resolve('hung'), 30_000))]);
    expect(exited, stuck.output).toMatchObject({ code: 0 });
    await redis!.restart();
    const rescuer = startWorker(url, type, { args: recovery });
    processes.push(rescuer);
    await rescuer.waitFor(new RegExp(`job ${jobId}: done`), 60_000);
  });

  it('a worker that boots before its broker waits for it, then takes jobs', async () => {
    await redis!.stop();
    const worker = startWorker(redis!.url(), `${uniqueName('w')}.large`);
    processes.push(worker);
    await worker.waitFor(/cannot reach Redis .*ECONNREFUSED.*; waiting for it/);
    await redis!.restart();
    await worker.waitFor(/taking jobs from/, 60_000);
  });
});

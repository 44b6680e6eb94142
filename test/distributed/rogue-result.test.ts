// A result on the broker is data from the network like any job: a worker that returns something
// that is not a bitbench result (a rogue or broken runner) gets no row in the results; the job is
// recorded as failed with the reason, and the run still completes.
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Worker } from 'bullmq';
import { ResultStore } from '../../coordinator/store/result-store.js';
import { parseRedisUrl } from '../../runner/broker/redis-url.js';
import { queueNameFor } from '../../runner/protocol/queue-name.js';
import { cleanBroker, runCli, SHARED_REDIS, tempDir, uniqueName, writeTinyMatrix } from '../helpers/fleet-fixtures.js';

describe('a result that is not a bitbench result', () => {
  const type = `${uniqueName('g')}.large`;
  const runId = uniqueName('rogue-');
  afterAll(() => cleanBroker(SHARED_REDIS, [type], [runId]));

  it('is recorded as the job failing, with the reason, and stores no result', async () => {
    const dir = tempDir();
    const matrix = writeTinyMatrix(dir, { instanceTypes: [type], paths: ['fused', 'cached-f32'] });
    expect((await runCli(['enqueue', matrix, '--redis', SHARED_REDIS, '--run-id', runId])).code).toBe(0);

    // A consumer of the queue that is not bitbench's worker, returning what it likes: for one job
    // no result at all, for the other a well-formed envelope around an impossible figure.
    const rogue = new Worker(
      queueNameFor(type),
      async (job) => {
        const spec = job.data as { id: string; runId: string; instanceType: string; path: string };
        if (spec.path === 'fused') return { medianNs: -1, note: 'trust me' };
        const now = new Date().toISOString();
        return {
          jobId: spec.id, runId: spec.runId, instanceType: spec.instanceType, workerId: 'rogue', isa: 'avx512',
          result: { isa: 'avx512', medianNs: -5, noisy: false }, fingerprint: {}, startedAt: now, finishedAt: now, sandboxMs: 1,
        };
      },
      { connection: parseRedisUrl(SHARED_REDIS).options },
    );
    let completed = 0;
    await new Promise<void>((resolve) => rogue.on('completed', () => ++completed === 2 && resolve()));
    await rogue.close();

    const db = join(dir, 'results.sqlite');
    const collected = await runCli(['collect', '--redis', SHARED_REDIS, '--db', db, '--run-id', runId]);
    expect(collected.code, collected.stderr).toBe(0);
    expect(collected.stdout).toContain('collected 0 results and 2 failures');
    const store = ResultStore.open(db, { readonly: true });
    try {
      expect(store.results({ runIds: [runId] })).toEqual([]);
      const reasons = store.failures(runId).map((f) => f.reason).sort();
      expect(reasons[0]).toMatch(/^the result was refused by the store: .*medianNs/);
      expect(reasons[1]).toMatch(/^the worker's result does not parse: /);
      for (const failure of store.failures(runId)) expect(failure.instanceType).toBe(type);
      expect(store.getRun(runId)!.status).toBe('finished');
    } finally {
      store.close();
    }
  });
});

// Volume: 1,000 tiny jobs, four workers on one queue, two collectors running at once into one
// store. Every job ends as exactly one row: none lost, none twice.
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ResultStore } from '../../coordinator/store/result-store.js';
import { BitbenchProcess, startWorker } from '../helpers/bitbench-process.js';
import { cleanBroker, runCli, SHARED_REDIS, tempDir, uniqueName, writeTinyMatrix } from '../helpers/fleet-fixtures.js';

describe('1,000 jobs, 4 workers, 2 collectors', () => {
  const type = `${uniqueName('m')}.large`;
  const runId = uniqueName('many-');
  const processes: BitbenchProcess[] = [];
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGTERM')));
    await cleanBroker(SHARED_REDIS, [type], [runId]);
  });

  it('stores 1,000 rows, no duplicates, none lost', async () => {
    const dir = tempDir();
    // 500 distinct shapes x 2 paths: 1,000 distinct jobs of a few microseconds each.
    const shapes = Array.from({ length: 500 }, (_, i): [number, number] => [4, 4 * (i + 1)]);
    const matrix = writeTinyMatrix(dir, { instanceTypes: [type], shapes });
    const enqueued = await runCli(['enqueue', matrix, '--redis', SHARED_REDIS, '--run-id', runId]);
    expect(enqueued.stdout, enqueued.stderr).toContain('1000 of 1000 jobs added');

    const db = join(dir, 'results.sqlite');
    for (let i = 0; i < 4; i++) processes.push(startWorker(SHARED_REDIS, type));
    const collectors = [0, 1].map(() => new BitbenchProcess(['collect', '--redis', SHARED_REDIS, '--db', db, '--run-id', runId, '--follow', '--interval', '1']));
    processes.push(...collectors);
    for (const collector of collectors) {
      const { code } = await collector.exited;
      expect(code, collector.output).toBe(0);
    }

    const store = ResultStore.open(db, { readonly: true });
    try {
      const results = store.results({ runIds: [runId] });
      expect(results).toHaveLength(1000);
      expect(new Set(results.map((r) => r.jobId)).size).toBe(1000);
      expect(new Set(store.getRun(runId)!.order)).toEqual(new Set(results.map((r) => r.jobId)));
      expect(store.failures(runId)).toEqual([]);
    } finally {
      store.close();
    }
    // Every worker took a share: the queue spread the jobs.
    for (const worker of processes.slice(0, 4)) expect(worker.output).toMatch(/: done/);

    const again = await runCli(['enqueue', matrix, '--redis', SHARED_REDIS, '--run-id', runId]);
    expect(again.stdout).toContain('0 of 1000 jobs added');
    expect(again.stdout).toContain('1000 already collected');
  });
});

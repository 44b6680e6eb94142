// `bitbench cancel` mid-run: jobs not started leave their queue, the one running finishes and is
// collected, the run is recorded as interrupted, and the run cannot be enqueued again by mistake.
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ResultStore } from '../../coordinator/store/result-store.js';
import { startWorker, type BitbenchProcess } from '../helpers/bitbench-process.js';
import { cleanBroker, runCli, SHARED_REDIS, tempDir, uniqueName, writeTinyMatrix } from '../helpers/fleet-fixtures.js';

describe('bitbench cancel', () => {
  const type = `${uniqueName('c')}.large`;
  const runId = uniqueName('cancel-');
  const workers: BitbenchProcess[] = [];
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await cleanBroker(SHARED_REDIS, [type], [runId]);
  });

  it('removes the waiting jobs, lets the running one finish, and the run ends interrupted', async () => {
    const dir = tempDir();
    const matrix = writeTinyMatrix(dir, { instanceTypes: [type], shapes: [[32, 32], [64, 64]] });
    expect((await runCli(['enqueue', matrix, '--redis', SHARED_REDIS, '--run-id', runId])).code).toBe(0);
    const worker = startWorker(SHARED_REDIS, type, { env: { BITBENCH_SANDBOX_FAULT: 'slow:*:12000' } });
    workers.push(worker);
    const [, running] = await worker.waitFor(/job (\w+): kernel/);

    const status = await runCli(['status', '--redis', SHARED_REDIS, '--run-id', runId]);
    expect(status.stdout).toMatch(new RegExp(`bitbench-${type.replace('.', '\\.')}\\s+3\\s+0\\s+1\\s+0\\s+0\\s+0\\s+1`));

    const cancelled = await runCli(['cancel', '--redis', SHARED_REDIS, '--run-id', runId]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toContain(`run ${runId} cancelled: 3 waiting jobs removed, 1 still running`);

    await worker.waitFor(new RegExp(`job ${running}: done`), 60_000);
    const db = join(dir, 'results.sqlite');
    const collected = await runCli(['collect', '--redis', SHARED_REDIS, '--db', db, '--run-id', runId, '--follow', '--interval', '1']);
    expect(collected.code, collected.stderr).toBe(0);
    const store = ResultStore.open(db, { readonly: true });
    try {
      expect(store.results({ runIds: [runId] }).map((r) => r.jobId)).toEqual([running]);
      expect(store.getRun(runId)!.status).toBe('interrupted');
    } finally {
      store.close();
    }
    expect(worker.output.match(/: kernel/g)).toHaveLength(1);

    const again = await runCli(['enqueue', matrix, '--redis', SHARED_REDIS, '--run-id', runId]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`run ${runId} was cancelled; enqueue it under another --run`);
  });

  it('an unknown run is a usage error', async () => {
    const result = await runCli(['cancel', '--redis', SHARED_REDIS, '--run-id', 'no-such-run-xyz']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--run: no run 'no-such-run-xyz' on this broker");
  });
});

// The whole distributed path on one machine, against the real Redis: enqueue a matrix for two
// instance types, two worker processes each claiming one, collect into a store. Every result is
// stored once, tagged with the instance type whose queue it came from; enqueueing and collecting
// again change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ResultStore } from '../../coordinator/store/result-store.js';
import { startWorker, type BitbenchProcess } from '../helpers/bitbench-process.js';
import { cleanBroker, runCli, SHARED_REDIS, tempDir, uniqueName, writeTinyMatrix } from '../helpers/fleet-fixtures.js';

describe('bitbench enqueue / worker / status / collect on two instance types', () => {
  const dir = tempDir();
  const types = [uniqueName('ea'), uniqueName('eb')].map((n) => `${n}.large`);
  const runId = uniqueName('e2e-');
  const db = join(dir, 'results.sqlite');
  const matrix = writeTinyMatrix(dir, { instanceTypes: types });
  const workers: BitbenchProcess[] = [];

  beforeAll(async () => {
    const enqueued = await runCli(['enqueue', matrix, '--redis', SHARED_REDIS, '--run-id', runId]);
    expect(enqueued.code, enqueued.stderr).toBe(0);
    expect(enqueued.stdout).toContain(`run ${runId} (new): 4 of 4 jobs added`);
    for (const type of types) workers.push(startWorker(SHARED_REDIS, type));
    await Promise.all(workers.map((w) => w.waitFor(/taking jobs from/)));
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGTERM')));
    await cleanBroker(SHARED_REDIS, types, [runId]);
  });

  it('enqueueing the same matrix again adds nothing', async () => {
    const again = await runCli(['enqueue', matrix, '--redis', SHARED_REDIS, '--run-id', runId]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('(already enqueued): 0 of 4 jobs added');
  });

  it('status shows both queues and the live workers with their CPU tags', async () => {
    const status = await runCli(['status', '--redis', SHARED_REDIS, '--run-id', runId]);
    expect(status.code, status.stderr).toBe(0);
    for (const type of types) expect(status.stdout).toMatch(new RegExp(`${type.replace('.', '\\.')} \\(claimed\\)\\s+\\w+.*CPUs`));
    expect(status.stdout).toContain(`bitbench-${types[0]}`);
    // Each worker registered with the whole fingerprint its results carry.
    const json = await runCli(['status', '--redis', SHARED_REDIS, '--run-id', runId, '--json']);
    const snapshot = JSON.parse(json.stdout) as { workers: { instanceType: string; fingerprint: { cpu: { microarchitecture: string }; isa: { active: string } } }[] };
    const mine = snapshot.workers.filter((w) => types.includes(w.instanceType));
    expect(mine).toHaveLength(2);
    for (const worker of mine) expect(worker.fingerprint.isa.active).toBeTruthy();
  });

  it('collect stores every result once, tagged with its instance type', async () => {
    const collected = await runCli(['collect', '--redis', SHARED_REDIS, '--db', db, '--run-id', runId, '--follow', '--interval', '1']);
    expect(collected.code, collected.stderr).toBe(0);
    expect(collected.stdout).toContain('4/4 collected');

    const store = ResultStore.open(db, { readonly: true });
    try {
      const results = store.results({ runIds: [runId] });
      expect(results).toHaveLength(4);
      expect(new Set(results.map((r) => r.jobId)).size).toBe(4);
      for (const type of types) {
        const own = results.filter((r) => r.instanceType === type);
        expect(own.map((r) => r.path).sort()).toEqual(['cached-f32', 'fused']);
        for (const r of own) expect((r.spec as { instanceType: string }).instanceType).toBe(type);
      }
      // Each result carries the fingerprint of the machine that ran it.
      expect((results[0]!.fingerprint as { cpu: { microarchitecture: string } }).cpu.microarchitecture).toBeTruthy();
      const run = store.getRun(runId)!;
      expect(run.instanceType).toBe('fleet');
      expect(run.status).toBe('finished');
      expect(run.order).toHaveLength(4);
    } finally {
      store.close();
    }
  });

  it('status --watch ends by itself once nothing is left to run', async () => {
    const watched = await runCli(['status', '--redis', SHARED_REDIS, '--run-id', runId, '--watch', '--interval', '1']);
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout).toContain(`run ${runId} (tiny-fleet`);
    expect(watched.stdout).toContain('nothing left to run');
  });

  it('status lists a fully collected run only with --all', async () => {
    const plain = await runCli(['status', '--redis', SHARED_REDIS]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).not.toContain(`run ${runId} `);
    expect(plain.stdout).toMatch(/run\(s\) fully collected, not shown \(--all shows them\)/);
    const all = await runCli(['status', '--redis', SHARED_REDIS, '--all']);
    expect(all.stdout).toContain(`run ${runId} (tiny-fleet`);
  });

  it('collecting and enqueueing again after the run is collected change nothing', async () => {
    const collected = await runCli(['collect', '--redis', SHARED_REDIS, '--db', db, '--run-id', runId]);
    expect(collected.code, collected.stderr).toBe(0);
    expect(collected.stdout).toContain('collected 0 results and 0 failures');
    const again = await runCli(['enqueue', matrix, '--redis', SHARED_REDIS, '--run-id', runId]);
    expect(again.stdout).toContain('0 of 4 jobs added');
    expect(again.stdout).toContain('2 already collected');
    const store = ResultStore.open(db, { readonly: true });
    try {
      expect(store.results({ runIds: [runId] })).toHaveLength(4);
    } finally {
      store.close();
    }
  });

  it('a worker stops cleanly on SIGTERM and leaves the live list', async () => {
    const worker = workers.pop()!;
    await worker.stop('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    expect(worker.output).toContain('stopped (SIGTERM)');
    const status = await runCli(['status', '--redis', SHARED_REDIS, '--run-id', runId]);
    expect(status.stdout).not.toContain(`${types[1]} (claimed)`);
  });
});

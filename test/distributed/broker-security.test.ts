// The broker as a user secures it: a password (ElastiCache's AUTH token), TLS (`rediss://`), and
// the eviction policy BullMQ needs. A password never reaches output, and a bad URL or matrix is
// a clear error that leaves the broker untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ResultStore } from '../../coordinator/store/result-store.js';
import { brokerKeys } from '../../runner/protocol/broker-keys.js';
import { startWorker, type BitbenchProcess } from '../helpers/bitbench-process.js';
import { runCli, tempDir, uniqueName, writeTinyMatrix } from '../helpers/fleet-fixtures.js';
import { PrivateRedis, redisServerAvailable, selfSignedCertificate } from '../helpers/redis-server.js';

const PASSWORD = 'hunter2-secret-token';

describe.skipIf(!redisServerAvailable())('a password-protected broker with TLS', () => {
  const dir = tempDir();
  const tls = selfSignedCertificate(dir);
  let redis: PrivateRedis;
  const workers: BitbenchProcess[] = [];
  // Node trusts the test's own CA only through this: the CLI has no insecure switch.
  const trust = tls ? { NODE_EXTRA_CA_CERTS: tls.cert } : {};

  beforeAll(async () => {
    redis = await PrivateRedis.start(['--requirepass', PASSWORD, '--maxmemory-policy', 'allkeys-lru'], tls ? { tls } : {});
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await redis?.dispose();
  });

  it('runs the whole path over rediss:// with the password, and never prints it', async () => {
    const type = `${uniqueName('sec')}.large`;
    const url = redis.url(PASSWORD);
    if (tls) expect(url.startsWith('rediss://')).toBe(true);
    const matrix = writeTinyMatrix(dir, { instanceTypes: [type], paths: ['fused'] });
    const enqueued = await runCli(['enqueue', matrix, '--run-id', 'secure'], { ...trust, BITBENCH_REDIS_URL: url });
    expect(enqueued.code, enqueued.stderr).toBe(0);
    // An eviction policy that can drop jobs is named, with the fix.
    expect(enqueued.stderr).toMatch(/maxmemory-policy 'allkeys-lru'; BullMQ needs 'noeviction'/);
    expect(enqueued.stderr).toContain('***');

    const worker = startWorker(url, type, { env: trust });
    workers.push(worker);
    await worker.waitFor(/: done/, 60_000);
    const db = join(dir, 'results.sqlite');
    const collected = await runCli(['collect', '--redis', url, '--db', db], trust);
    expect(collected.code, collected.stderr).toBe(0);
    const store = ResultStore.open(db, { readonly: true });
    try {
      expect(store.results({ runIds: ['secure'] })).toHaveLength(1);
    } finally {
      store.close();
    }
    for (const output of [enqueued.stdout + enqueued.stderr, worker.output, collected.stdout + collected.stderr]) {
      expect(output).not.toContain(PASSWORD);
    }
  });

  it('a wrong password is a clear error with the URL redacted', async () => {
    const wrong = redis.url('not-the-password-123');
    const result = await runCli(['status', '--redis', wrong], trust);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot reach Redis at rediss?:\/\/:\*\*\*@127\.0\.0\.1:\d+/);
    expect(result.stderr).toMatch(/WRONGPASS|NOAUTH|invalid username-password/i);
    expect(result.stderr).not.toContain('not-the-password-123');
  });

  it('a worker with a wrong password fails at once instead of waiting for the broker', async () => {
    const result = await runCli(['worker', '--redis', redis.url('not-the-password-123'), '--instance-type', 'x.large', '--no-bandwidth'], trust);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/WRONGPASS|NOAUTH|invalid username-password/i);
    expect(result.stderr).not.toContain('waiting for it');
    expect(result.stderr).not.toContain('not-the-password-123');
  });

  it.skipIf(!tls)('a TLS broker refuses a certificate Node does not trust: an error, not a silent downgrade', async () => {
    const result = await runCli(['status', '--redis', redis.url(PASSWORD)], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot reach Redis .*(self-signed|certificate)/i);
    expect(result.stderr).not.toContain(PASSWORD);
  });
});

describe('bad input leaves the broker untouched', () => {
  it('a bad URL is a usage error naming the flag, without the password', async () => {
    const result = await runCli(['status', '--redis', 'http://user:pa55word@host:6379']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--redis: expected a redis:// or rediss:// URL but received 'http://user:***@host:6379");
    expect(result.stderr).not.toContain('pa55word');
  });

  it('no URL at all says where one comes from', async () => {
    const result = await runCli(['status'], { BITBENCH_REDIS_URL: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--redis: expected the broker\'s URL (redis://HOST:6379), or $BITBENCH_REDIS_URL set');
  });

  it('an invalid matrix is refused with its problems, and nothing is enqueued', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, 'instanceTypes: [c7i.large]\nkernels:\n  paths: [fused]\n  shapes: [[4096, -3]]\n  batch: [1]\n  threads: [1]\n');
    const runId = uniqueName('bad-');
    const result = await runCli(['enqueue', file, '--redis', 'redis://127.0.0.1:6379', '--run-id', runId]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/kernels\.shapes\[0\]\[1\]: expected a positive integer/);
    const redis = new Redis({ host: '127.0.0.1', port: 6379 });
    try {
      expect(await redis.exists(brokerKeys.run(runId))).toBe(0);
    } finally {
      redis.disconnect();
    }
  });
});

// A worker that must stop hands its job back to the queue at once: on SIGTERM (docker stop, a
// scale-in) and on EC2's spot interruption notice, read from a fake IMDSv2 on loopback. The job
// is waiting again, not failed, and another worker of the type finishes it.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { Queue } from 'bullmq';
import { parseRedisUrl } from '../../runner/broker/redis-url.js';
import { queueJobIdFor, queueNameFor } from '../../runner/protocol/queue-name.js';
import { BitbenchProcess, startWorker } from '../helpers/bitbench-process.js';
import { cleanBroker, runCli, SHARED_REDIS, tempDir, uniqueName, writeTinyMatrix } from '../helpers/fleet-fixtures.js';

const connection = parseRedisUrl(SHARED_REDIS).options;

/** IMDSv2 as EC2 serves it: a token, then keys; spot/instance-action is 404 until a notice. */
function fakeImds(instanceType: string): Promise<{ server: Server; endpoint: string; notice: () => void }> {
  let noticeGiven = false;
  const server = createServer((req, res) => {
    if (req.method === 'PUT' && req.url === '/latest/api/token') return res.end('test-token');
    if (req.headers['x-aws-ec2-metadata-token'] !== 'test-token') return res.writeHead(401).end();
    const values: Record<string, string> = {
      '/latest/meta-data/instance-type': instanceType,
      '/latest/meta-data/instance-id': 'i-0123456789abcdef0',
      '/latest/meta-data/instance-life-cycle': 'spot',
    };
    if (req.url === '/latest/meta-data/spot/instance-action' && noticeGiven) {
      return res.end(JSON.stringify({ action: 'terminate', time: new Date(Date.now() + 120_000).toISOString() }));
    }
    const value = values[req.url ?? ''];
    return value ? res.end(value) : res.writeHead(404).end();
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ server, endpoint: `http://127.0.0.1:${port}`, notice: () => (noticeGiven = true) });
    });
  });
}

describe('handing a job back', () => {
  const processes: BitbenchProcess[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function enqueueOneJob(type: string): Promise<Queue> {
    const runId = uniqueName('back-');
    cleanups.push(() => cleanBroker(SHARED_REDIS, [type], [runId]));
    const matrix = writeTinyMatrix(tempDir(), { instanceTypes: [type], paths: ['fused'] });
    expect((await runCli(['enqueue', matrix, '--redis', SHARED_REDIS, '--run-id', runId])).code).toBe(0);
    const queue = new Queue(queueNameFor(type), { connection });
    cleanups.push(() => queue.close());
    return queue;
  }

  async function expectFinishedElsewhere(type: string, jobId: string): Promise<void> {
    const rescuer = startWorker(SHARED_REDIS, type);
    processes.push(rescuer);
    await rescuer.waitFor(new RegExp(`job ${jobId}: done`), 60_000);
  }

  it('SIGTERM: the job in flight goes back to waiting and the worker exits 0', async () => {
    const type = `${uniqueName('s')}.large`;
    const queue = await enqueueOneJob(type);
    const worker = startWorker(SHARED_REDIS, type, { env: { BITBENCH_SANDBOX_FAULT: 'slow:*:60000' } });
    processes.push(worker);
    const [, jobId] = await worker.waitFor(/job (\w+): kernel/);
    await worker.stop('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    expect(worker.output).toContain(`job ${jobId}: handed back to the queue (SIGTERM)`);
    const job = (await queue.getJob(queueJobIdFor(jobId!)))!;
    expect(await job.getState()).toBe('waiting');
    expect(job.failedReason ?? '').toBe('');
    await expectFinishedElsewhere(type, jobId!);
  });

  it('a spot interruption notice: the worker learned its type from IMDS, hands the job back and exits', async () => {
    const type = `${uniqueName('p')}.large`;
    const imds = await fakeImds(type);
    cleanups.push(() => new Promise((resolve) => imds.server.close(() => resolve())));
    const queue = await enqueueOneJob(type);
    const worker = new BitbenchProcess(['worker', '--redis', SHARED_REDIS, '--no-bandwidth'], {
      BITBENCH_IMDS_ENDPOINT: imds.endpoint,
      BITBENCH_SANDBOX_FAULT: 'slow:*:60000',
    });
    processes.push(worker);
    await worker.waitFor(new RegExp(`taking jobs from bitbench-${type.replace('.', '\\.')}`));
    const [, jobId] = await worker.waitFor(/job (\w+): kernel/);
    imds.notice();
    const { code } = await worker.exited;
    expect(code, worker.output).toBe(0);
    expect(worker.output).toMatch(/spot interruption notice \(\{"action":"terminate"/);
    expect(worker.output).toContain(`job ${jobId}: handed back to the queue (spot interruption notice)`);
    expect(await (await queue.getJob(queueJobIdFor(jobId!)))!.getState()).toBe('waiting');
    await expectFinishedElsewhere(type, jobId!);
  });

  it('--instance-type auto off EC2 is a clear error naming the way out', async () => {
    const result = await runCli(['worker', '--redis', SHARED_REDIS, '--no-bandwidth'], { BITBENCH_IMDS_ENDPOINT: 'http://127.0.0.1:9' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--instance-type auto: EC2's metadata service did not say what this machine is .*pass --instance-type NAME/);
  });
});

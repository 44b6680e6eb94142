// Small fleet runs for the distributed tests: unique instance types and run ids per test (so
// tests share the Redis on 6379 without seeing each other), a tiny matrix file, the CLI run to
// completion, and a cleanup that leaves the broker as it was.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { CLI } from './bitbench-process.js';
import { brokerKeys } from '../../runner/protocol/broker-keys.js';
import { queueNameFor } from '../../runner/protocol/queue-name.js';
import { parseRedisUrl } from '../../runner/broker/redis-url.js';

export const SHARED_REDIS = 'redis://127.0.0.1:6379';

export function uniqueName(prefix: string): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'bitbench-fleet-'));
}

export interface TinyMatrixOptions {
  instanceTypes: string[];
  paths?: string[];
  /** Distinct shapes: each is one more job per path and instance type. */
  shapes?: [number, number][];
}

/** Kernel jobs that take milliseconds: one sample of a small shape. */
export function writeTinyMatrix(dir: string, options: TinyMatrixOptions): string {
  const matrix = {
    name: 'tiny-fleet',
    instanceTypes: options.instanceTypes,
    // One trial per job: these tests are about the broker and the workers, not about trials.
    repetitions: { warmup: 1, minSamples: 1, maxSamples: 3, maxTimeMs: 50, trials: 1 },
    kernels: {
      paths: options.paths ?? ['fused', 'cached-f32'],
      shapes: options.shapes ?? [[64, 64]],
      batch: [1],
      threads: [1],
      cache: ['hot'],
    },
  };
  const file = join(dir, `${uniqueName('matrix-')}.json`);
  writeFileSync(file, JSON.stringify(matrix));
  return file;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bitbench ${args.join(' ')} timed out:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Removes the queues of these instance types and the keys of these runs. */
export async function cleanBroker(url: string, instanceTypes: string[], runIds: string[]): Promise<void> {
  const options = parseRedisUrl(url).options;
  for (const type of instanceTypes) {
    const queue = new Queue(queueNameFor(type), { connection: options });
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
  const redis = new Redis(options);
  for (const runId of runIds) {
    await redis.del(brokerKeys.run(runId), brokerKeys.collected(runId), brokerKeys.cancelled(runId));
    await redis.srem(brokerKeys.runs, runId);
  }
  redis.disconnect();
}

// Runs jobs in a child process that is kept for the next job and replaced after a crash:
// a signal or a timeout becomes a failed outcome with its reason, and the caller goes on.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FromSandbox, SandboxJob, SandboxResult } from './sandbox-protocol.js';

export type SandboxOutcome =
  | { ok: true; result: SandboxResult }
  | { ok: false; reason: string; signal: string | null; /** The job's own error, when it threw one. */ error?: { name: string; code?: string } };

/** The compiled child script (tests import this module from TypeScript sources). */
function childScript(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, 'sandbox-child.js');
  if (existsSync(beside)) return beside;
  const compiled = join(here, '..', '..', 'dist', 'runner', 'sandbox', 'sandbox-child.js');
  if (existsSync(compiled)) return compiled;
  throw new Error(`bitbench: the sandbox child is not compiled (${compiled}); run npm install`);
}

export interface JobSandboxOptions {
  env?: NodeJS.ProcessEnv;
  onProgress?: (jobId: string, done: number, total: number) => void;
}

export class JobSandbox {
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;

  constructor(private readonly options: JobSandboxOptions = {}) {}

  private start(): Promise<void> {
    const child = fork(childScript(), [], { env: this.options.env ?? process.env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (message: FromSandbox) => {
        if (message.type !== 'ready') return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve();
      };
      const onExit = (code: number | null, signal: string | null) =>
        reject(new Error(`the sandbox process exited before it was ready (code ${code}, signal ${signal})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
    return this.ready;
  }

  /** Runs one job; never throws for what the job does (crash, timeout, error). */
  async run(job: SandboxJob, timeoutMs: number): Promise<SandboxOutcome> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) await this.start();
    else await this.ready;
    const child = this.child!;
    return new Promise<SandboxOutcome>((resolve) => {
      const finish = (outcome: SandboxOutcome) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(outcome);
      };
      const onMessage = (message: FromSandbox) => {
        if (message.type === 'progress' && message.id === job.id) this.options.onProgress?.(job.id, message.done, message.total);
        if (message.type === 'result' && message.id === job.id) finish({ ok: true, result: message.result });
        if (message.type === 'error' && message.id === job.id) {
          const error = { name: message.name, ...(message.code !== undefined ? { code: message.code } : {}) };
          finish({ ok: false, reason: message.message, signal: null, error });
        }
      };
      const onExit = (code: number | null, signal: string | null) => {
        this.child = null;
        finish({
          ok: false,
          reason: signal ? `the job's process was killed by ${signal}` : `the job's process exited with code ${code}`,
          signal,
        });
      };
      const timer = setTimeout(() => {
        child.off('exit', onExit);
        child.kill('SIGKILL');
        this.child = null;
        finish({ ok: false, reason: `timed out after ${(timeoutMs / 1000).toFixed(0)} s`, signal: 'SIGKILL' });
      }, timeoutMs);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ type: 'run', job });
    });
  }

  /** Stops the child (a job in flight is abandoned). */
  close(): void {
    this.child?.kill('SIGKILL');
    this.child = null;
  }
}

// The sandbox child: runs one job at a time for the parent, so that a kernel that crashes
// (a signal) or hangs takes down only this process. Jobs are data: only known kinds run.
import { runKernelJob } from '../kernel-job.js';
import { runModelJob } from '../model-job.js';
import type { FromSandbox, SandboxJob, ToSandbox } from './sandbox-protocol.js';

function send(message: FromSandbox): void {
  // With a callback a failed write (EPIPE: the parent was killed while this child was busy)
  // is an argument here, not an unhandled 'error' event that prints a crash trace. Nothing is
  // left to tell anyone: the 'disconnect' handler below ends this process.
  process.send?.(message, undefined, {}, () => undefined);
}

// Fault injection for the runner's own tests: BITBENCH_SANDBOX_FAULT=crash:<jobId> or
// hang:<jobId> makes this child die by SIGSEGV or spin when it receives that job;
// slow:<jobId or *>:<ms> delays it (the event loop stays free, as during a long native job);
// busy:<jobId or *>:<ms> blocks the event loop that long, so a parent killed meanwhile is only
// noticed when the result is sent.
async function injectFault(job: SandboxJob): Promise<void> {
  const fault = process.env.BITBENCH_SANDBOX_FAULT;
  if (!fault) return;
  const [kind, id, ms] = fault.split(':');
  if (id !== job.id && id !== '*') return;
  if (kind === 'crash') process.kill(process.pid, 'SIGSEGV');
  if (kind === 'hang') for (;;);
  if (kind === 'slow') await new Promise((resolve) => setTimeout(resolve, Number(ms) || 0));
  if (kind === 'busy') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(ms) || 0);
}

async function run(job: SandboxJob): Promise<void> {
  try {
    await injectFault(job);
    const result =
      job.kind === 'kernel'
        ? await runKernelJob(job.spec)
        : job.kind === 'model'
          ? await runModelJob(job.spec, (done, total) => send({ type: 'progress', id: job.id, done, total }))
          : null;
    if (!result) throw new Error(`unknown job kind '${(job as { kind: unknown }).kind}'`);
    send({ type: 'result', id: job.id, result });
  } catch (error) {
    send({ type: 'error', id: job.id, ...errorFields(error) });
  }
}

/** What crosses the process boundary of an error: its message, class name and code. */
function errorFields(error: unknown): { message: string; name: string; code?: string } {
  if (!(error instanceof Error)) return { message: String(error), name: 'Error' };
  const code = (error as { code?: unknown }).code;
  return { message: error.message, name: error.name, ...(typeof code === 'string' ? { code } : {}) };
}

process.on('message', (message: ToSandbox) => {
  if (message?.type === 'run') void run(message.job);
});
// The parent going away ends the child.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });

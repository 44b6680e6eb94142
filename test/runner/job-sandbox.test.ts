// The sandbox child process: jobs run there, a crash or a hang becomes a failed outcome, and
// the next job runs in a fresh child.
import { afterEach, describe, expect, it } from 'vitest';
import { implementations } from '../../native/index.js';
import { JobSandbox } from '../../runner/sandbox/job-sandbox.js';
import type { SandboxJob } from '../../runner/sandbox/sandbox-protocol.js';

const kernel = (id: string): SandboxJob => ({
  id,
  kind: 'kernel',
  spec: { path: 'fused', n: 64, k: 64, batch: 1, threads: 1, cache: 'hot', minSamples: 3, maxSamples: 3, minTimeMs: 0, targetCv: 0 },
});

let sandbox: JobSandbox | null = null;
afterEach(() => sandbox?.close());

describe('JobSandbox', () => {
  it('runs kernel and model jobs in one kept child', async () => {
    sandbox = new JobSandbox();
    const first = await sandbox.run(kernel('a'), 60_000);
    expect(first.ok).toBe(true);
    const progress: number[] = [];
    const withProgress = new JobSandbox({ onProgress: (_, done) => progress.push(done) });
    const model = await withProgress.run(
      { id: 'm', kind: 'model', spec: { preset: 'tiny', path: 'fused', batch: 1, prompt: 2, tokens: 2, threads: 1 } },
      60_000,
    );
    withProgress.close();
    expect(model.ok).toBe(true);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('turns a crash into a failed outcome naming the signal, and runs the next job', async () => {
    sandbox = new JobSandbox({ env: { ...process.env, BITBENCH_SANDBOX_FAULT: 'crash:bad' } });
    const crashed = await sandbox.run(kernel('bad'), 60_000);
    expect(crashed).toMatchObject({ ok: false, signal: 'SIGSEGV' });
    expect(!crashed.ok && crashed.reason).toMatch(/killed by SIGSEGV/);
    const next = await sandbox.run(kernel('good'), 60_000);
    expect(next.ok).toBe(true);
  });

  it('kills a job that runs past its timeout and goes on', async () => {
    sandbox = new JobSandbox({ env: { ...process.env, BITBENCH_SANDBOX_FAULT: 'hang:slow' } });
    const hung = await sandbox.run(kernel('slow'), 1500);
    expect(hung).toMatchObject({ ok: false, signal: 'SIGKILL' });
    expect(!hung.ok && hung.reason).toMatch(/timed out after 2 s|timed out after 1 s/);
    expect((await sandbox.run(kernel('after'), 60_000)).ok).toBe(true);
  });

  it("sends back the job error's name and code: what tells a retry apart from a lost cause", async () => {
    // Every machine lacks some ISA (x86 has no NEON, Arm no AVX-512).
    const lacking = implementations().find((impl) => !impl.supported)!;
    sandbox = new JobSandbox();
    const job = kernel('isa');
    const failed = await sandbox.run({ ...job, spec: { ...job.spec, isa: lacking.name } } as SandboxJob, 60_000);
    expect(failed).toMatchObject({ ok: false, signal: null, error: { name: 'Error', code: 'ERR_BITBENCH_ISA_UNSUPPORTED' } });
    expect(!failed.ok && failed.reason).toMatch(new RegExp(`ISA ${lacking.name}`));
  });

  it('reports a job error (bad spec) as a failure without killing the child', async () => {
    sandbox = new JobSandbox();
    const bad = await sandbox.run({ id: 'x', kind: 'kernel', spec: { ...kernel('x').spec as object, n: -1 } } as SandboxJob, 60_000);
    expect(bad).toMatchObject({ ok: false, signal: null });
    expect(!bad.ok && bad.reason).toMatch(/for n/);
  });
});

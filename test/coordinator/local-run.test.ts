// `bitbench local` end to end on a tiny matrix: rows in the store, the printed table, crash
// isolation, resume, a closed pipe, and a bad matrix rejected before anything is written.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ResultStore } from '../../coordinator/store/result-store.js';
import { runLocal } from '../../coordinator/local/run-local.js';

const cli = fileURLToPath(new URL('../../bin/bitbench.js', import.meta.url));

// One trial per job: these tests are about jobs, crashes and resume; trials have their own test below.
const TINY_MATRIX = `
name: tiny-test
repetitions: { warmup: 1, minSamples: 3, maxSamples: 5, maxTimeMs: 50, trials: 1 }
kernels:
  paths: [fused, cached-f32]
  shapes: [[64, 96]]
  batch: [1, 3]
  threads: [1]
  cache: [hot]
models:
  presets: [tiny]
  paths: [fused]
  batch: [1]
  prompt: 3
  tokens: 3
  threads: [1]
`;

function workspace(text = TINY_MATRIX) {
  const dir = mkdtempSync(join(tmpdir(), 'bitbench-local-'));
  const matrix = join(dir, 'matrix.yaml');
  writeFileSync(matrix, text);
  return { dir, matrix, db: join(dir, 'results.sqlite') };
}

describe('bitbench local', () => {
  it('runs every job once, stores one row per job, and prints the table', () => {
    const w = workspace();
    const run = spawnSync(process.execPath, [cli, 'local', w.matrix, '--db', w.db, '--no-imds', '--seed', '7'], { encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/cell +path +isa +median ms \(95% CI\) +CV within\/between +GOPS +weight GB\/s +% roofline +vs baseline/);
    expect(run.stdout).toMatch(/model +path +isa +batch +setting +decode tok\/s/);
    expect(run.stdout).toMatch(/5 done, 0 failed/);
    const report = /report: (\S+\.html)/.exec(run.stdout)?.[1];
    expect(report && existsSync(report)).toBe(true);
    expect(run.stderr).toMatch(/run \S+: 5 jobs, order seed 7/);
    const store = ResultStore.open(w.db, { readonly: true });
    const runs = store.listRuns();
    expect(runs).toHaveLength(1);
    expect(runs[0]!.status).toBe('finished');
    expect(runs[0]!.orderSeed).toBe(7);
    const rows = store.results({ runIds: [runs[0]!.id] });
    expect(rows).toHaveLength(5);
    expect(new Set(rows.map((r) => r.jobId)).size).toBe(5);
    for (const row of rows) {
      expect(row.instanceType).toBe('local');
      expect((row.fingerprint as { cpu: { modelName: string } }).cpu.modelName).toBeTruthy();
    }
    store.close();
  });

  it('runs each job as interleaved trials, round by round, and keeps every trial', async () => {
    const w = workspace(TINY_MATRIX.replace('trials: 1', 'trials: 2'));
    const started: string[] = [];
    const summary = await runLocal({
      matrixPath: w.matrix, dbPath: w.db, seed: 5, jobTimeoutMs: 60_000, imds: false,
      onEvent: (e) => { if (e.type === 'job-start') started.push(e.description); },
    });
    expect(summary).toMatchObject({ completed: 5, failed: 0 });
    // Round 1 (every job's first trial) before round 2 of any.
    expect(started).toHaveLength(10);
    expect(started.slice(0, 5).every((d) => d.endsWith('trial 1/2'))).toBe(true);
    expect(started.slice(5).every((d) => d.endsWith('trial 2/2'))).toBe(true);
    const store = ResultStore.open(w.db, { readonly: true });
    const trials = store.trials({ runId: summary.runId });
    expect(trials).toHaveLength(10);
    // The order is recorded: positions 0..4 in each round, round 0 in the run's recorded order.
    const order = store.getRun(summary.runId)!.order;
    expect(trials.filter((t) => t.trial === 0).sort((a, b) => a.position! - b.position!).map((t) => t.jobId)).toEqual(order);
    expect(trials.filter((t) => t.trial === 1).map((t) => t.position).sort()).toEqual([0, 1, 2, 3, 4]);
    for (const row of store.results({ runIds: [summary.runId] })) {
      const result = row.result as { trials: { trial: number }[]; intervalSource?: string };
      expect(result.trials.map((t) => t.trial)).toEqual([0, 1]);
      if (row.kind === 'kernel') expect(result.intervalSource).toBe('trials');
      expect(row.host).toBeTruthy();
    }
    store.close();
  });

  it('isolates a crash and lets --resume finish the run', async () => {
    const w = workspace();
    const controller = new AbortController();
    // Interrupt after the first job to create a resumable run.
    const partial = await runLocal({
      matrixPath: w.matrix,
      dbPath: w.db,
      seed: 11,
      jobTimeoutMs: 60_000,
      imds: false,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'job-end') controller.abort();
      },
    });
    expect(partial.interrupted).toBe(true);
    expect(partial.completed).toBe(1);
    let store = ResultStore.open(w.db);
    expect(store.getRun(partial.runId)!.status).toBe('interrupted');
    const order = store.getRun(partial.runId)!.order;
    const victim = order[1]!; // the next job to run
    store.close();

    const resumed = await runLocal({
      matrixPath: 'ignored-on-resume.yaml',
      dbPath: w.db,
      resumeRunId: partial.runId,
      jobTimeoutMs: 60_000,
      imds: false,
      sandboxEnv: { ...process.env, BITBENCH_SANDBOX_FAULT: `crash:${victim}` },
    });
    expect(resumed.skipped).toBe(1);
    expect(resumed.failed).toBe(1);
    expect(resumed.completed).toBe(3);
    store = ResultStore.open(w.db);
    expect(store.failures(partial.runId)).toMatchObject([{ jobId: victim, signal: 'SIGSEGV' }]);
    expect(store.results({ runIds: [partial.runId] })).toHaveLength(4);
    store.close();

    // A last resume runs only the failed job.
    const last = await runLocal({ matrixPath: '', dbPath: w.db, resumeRunId: partial.runId, jobTimeoutMs: 60_000, imds: false });
    expect(last).toMatchObject({ skipped: 4, completed: 1, failed: 0 });
    store = ResultStore.open(w.db, { readonly: true });
    expect(store.results({ runIds: [partial.runId] })).toHaveLength(5);
    expect(store.getRun(partial.runId)!.status).toBe('finished');
    store.close();
  });

  it('rejects a bad matrix with every problem, exit 2, and writes nothing', () => {
    const w = workspace();
    writeFileSync(w.matrix, 'kernels:\n  paths: [fused, warp]\n  shapes: [[4, 4], [0, 4]]\n  batch: []\n  threads: [1]\n  cache: [hot]\n  colour: red\n');
    const run = spawnSync(process.execPath, [cli, 'local', w.matrix, '--db', w.db, '--no-imds'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('kernels.shapes[1][0]: expected a positive integer');
    expect(run.stderr).toMatch(/kernels\.paths\[1\]/);
    expect(run.stderr).toMatch(/colour/);
    expect(existsSync(w.db)).toBe(false);
  });

  it('stops on Ctrl-C after the job in flight, keeps what finished, and says how to resume', async () => {
    const w = workspace();
    // Jobs that sample for 400 ms each (an unreachable CV target), so Ctrl-C lands mid-run.
    writeFileSync(
      w.matrix,
      TINY_MATRIX.replace('{ warmup: 1, minSamples: 3, maxSamples: 5, maxTimeMs: 50 }', '{ warmup: 1, minSamples: 3, maxSamples: 1000000, targetCv: 0.000001, maxTimeMs: 400 }'),
    );
    const child = spawn(process.execPath, [cli, 'local', w.matrix, '--db', w.db, '--no-imds'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        // After the first job finishes, press Ctrl-C.
        if (/\[1\/5\].*: ok/.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(code).toBe(130);
    expect(stdout).toMatch(/continue with {2}bitbench local --resume \S+/);
    const store = ResultStore.open(w.db, { readonly: true });
    const [run] = store.listRuns();
    expect(run!.status).toBe('interrupted');
    const kept = store.results({ runIds: [run!.id] }).length;
    expect(kept).toBeGreaterThanOrEqual(1);
    expect(kept).toBeLessThan(5);
    store.close();
  });

  it('finishes and stores every job when its output has no reader (`| head` closed the pipe)', async () => {
    const w = workspace();
    const child = spawn(process.execPath, [cli, 'local', w.matrix, '--db', w.db, '--no-imds'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader goes away before the first line, as `head -0` would, and stderr's with it.
    child.stdout.destroy();
    child.stderr.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    const store = ResultStore.open(w.db, { readonly: true });
    const [run] = store.listRuns();
    expect(run!.status).toBe('finished');
    expect(store.results({ runIds: [run!.id] })).toHaveLength(5);
    store.close();
  });

  it('says which run is unknown for --resume', () => {
    const w = workspace();
    spawnSync(process.execPath, [cli, 'local', w.matrix, '--db', w.db, '--no-imds'], { encoding: 'utf8', timeout: 120_000 });
    const run = spawnSync(process.execPath, [cli, 'local', '--resume', 'nope', '--db', w.db, '--no-imds'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--resume: no run 'nope'/);
  });
});

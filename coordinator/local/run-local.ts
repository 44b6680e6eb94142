// `bitbench local`: one matrix on this machine. Validate the matrix (nothing is written for a
// bad one), fingerprint the machine once, expand the jobs, run each job's trials in interleaved
// rounds, each round in a seeded random order (cloud machines drift: interleaving spreads the
// drift over every cell; see trial-rounds.ts) in a sandbox child process, and store each trial
// and result as it finishes, so an interrupted run keeps what it did and `--resume` continues it.
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { loadMatrix } from '../matrix/load-matrix.js';
import { chooseRunSeed, expandMatrix, runOrder } from '../matrix/expand-matrix.js';
import { matrixSchema, type Matrix } from '../matrix/matrix-schema.js';
import { runMatrixName } from '../matrix/matrix-text.js';
import { ResultStore } from '../store/result-store.js';
import { UsageError } from '../../runner/errors.js';
import { collectFingerprint, type Fingerprint } from '../../runner/fingerprint/fingerprint.js';
import type { JobSpec } from '../../runner/protocol/job-spec.js';
import { JobSandbox } from '../../runner/sandbox/job-sandbox.js';
import { runTrialRounds, type TrialRoundsOutcome } from './run-trial-rounds.js';

export interface LocalRunOptions {
  matrixPath: string;
  dbPath: string;
  resumeRunId?: string;
  seed?: number;
  jobTimeoutMs: number;
  /** Aborting stops the run after killing the job in flight; finished results stay. */
  signal?: AbortSignal;
  /** Whether to ask EC2's metadata service who this machine is (short timeout). */
  imds?: boolean;
  /** Environment of the sandbox child (tests inject faults through it). */
  sandboxEnv?: NodeJS.ProcessEnv;
  onEvent?: (event: LocalRunEvent) => void;
}

export type LocalRunEvent =
  | { type: 'fingerprint'; fingerprint: Fingerprint }
  | { type: 'start'; runId: string; total: number; pending: number; seed: number }
  | { type: 'job-start'; index: number; total: number; description: string }
  | { type: 'job-progress'; done: number; total: number }
  | { type: 'job-end'; index: number; total: number; description: string; ok: boolean; reason?: string; seconds: number };

export interface LocalRunSummary {
  runId: string;
  total: number;
  completed: number;
  failed: number;
  skipped: number;
  interrupted: boolean;
  seconds: number;
  jobSeconds: number;
}

function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function runLocal(options: LocalRunOptions): Promise<LocalRunSummary> {
  const started = Date.now();
  // A bad matrix is rejected before the store is even opened: nothing is written.
  const fileMatrix = options.resumeRunId ? undefined : loadMatrix(options.matrixPath);
  const store = ResultStore.open(options.dbPath, options.resumeRunId ? { mustExist: true } : {});
  try {
    const previous = options.resumeRunId ? store.getRun(options.resumeRunId) : undefined;
    if (options.resumeRunId && !previous) throw new UsageError(`--resume: no run '${options.resumeRunId}' in ${options.dbPath}`);
    if (previous) store.resumeRun(previous.id);
    // A resumed run keeps its own matrix and order, whatever the file says now.
    const matrix: Matrix = previous ? matrixSchema.parse(previous.matrix) : fileMatrix!;
    const fingerprint = await collectFingerprint({ imds: options.imds ?? true, bandwidth: true });
    options.onEvent?.({ type: 'fingerprint', fingerprint });
    const runId = previous?.id ?? newRunId();
    const seed = previous?.orderSeed ?? options.seed ?? chooseRunSeed();
    const instanceType = previous?.instanceType ?? fingerprint.instance.instanceType;
    const expanded = expandMatrix({ ...matrix, instanceTypes: [instanceType] }, { runId, hardwareThreads: availableParallelism() });
    const jobs: JobSpec[] = runOrder(expanded, seed);
    if (!previous) {
      store.createRun({
        id: runId,
        startedAt: new Date().toISOString(),
        matrixName: runMatrixName(matrix, options.matrixPath),
        matrix,
        orderSeed: seed,
        order: jobs.map((j) => j.id),
        instanceType,
        fingerprint,
        toolVersion: fingerprint.tool.version,
      });
    }
    const done = store.completedJobIds(runId);
    const pending = jobs.filter((j) => !done.has(j.id));
    options.onEvent?.({ type: 'start', runId, total: jobs.length, pending: pending.length, seed });

    const sandbox = new JobSandbox({
      ...(options.sandboxEnv ? { env: options.sandboxEnv } : {}),
      onProgress: (_, d, t) => options.onEvent?.({ type: 'job-progress', done: d, total: t }),
    });
    const abort = () => sandbox.close();
    options.signal?.addEventListener('abort', abort);
    let outcome: TrialRoundsOutcome;
    try {
      // Round 0's order is the recorded one: trialRounds shuffles the expanded list with the run's seed.
      outcome = await runTrialRounds({
        store,
        runId,
        jobs: expanded,
        seed,
        fingerprint,
        sandbox,
        jobTimeoutMs: options.jobTimeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      });
    } finally {
      options.signal?.removeEventListener('abort', abort);
      sandbox.close();
    }
    const interrupted = options.signal?.aborted ?? false;
    store.finishRun(runId, interrupted ? 'interrupted' : 'finished');
    return {
      runId,
      total: jobs.length,
      completed: outcome.completed,
      failed: outcome.failed,
      skipped: jobs.length - pending.length,
      interrupted,
      seconds: (Date.now() - started) / 1000,
      jobSeconds: outcome.jobSeconds,
    };
  } finally {
    store.close();
  }
}

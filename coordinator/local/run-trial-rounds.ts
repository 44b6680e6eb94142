// The body of `bitbench local`: every job's trials in interleaved rounds (trial-rounds.ts), each
// trial in the sandbox child, stored as it finishes; a job's result is stored once its last trial
// is in. Each round starts a fresh sandbox process, so a job's trials come from different
// processes (their own heap, page placement and thread pool), which is what a re-run would see;
// within a round the process is kept, because a start per trial would cost more than it tells.
// A trial that fails fails its job (stored as a failure); the job's later trials are skipped.
import type { ResultStore } from '../store/result-store.js';
import type { Fingerprint } from '../../runner/fingerprint/fingerprint.js';
import { trialsOf, type JobSpec } from '../../runner/protocol/job-spec.js';
import type { JobSandbox } from '../../runner/sandbox/job-sandbox.js';
import { describeJob, sandboxJobFor } from '../../runner/sandbox/sandbox-job.js';
import { hostIdentity } from '../../runner/trials/host-identity.js';
import { combinedResultFor, storedResultFor } from './job-execution.js';
import { trialRounds } from './trial-rounds.js';

export type TrialRoundEvent =
  | { type: 'job-start'; index: number; total: number; description: string }
  | { type: 'job-end'; index: number; total: number; description: string; ok: boolean; reason?: string; seconds: number };

export interface TrialRoundsOptions {
  store: ResultStore;
  runId: string;
  /** Every job of the run (done ones included: the schedule is the run's, whatever is left of it). */
  jobs: readonly JobSpec[];
  seed: number;
  fingerprint: Fingerprint;
  sandbox: JobSandbox;
  jobTimeoutMs: number;
  signal?: AbortSignal;
  onEvent?: (event: TrialRoundEvent) => void;
}

export interface TrialRoundsOutcome {
  completed: number;
  failed: number;
  jobSeconds: number;
}

export async function runTrialRounds(options: TrialRoundsOptions): Promise<TrialRoundsOutcome> {
  const { store, runId, fingerprint, sandbox, signal } = options;
  const host = hostIdentity(fingerprint);
  const rounds = trialRounds(options.jobs, options.seed);
  const total = rounds.reduce((sum, round) => sum + round.length, 0);
  const withResult = store.completedJobIds(runId);
  const storedTrials = new Set(store.trials({ runId }).map((t) => `${t.jobId}#${t.trial}`));
  const failedJobs = new Set<string>();
  let completed = 0;
  let jobSeconds = 0;
  let index = 0;
  for (const round of rounds) {
    // A fresh process per round (see above); the first round's start is the sandbox's own.
    if (index > 0) sandbox.close();
    for (const { job, trial, position } of round) {
      index++;
      if (signal?.aborted) return { completed, failed: failedJobs.size, jobSeconds };
      if (withResult.has(job.id) || failedJobs.has(job.id) || storedTrials.has(`${job.id}#${trial}`)) continue;
      const trials = trialsOf(job);
      const description = `${describeJob(job)}${trials > 1 ? ` trial ${trial + 1}/${trials}` : ''}`;
      options.onEvent?.({ type: 'job-start', index, total, description });
      const startedAt = new Date();
      const outcome = await sandbox.run(sandboxJobFor(job, fingerprint), options.jobTimeoutMs);
      const finishedAt = new Date();
      const seconds = (finishedAt.getTime() - startedAt.getTime()) / 1000;
      jobSeconds += seconds;
      if (signal?.aborted) break; // cut short by the interrupt: not a failure
      if (outcome.ok) {
        store.saveTrial({ jobId: job.id, runId, trial, position, host, result: outcome.result, startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString() });
        const stored = store.trials({ jobId: job.id });
        if (stored.length >= trials) {
          const result = combinedResultFor(job, stored.slice(0, trials));
          store.saveResult(storedResultFor(job, result, fingerprint, stored[0]!.startedAt, finishedAt.toISOString()));
          completed++;
        }
      } else {
        store.saveFailure({ jobId: job.id, runId, reason: trials > 1 ? `trial ${trial + 1}: ${outcome.reason}` : outcome.reason, signal: outcome.signal });
        failedJobs.add(job.id);
      }
      options.onEvent?.({ type: 'job-end', index, total, description, ok: outcome.ok, ...(outcome.ok ? {} : { reason: outcome.reason }), seconds });
    }
  }
  return { completed, failed: failedJobs.size, jobSeconds };
}

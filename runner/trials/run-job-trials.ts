// A job's trials back to back, for runners that take one job at a time (the fleet worker, and
// `bitbench kernel`/`bitbench model --trials N`): each trial in a fresh sandbox process, so
// trials differ as re-runs do (their own heap, page placement, thread pool); the result is the
// trials combined. Interleaving with other cells' trials happens in `bitbench local`
// (coordinator/local/trial-rounds.ts); a queue hands a worker whole jobs.
import type { Fingerprint } from '../fingerprint/fingerprint.js';
import { trialsOf, type JobSpec } from '../protocol/job-spec.js';
import type { JobSandbox, SandboxOutcome } from '../sandbox/job-sandbox.js';
import type { SandboxJob } from '../sandbox/sandbox-protocol.js';
import { sandboxJobFor } from '../sandbox/sandbox-job.js';
import type { KernelResult } from '../kernel-job.js';
import type { ModelResult } from '../model-job.js';
import { combineKernelTrials } from './combine-kernel-trials.js';
import { combineModelTrials } from './combine-model-trials.js';
import { hostIdentity } from './host-identity.js';
import type { TrialPlacement } from './trial-records.js';

export interface SandboxTrialsOptions {
  trials: number;
  /** Per trial. */
  timeoutMs: number;
  host: string;
  /** The kernel cell's CV target, for the noisy flag (0: off). */
  targetCv: number;
}

/** `trials` runs of one sandbox job, each in a fresh process, combined; the first failure ends it. */
export async function runSandboxTrials(sandbox: JobSandbox, job: SandboxJob, options: SandboxTrialsOptions): Promise<SandboxOutcome> {
  const measured: { result: KernelResult | ModelResult; placement: TrialPlacement }[] = [];
  for (let trial = 0; trial < options.trials; trial++) {
    if (trial > 0) sandbox.close();
    const startedAt = new Date().toISOString();
    const outcome = await sandbox.run(job, options.timeoutMs);
    if (!outcome.ok) return options.trials > 1 ? { ...outcome, reason: `trial ${trial + 1}: ${outcome.reason}` } : outcome;
    measured.push({ result: outcome.result, placement: { trial, host: options.host, startedAt, finishedAt: new Date().toISOString() } });
  }
  const result = job.kind === 'kernel'
    ? combineKernelTrials(measured as { result: KernelResult; placement: TrialPlacement }[], options.targetCv)
    : combineModelTrials(measured as { result: ModelResult; placement: TrialPlacement }[]);
  return { ok: true, result };
}

export function runJobTrials(sandbox: JobSandbox, job: JobSpec, fingerprint: Fingerprint, trialTimeoutMs: number): Promise<SandboxOutcome> {
  return runSandboxTrials(sandbox, sandboxJobFor(job, fingerprint), {
    trials: trialsOf(job),
    timeoutMs: trialTimeoutMs,
    host: hostIdentity(fingerprint),
    targetCv: job.kind === 'kernel' ? job.repetitions.targetCv : 0,
  });
}

// How a job's trials become a stored row: one trial's sandbox result is stored as a trial; once
// every trial of the job is in, they are combined (median and trial interval) into its result.
import type { StoredResult, StoredTrial } from '../store/result-store.js';
import { jobPathLabel, type JobSpec } from '../../runner/protocol/job-spec.js';
import type { KernelResult } from '../../runner/kernel-job.js';
import type { ModelResult } from '../../runner/model-job.js';
import type { SandboxResult } from '../../runner/sandbox/sandbox-protocol.js';
import type { Fingerprint } from '../../runner/fingerprint/fingerprint.js';
import { combineKernelTrials } from '../../runner/trials/combine-kernel-trials.js';
import { combineModelTrials } from '../../runner/trials/combine-model-trials.js';
import type { TrialPlacement } from '../../runner/trials/trial-records.js';

function placementOf(trial: StoredTrial): TrialPlacement {
  return {
    trial: trial.trial,
    ...(trial.position === undefined ? {} : { position: trial.position }),
    ...(trial.host === undefined ? {} : { host: trial.host }),
    startedAt: trial.startedAt,
    finishedAt: trial.finishedAt,
  };
}

/** The job's result from its stored trials (each trial's result is what the sandbox returned). */
export function combinedResultFor(job: JobSpec, trials: readonly StoredTrial[]): SandboxResult {
  const measured = trials.map((t) => ({ result: t.result as never, placement: placementOf(t) }));
  if (job.kind === 'kernel') return combineKernelTrials(measured as { result: KernelResult; placement: TrialPlacement }[], job.repetitions.targetCv);
  return combineModelTrials(measured as { result: ModelResult; placement: TrialPlacement }[]);
}

export function storedResultFor(
  job: JobSpec,
  result: SandboxResult,
  fingerprint: Fingerprint,
  startedAt: string,
  finishedAt: string,
): StoredResult {
  const base = {
    jobId: job.id,
    runId: job.runId,
    instanceType: job.instanceType,
    path: jobPathLabel(job),
    isa: result.isa,
    spec: job,
    fingerprint,
    startedAt,
    finishedAt,
    ...(result.host ? { host: result.host } : {}),
  };
  if (job.kind === 'kernel') {
    const r = result as KernelResult;
    return { ...base, kind: 'kernel', result: r, medianNs: r.medianNs, noisy: r.noisy };
  }
  const r = result as ModelResult;
  return { ...base, kind: 'model', result: r, ...(Number.isFinite(r.decodeTokS) ? { tokensPerS: r.decodeTokS } : {}), noisy: r.noisy ?? false };
}

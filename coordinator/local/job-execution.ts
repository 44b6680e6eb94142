// How a job's outcome from the sandbox becomes a stored row.
import type { StoredResult } from '../store/result-store.js';
import { jobPathLabel, type JobSpec } from '../../runner/protocol/job-spec.js';
import type { KernelResult } from '../../runner/kernel-job.js';
import type { ModelResult } from '../../runner/model-job.js';
import type { SandboxResult } from '../../runner/sandbox/sandbox-protocol.js';
import type { Fingerprint } from '../../runner/fingerprint/fingerprint.js';

export function storedResultFor(
  job: JobSpec,
  result: SandboxResult,
  fingerprint: Fingerprint,
  startedAt: string,
  finishedAt: string,
): StoredResult {
  const base = { jobId: job.id, runId: job.runId, instanceType: job.instanceType, path: jobPathLabel(job), isa: result.isa, spec: job, fingerprint, startedAt, finishedAt };
  if (job.kind === 'kernel') {
    const r = result as KernelResult;
    return { ...base, kind: 'kernel', result: r, medianNs: r.medianNs, noisy: r.noisy };
  }
  const r = result as ModelResult;
  return { ...base, kind: 'model', result: r, ...(Number.isFinite(r.decodeTokS) ? { tokensPerS: r.decodeTokS } : {}), noisy: false };
}

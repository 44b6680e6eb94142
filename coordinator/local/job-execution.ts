// How an expanded job runs in the sandbox, and how its outcome becomes a stored row.
import type { StoredResult } from '../store/result-store.js';
import type { JobSpec } from '../../runner/protocol/job-spec.js';
import type { KernelResult } from '../../runner/kernel-job.js';
import type { ModelResult } from '../../runner/model-job.js';
import type { SandboxJob, SandboxResult } from '../../runner/sandbox/sandbox-protocol.js';
import type { Fingerprint } from '../../runner/fingerprint/fingerprint.js';

/** The bandwidth the fingerprint measured at `threads` (or the nearest count below it). */
export function bandwidthAt(fingerprint: Fingerprint, threads: number): number | undefined {
  const points = (fingerprint.bandwidth ?? []).filter((p) => p.threads <= threads);
  return points.length ? points[points.length - 1]!.readGBs : undefined;
}

export function sandboxJobFor(job: JobSpec, fingerprint: Fingerprint): SandboxJob {
  if (job.kind === 'kernel') {
    const r = job.repetitions;
    return {
      id: job.id,
      kind: 'kernel',
      spec: {
        path: job.path,
        n: job.n,
        k: job.k,
        batch: job.batch,
        threads: job.threads,
        cache: job.cache,
        warmup: r.warmup,
        minSamples: r.minSamples,
        maxSamples: r.maxSamples,
        minTimeMs: 0,
        targetCv: r.targetCv,
        maxTimeMs: r.maxTimeMs,
        ...(job.isa ? { isa: job.isa } : {}),
      },
    };
  }
  const bandwidthGBs = bandwidthAt(fingerprint, job.threads);
  return {
    id: job.id,
    kind: 'model',
    spec: {
      preset: job.preset,
      path: job.path,
      batch: job.batch,
      prompt: job.prompt,
      tokens: job.tokens,
      threads: job.threads,
      kv: job.kv,
      lmHead: job.lmHead,
      ...(job.isa ? { isa: job.isa } : {}),
      ...(bandwidthGBs ? { bandwidthGBs } : {}),
    },
  };
}

export function storedResultFor(
  job: JobSpec,
  result: SandboxResult,
  fingerprint: Fingerprint,
  startedAt: string,
  finishedAt: string,
): StoredResult {
  const base = { jobId: job.id, runId: job.runId, instanceType: job.instanceType, path: job.path, isa: result.isa, spec: job, fingerprint, startedAt, finishedAt };
  if (job.kind === 'kernel') {
    const r = result as KernelResult;
    return { ...base, kind: 'kernel', result: r, medianNs: r.medianNs, noisy: r.noisy };
  }
  const r = result as ModelResult;
  return { ...base, kind: 'model', result: r, ...(Number.isFinite(r.decodeTokS) ? { tokensPerS: r.decodeTokS } : {}), noisy: false };
}

export function describeJob(job: JobSpec): string {
  if (job.kind === 'kernel') return `kernel ${job.path} ${job.n}x${job.k} batch ${job.batch} ${job.cache} ${job.threads}t${job.isa ? ' ' + job.isa : ''}`;
  return `model ${job.preset} ${job.path} batch ${job.batch} ${job.threads}t KV ${job.kv}${job.isa ? ' ' + job.isa : ''}`;
}

// How an expanded job runs in the sandbox: the spec becomes the child's message (with the
// fingerprint's bandwidth for the model's roofline), and a one-line description for progress.
// Shared by `bitbench local` and the queue worker, so both run a job exactly the same way.
import type { JobSpec } from '../protocol/job-spec.js';
import type { Fingerprint } from '../fingerprint/fingerprint.js';
import type { SandboxJob } from './sandbox-protocol.js';

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
        ...(job.sparsity !== undefined ? { sparsity: job.sparsity } : {}),
        ...(job.sparsityPattern !== undefined ? { sparsityPattern: job.sparsityPattern } : {}),
      },
    };
  }
  const bandwidthGBs = bandwidthAt(fingerprint, job.threads);
  return {
    id: job.id,
    kind: 'model',
    spec: {
      preset: job.preset,
      path: job.path ?? 'fused',
      ...(job.engine === 'llama.cpp' ? { engine: job.engine, ...(job.quant ? { quant: job.quant } : {}) } : {}),
      batch: job.batch,
      prompt: job.prompt,
      tokens: job.tokens,
      threads: job.threads,
      kv: job.kv,
      ...(job.context !== undefined ? { context: job.context } : {}),
      ...(job.fill !== undefined ? { fill: job.fill } : {}),
      lmHead: job.lmHead,
      ...(job.sparsity !== undefined && job.sparsity !== 'none' ? { sparsity: job.sparsity, sparsityLevel: job.sparsityLevel } : {}),
      ...(job.attentionSparsity !== undefined && job.attentionSparsity !== 'none'
        ? job.attentionSparsity === 'window'
          ? { attentionSparsity: job.attentionSparsity, attentionWindow: job.attentionWindow, attentionGlobal: job.attentionGlobal ?? 0 }
          : { attentionSparsity: job.attentionSparsity, attentionLevel: job.attentionLevel }
        : {}),
      ...(job.isa ? { isa: job.isa } : {}),
      ...(bandwidthGBs ? { bandwidthGBs } : {}),
    },
  };
}

export function describeJob(job: JobSpec): string {
  if (job.kind === 'kernel') return `kernel ${job.path} ${job.n}x${job.k} batch ${job.batch} ${job.cache} ${job.threads}t${job.sparsity !== undefined ? ` sparsity ${job.sparsity}${job.sparsityPattern === 'scattered' ? ' scattered' : ''}` : ''}${job.isa ? ' ' + job.isa : ''}`;
  const sparsity = job.sparsity !== undefined && job.sparsity !== 'none' ? ` sparsity ${job.sparsity} ${job.sparsityLevel}` : '';
  const attention = job.attentionSparsity === undefined || job.attentionSparsity === 'none'
    ? ''
    : ` attention ${job.attentionSparsity} ${job.attentionSparsity === 'window' ? `${job.attentionWindow}+${job.attentionGlobal ?? 0}` : job.attentionLevel}`;
  return `model ${job.preset} ${job.engine === 'llama.cpp' ? `llama.cpp ${job.quant}` : job.path} batch ${job.batch} ${job.threads}t KV ${job.kv}${job.context !== undefined ? ` context ${job.context}` : ''}${sparsity}${attention}${job.isa ? ' ' + job.isa : ''}`;
}

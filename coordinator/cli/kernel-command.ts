// `bitbench kernel`: time one compute path on one shape on this machine.
import { parseArgs } from 'node:util';
import { ISAS, PATHS, type IsaName } from '../../native/index.js';
import { KERNEL_JOB_DEFAULTS, runKernelJob, type KernelResult } from '../../runner/kernel-job.js';
import { UsageError } from './cli-error.js';
import { nonNegativeNumber, oneOf, positiveInteger, threadCount } from './option-parsing.js';

export const kernelHelp = `Usage: bitbench kernel [options]

Times one compute path for an n x k ternary weight matrix on this machine: prepares the
weights once (timed apart), warms up, then times every call in native code.

Options:
  --path NAME          ${PATHS.join(' | ')}
                       (default: fused)
  --n N                output rows                                       (default: 4096)
  --k K                input columns                                     (default: 4096)
  --batch B            activation rows: 1 is a GEMV, more a GEMM         (default: 1)
  --threads T|all      threads of the kernel pool                        (default: all)
  --isa NAME           ${ISAS.join(' | ')}
                       (default: BITBENCH_ISA, else the best one this CPU supports; an ISA
                       it lacks is an error)
  --cache hot|cold     hot: the same weights every call; cold: rotate through copies that
                       together exceed the last-level cache (>= 1 GiB)   (default: hot)
  --no-blas            dense fp32 through the builtin SIMD loop instead of OpenBLAS
  --warmup N           untimed calls first                               (default: ${KERNEL_JOB_DEFAULTS.warmup})
  --min-samples N      at least this many timed calls                    (default: ${KERNEL_JOB_DEFAULTS.minSamples})
  --max-samples N      at most this many timed calls                     (default: ${KERNEL_JOB_DEFAULTS.maxSamples})
  --min-time-ms MS     keep sampling until this much time was timed      (default: ${KERNEL_JOB_DEFAULTS.minTimeMs})
  --target-cv X        then add samples while the CV is above X (0: off) (default: ${KERNEL_JOB_DEFAULTS.targetCv})
  --max-time-ms MS     ... for at most this much timed time              (default: ${KERNEL_JOB_DEFAULTS.maxTimeMs})
  --seed N             seed of the synthetic weights and activations     (default: ${KERNEL_JOB_DEFAULTS.seed})
  --json               print one JSON object (with every sample) instead of text
  -h, --help           this help
`;

export async function kernelCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      path: { type: 'string' },
      n: { type: 'string' },
      k: { type: 'string' },
      batch: { type: 'string' },
      threads: { type: 'string' },
      isa: { type: 'string' },
      cache: { type: 'string' },
      'no-blas': { type: 'boolean' },
      warmup: { type: 'string' },
      'min-samples': { type: 'string' },
      'max-samples': { type: 'string' },
      'min-time-ms': { type: 'string' },
      'target-cv': { type: 'string' },
      'max-time-ms': { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(kernelHelp);
    return;
  }
  const minSamples = positiveInteger('min-samples', values['min-samples'], KERNEL_JOB_DEFAULTS.minSamples);
  const maxSamples = positiveInteger('max-samples', values['max-samples'], Math.max(minSamples, KERNEL_JOB_DEFAULTS.maxSamples));
  if (maxSamples < minSamples) {
    throw new UsageError(`--max-samples (${maxSamples}) must be at least --min-samples (${minSamples})`);
  }
  const isa = values.isa === undefined ? undefined : oneOf<IsaName>('isa', values.isa, ISAS, 'scalar');
  const result = await runKernelJob({
    path: oneOf('path', values.path, PATHS, 'fused'),
    n: positiveInteger('n', values.n, 4096),
    k: positiveInteger('k', values.k, 4096),
    batch: positiveInteger('batch', values.batch, 1),
    threads: threadCount(values.threads),
    cache: oneOf('cache', values.cache, ['hot', 'cold'] as const, 'hot'),
    useBlas: !values['no-blas'],
    warmup: values.warmup === '0' ? 0 : positiveInteger('warmup', values.warmup, KERNEL_JOB_DEFAULTS.warmup),
    minSamples,
    maxSamples,
    minTimeMs: nonNegativeNumber('min-time-ms', values['min-time-ms'], KERNEL_JOB_DEFAULTS.minTimeMs),
    targetCv: nonNegativeNumber('target-cv', values['target-cv'], KERNEL_JOB_DEFAULTS.targetCv),
    maxTimeMs: nonNegativeNumber('max-time-ms', values['max-time-ms'], KERNEL_JOB_DEFAULTS.maxTimeMs),
    seed: values.seed === '0' ? 0 : positiveInteger('seed', values.seed, KERNEL_JOB_DEFAULTS.seed),
    ...(isa ? { isa } : {}),
  });
  process.stdout.write(values.json ? JSON.stringify(result) + '\n' : describeKernelResult(result));
}

function ms(ns: number): string {
  return (ns / 1e6).toFixed(ns < 1e6 ? 4 : 3);
}

export function describeKernelResult(r: KernelResult): string {
  const lines = [
    `${r.path} (${r.isa}) ${r.n}x${r.k}, batch ${r.batch}, ${r.threads} thread${r.threads === 1 ? '' : 's'}, ${r.cache} cache`,
    `  kernel   ${r.kernel}`,
    ...(r.blas && r.blas !== r.kernel ? [`  dense    ${r.blas}`] : []),
    `  median   ${ms(r.medianNs)} ms  (95% CI ${ms(r.ci95Ns[0])} .. ${ms(r.ci95Ns[1])} ms, CV ${(100 * r.cv).toFixed(1)}%, ${r.samples.length} samples)`,
    `  spread   p10 ${ms(r.p10Ns)} ms, p90 ${ms(r.p90Ns)} ms; ${r.outliers.length} outlier${r.outliers.length === 1 ? '' : 's'} flagged (kept)` +
      (r.noisy ? '; NOISY: CV above the target' : '') +
      (r.steal > 0.01 ? `; ${(100 * r.steal).toFixed(1)}% CPU stolen by the hypervisor` : ''),
    `  rate     ${r.gops.toFixed(2)} GOPS, ${r.weightGBs.toFixed(2)} GB/s of weights (${(r.weightBytes / 1e6).toFixed(2)} MB per call)`,
    `  prepare  ${r.prepareMs.toFixed(1)} ms` +
      (r.cache === 'cold' ? `; ${r.copies} weight copies spanning ${(r.footprintBytes / 2 ** 30).toFixed(2)} GiB` : ''),
  ];
  return lines.join('\n') + '\n';
}

// `bitbench kernel`: time one compute path on one shape on this machine.
import { parseArgs } from 'node:util';
import { ISAS, PATHS, type IsaName } from '../../native/index.js';
import { resolveIsa } from '../../native/index.js';
import { bytesReadPerCall, KERNEL_JOB_DEFAULTS, type KernelResult, type KernelSparsity } from '../../runner/kernel-job.js';
import { MAX_TRIALS } from '../../runner/protocol/sampling-defaults.js';
import { MAX_DIMENSION, MAX_KERNEL_BATCH } from '../../runner/protocol/limits.js';
import { runKernelTrials, TRIAL_PROCESS_MODES } from '../../runner/trials/run-cli-trials.js';
import { SPARSITY_PATTERNS, type SparsityPattern } from '../../runner/protocol/names.js';
import { UsageError } from './cli-error.js';
import { nonNegativeNumber, oneOf, positiveInteger, ratio, threadCount } from './option-parsing.js';
import { printOut } from '../../reports/text-safety/terminal-text.js';
import { jsonLine } from './json-output.js';

// The shape and placement `bitbench kernel` times unless told; the help prints these.
export const KERNEL_COMMAND_DEFAULTS = { path: 'fused', n: 4096, k: 4096, batch: 1, threads: 'all', cache: 'hot' } as const;

export const kernelHelp = `Usage: bitbench kernel [options]

Times one compute path for an n x k ternary weight matrix on this machine: prepares the
weights once (timed apart), warms up, then times every call in native code.

Options:
  --path NAME          ${PATHS.join(' | ')}
                       (default: ${KERNEL_COMMAND_DEFAULTS.path})
  --n N                output rows                                       (default: ${KERNEL_COMMAND_DEFAULTS.n})
  --k K                input columns                                     (default: ${KERNEL_COMMAND_DEFAULTS.k})
  --batch B            activation rows: 1 is a GEMV, more a GEMM         (default: ${KERNEL_COMMAND_DEFAULTS.batch})
  --threads T|all      threads of the kernel pool                        (default: ${KERNEL_COMMAND_DEFAULTS.threads})
  --isa NAME           ${ISAS.join(' | ')}
                       (default: BITBENCH_ISA, else the best one this CPU supports; an ISA
                       it lacks is an error)
  --cache hot|cold     hot: the same weights every call; cold: rotate through copies that
                       together exceed the last-level cache (>= 1 GiB)   (default: ${KERNEL_COMMAND_DEFAULTS.cache})
  --no-blas            dense fp32 through the builtin SIMD loop instead of OpenBLAS
  --sparsity R         zero a fraction R in (0, 1] of the activations, in whole column blocks
                       of the path's sparse kernel (what it can skip: 256 columns for AVX-512
                       fused-i8, 72 for fused on AVX-512, as top-k-blocks does); fused and fused-i8
                       then time their sparse kernel, each call followed by a dense one:
                       prints achieved sparsity, bytes read and time vs dense
  --sparsity-pattern blocks|scattered
                       with --sparsity: scattered zeroes values one by one, as top-k and the
                       squared ReLU do; fused-i8 on every x86 ISA but scalar, and on
                       neon-dotprod, then skips single zero columns (its column stripes, from
                       45% zeros and 1024 rows); other kernels run dense
                                                                         (default: blocks)
  --warmup N           untimed calls first                               (default: ${KERNEL_JOB_DEFAULTS.warmup})
  --min-samples N      at least this many timed calls                    (default: ${KERNEL_JOB_DEFAULTS.minSamples})
  --max-samples N      at most this many timed calls                     (default: ${KERNEL_JOB_DEFAULTS.maxSamples})
  --min-time-ms MS     keep sampling until this much time was timed      (default: ${KERNEL_JOB_DEFAULTS.minTimeMs})
  --target-cv X        then add samples while the CV is above X (0: off) (default: ${KERNEL_JOB_DEFAULTS.targetCv})
  --max-time-ms MS     ... for at most this much timed time              (default: ${KERNEL_JOB_DEFAULTS.maxTimeMs})
  --seed N             seed of the synthetic weights and activations     (default: ${KERNEL_JOB_DEFAULTS.seed})
  --trials N           independent trials, each with the sampling above; the median and its
                       95% interval come from all of them               (default: ${KERNEL_JOB_DEFAULTS.trials})
  --trial-process fresh|same
                       fresh: each trial in a new process (as a re-run); same: in this one
                                                                         (default: fresh)
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
      sparsity: { type: 'string' },
      'sparsity-pattern': { type: 'string' },
      'no-blas': { type: 'boolean' },
      warmup: { type: 'string' },
      'min-samples': { type: 'string' },
      'max-samples': { type: 'string' },
      'min-time-ms': { type: 'string' },
      'target-cv': { type: 'string' },
      'max-time-ms': { type: 'string' },
      seed: { type: 'string' },
      trials: { type: 'string' },
      'trial-process': { type: 'string' },
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
  const trials = positiveInteger('trials', values.trials, KERNEL_JOB_DEFAULTS.trials);
  if (trials > MAX_TRIALS) throw new UsageError(`--trials: at most ${MAX_TRIALS}`);
  const trialProcess = oneOf('trial-process', values['trial-process'], TRIAL_PROCESS_MODES, 'fresh');
  const sparsityPattern = values['sparsity-pattern'] === undefined
    ? undefined
    : oneOf<SparsityPattern>('sparsity-pattern', values['sparsity-pattern'], SPARSITY_PATTERNS, 'blocks');
  if (sparsityPattern && values.sparsity === undefined) throw new UsageError('--sparsity-pattern: needs --sparsity (the fraction zeroed)');
  // An ISA this CPU lacks is refused here, before any trial process starts.
  if (isa) resolveIsa(isa);
  const result = await runKernelTrials({
    path: oneOf('path', values.path, PATHS, KERNEL_COMMAND_DEFAULTS.path),
    n: positiveInteger('n', values.n, KERNEL_COMMAND_DEFAULTS.n, MAX_DIMENSION),
    k: positiveInteger('k', values.k, KERNEL_COMMAND_DEFAULTS.k, MAX_DIMENSION),
    batch: positiveInteger('batch', values.batch, KERNEL_COMMAND_DEFAULTS.batch, MAX_KERNEL_BATCH),
    threads: threadCount(values.threads, KERNEL_COMMAND_DEFAULTS.threads),
    cache: oneOf('cache', values.cache, ['hot', 'cold'] as const, KERNEL_COMMAND_DEFAULTS.cache),
    useBlas: !values['no-blas'],
    warmup: values.warmup === '0' ? 0 : positiveInteger('warmup', values.warmup, KERNEL_JOB_DEFAULTS.warmup),
    minSamples,
    maxSamples,
    minTimeMs: nonNegativeNumber('min-time-ms', values['min-time-ms'], KERNEL_JOB_DEFAULTS.minTimeMs),
    targetCv: nonNegativeNumber('target-cv', values['target-cv'], KERNEL_JOB_DEFAULTS.targetCv),
    maxTimeMs: nonNegativeNumber('max-time-ms', values['max-time-ms'], KERNEL_JOB_DEFAULTS.maxTimeMs),
    seed: values.seed === '0' ? 0 : positiveInteger('seed', values.seed, KERNEL_JOB_DEFAULTS.seed),
    ...(isa ? { isa } : {}),
    ...(values.sparsity !== undefined ? { sparsity: ratio('sparsity', values.sparsity) } : {}),
    ...(sparsityPattern ? { sparsityPattern } : {}),
  }, trials, trialProcess);
  printOut(values.json ? jsonLine(result) : describeKernelResult(result));
}

function describeKernelSparsity(s: KernelSparsity, r: KernelResult): string {
  const achieved = `  sparsity ${(100 * s.zeroFraction).toFixed(1)}% of activations zero (asked ${(100 * s.requested).toFixed(1)}%${s.pattern === 'scattered' ? ', one by one' : ''}), ${(100 * s.zeroBlockFraction).toFixed(1)}% of the kernel's column blocks`;
  if (s.denseMedianNs === null || s.speedup === null) return `${achieved}; this path has no sparse kernel (it ran dense)`;
  const readBytes = bytesReadPerCall(r.weightBytes, s);
  return `${achieved}; sparse kernel on ${(100 * s.sparseCallFraction).toFixed(0)}% of calls\n` +
    `  read     ${(readBytes / 1e6).toFixed(2)} MB of the ${(r.weightBytes / 1e6).toFixed(2)} MB per call, ${(readBytes / r.medianNs).toFixed(2)} GB/s\n` +
    `  vs dense ${ms(s.denseMedianNs)} ms dense median (interleaved, trial 1): ${s.speedup.toFixed(2)}x`;
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
    ...(r.rerun95Ns ? [`  re-run   95% of repeat runs should land in ${ms(r.rerun95Ns[0])} .. ${ms(r.rerun95Ns[1])} ms`] : []),
    ...(r.trials && r.trials.length > 1
      ? [`  trials   ${r.trials.length} (medians ${r.trials.map((t) => ms(t.medianNs)).join(', ')} ms); CV within a trial ${(100 * (r.withinTrialCv ?? r.cv)).toFixed(1)}%, between trials ${(100 * (r.betweenTrialCv ?? 0)).toFixed(1)}%`]
      : []),
    `  spread   p10 ${ms(r.p10Ns)} ms, p90 ${ms(r.p90Ns)} ms; ${r.outliers.length} outlier${r.outliers.length === 1 ? '' : 's'} flagged (kept)` +
      (r.noisy ? '; NOISY: CV above the target' : '') +
      (r.steal > 0.01 ? `; ${(100 * r.steal).toFixed(1)}% CPU stolen by the hypervisor` : ''),
    `  rate     ${r.gops.toFixed(2)} GOPS, ${r.weightGBs.toFixed(2)} GB/s of weights (${(r.weightBytes / 1e6).toFixed(2)} MB per call)`,
    `  prepare  ${r.prepareMs.toFixed(1)} ms` +
      (r.cache === 'cold' ? `; ${r.copies} weight copies spanning ${(r.footprintBytes / 2 ** 30).toFixed(2)} GiB` : ''),
    ...(r.sparsity ? [describeKernelSparsity(r.sparsity, r)] : []),
  ];
  return lines.join('\n') + '\n';
}

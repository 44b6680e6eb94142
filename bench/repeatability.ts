// `npm run bench:repeatability`: does a result's interval hold when the run is repeated?
// One kernel cell is run K times (K >= 8; BITBENCH_REPEATS) as separate processes under each
// protocol, the protocols' runs interleaved, and for every ordered pair of runs of a protocol we
// ask whether one run's median falls inside the other's 95% interval (pairwise coverage):
//   samples  the sampling of one sitting with the quick matrix's policy from before trials
//            (warmup 2, min 10 samples, CV target 3%, at most 1000 ms), its interval a
//            bootstrap over that sitting's samples;
//   trials   the quick matrix's policy now (matrices/quick.yaml: trials, each with its own
//            budget), each trial in a fresh process, the hierarchical trial interval;
//   same     the same trials in one process (what the process boundary changes).
// It prints the coverage and the wall time per cell (process start included) of each, for the
// 95% confidence interval (ci95Ns: where the true figure is) and for the re-run interval
// (rerun95Ns: where a repeat run's figure lands; runner/trial-statistics.ts says why a confidence
// interval holds a re-run only about 83% of the time even when it is right). Then, as
// `bitbench local` runs it (one sandbox process per round, not per trial), the quick matrix's
// kernel cells with the old single-sitting policy and with its trials: the jobs' own time per
// cell (BITBENCH_REPEAT_LOCAL=0 skips this part).
// The cell: BITBENCH_REPEAT_CELL='--path fused --n 2048 --k 2048 --threads 1 --cache cold'.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { stringify } from 'yaml';
import { runLocal } from '../coordinator/local/run-local.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMatrix } from '../coordinator/matrix/load-matrix.js';
import { resolveRepetitions } from '../runner/protocol/job-spec.js';
import { cpuModel } from './cpu-model.js';
import { maxOf, minOf } from '../reports/number-extremes.js';
import { clearProgress, showProgress } from './progress.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'bin', 'bitbench.js');
const repeats = Math.max(8, Number(process.env.BITBENCH_REPEATS ?? 8));
const cell = (process.env.BITBENCH_REPEAT_CELL ?? '--path fused --n 2048 --k 2048 --threads 1 --cache cold').split(/\s+/).filter(Boolean);

const quick = loadMatrix(join(root, 'matrices', 'quick.yaml'));
const policy = resolveRepetitions(quick.repetitions);
const sampling = (p: { warmup: number; minSamples: number; maxSamples: number; targetCv: number; maxTimeMs: number }) => [
  '--warmup', String(p.warmup), '--min-samples', String(p.minSamples), '--max-samples', String(p.maxSamples),
  '--min-time-ms', '0', '--target-cv', String(p.targetCv), '--max-time-ms', String(p.maxTimeMs),
];
const BEFORE_TRIALS = { warmup: 2, minSamples: 10, maxSamples: 1000, targetCv: 0.03, maxTimeMs: 1000 };

const protocols = [
  { name: 'samples', note: 'one sitting, sample bootstrap (before trials)', args: [...sampling(BEFORE_TRIALS), '--trials', '1'] },
  { name: 'trials', note: `${policy.trials} trials, fresh process each, trial interval`, args: [...sampling(policy), '--trials', String(policy.trials), '--trial-process', 'fresh'] },
  { name: 'same', note: `${policy.trials} trials in one process, trial interval`, args: [...sampling(policy), '--trials', String(policy.trials), '--trial-process', 'same'] },
];

interface Run {
  medianNs: number;
  ci95Ns: [number, number];
  /** Absent with one trial from a runner before re-run intervals. */
  rerun95Ns?: [number, number];
  seconds: number;
}

function runOnce(args: string[]): Run {
  try {
    return runProcess(args);
  } catch (error) {
    // One retry: a run that could not start (the addon being rebuilt beside us) is not a figure.
    process.stderr.write(`\n  retrying after: ${(error as Error).message.split('\n')[1] ?? error}\n`);
    execFileSync('sleep', ['10']);
    return runProcess(args);
  }
}

function runProcess(args: string[]): Run {
  const started = performance.now();
  const out = execFileSync(process.execPath, [bin, 'kernel', ...cell, ...args, '--json'], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  const seconds = (performance.now() - started) / 1000;
  const result = JSON.parse(out) as { medianNs: number; ci95Ns: [number, number]; rerun95Ns?: [number, number] };
  return { medianNs: result.medianNs, ci95Ns: result.ci95Ns, ...(result.rerun95Ns ? { rerun95Ns: result.rerun95Ns } : {}), seconds };
}

/** Share of ordered pairs (i, j), i != j, where run j's median lies in run i's interval. */
export function pairwiseCoverage(runs: readonly Run[], interval: (run: Run) => [number, number] | undefined = (r) => r.ci95Ns): number {
  let inside = 0;
  let pairs = 0;
  for (const [i, a] of runs.entries()) {
    const range = interval(a);
    if (!range) continue;
    for (const [j, b] of runs.entries()) {
      if (i === j) continue;
      pairs++;
      if (b.medianNs >= range[0] && b.medianNs <= range[1]) inside++;
    }
  }
  return pairs ? inside / pairs : NaN;
}

console.log(`bench:repeatability: kernel ${cell.join(' ')}, ${repeats} processes per protocol, ${cpuModel()}`);
const runs = new Map<string, Run[]>(protocols.map((p) => [p.name, []]));
for (let k = 0; k < repeats; k++) {
  // Interleaved, in a rotating order: drift of the machine lands on every protocol alike.
  for (let p = 0; p < protocols.length; p++) {
    const protocol = protocols[(k + p) % protocols.length]!;
    showProgress(`run ${k + 1}/${repeats}: ${protocol.name}`);
    runs.get(protocol.name)!.push(runOnce(protocol.args));
  }
}
clearProgress();
const us = (ns: number) => (ns / 1000).toFixed(1);
const baseSeconds = runs.get('samples')!.reduce((s, r) => s + r.seconds, 0) / repeats;
for (const protocol of protocols) {
  const list = runs.get(protocol.name)!;
  const seconds = list.reduce((s, r) => s + r.seconds, 0) / list.length;
  const width = (range: (r: Run) => [number, number] | undefined) => {
    const widths = list.flatMap((r) => { const x = range(r); return x ? [(100 * (x[1] - x[0])) / r.medianNs] : []; }).sort((a, b) => a - b);
    return widths.length ? `${widths[widths.length >> 1]!.toFixed(1)}%` : '-';
  };
  const rerun = (r: Run) => r.rerun95Ns;
  const coverage = (x: number) => (Number.isNaN(x) ? '  -' : (100 * x).toFixed(0).padStart(3)) + '%';
  console.log(
    `${protocol.name.padEnd(8)} pairwise coverage: confidence interval ${coverage(pairwiseCoverage(list))}, ` +
      `re-run interval ${coverage(pairwiseCoverage(list, rerun))}  ` +
      `medians ${us(minOf(list.map((r) => r.medianNs)))}-${us(maxOf(list.map((r) => r.medianNs)))} us, ` +
      `widths (median) ${width((r) => r.ci95Ns)} and ${width(rerun)} of the median, ` +
      `${seconds.toFixed(2)} s per cell (${(seconds / baseSeconds).toFixed(2)}x)  [${protocol.note}]`,
  );
}

/** The quick matrix's kernel cells under `repetitions`, run as `bitbench local` runs them: seconds of job time per cell. */
async function localSecondsPerCell(repetitions: Record<string, number>): Promise<{ cells: number; seconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bitbench-repeatability-'));
  try {
    const matrixPath = join(dir, 'matrix.yaml');
    writeFileSync(matrixPath, stringify({ name: 'quick-kernels', repetitions, kernels: quick.kernels }));
    const summary = await runLocal({ matrixPath, dbPath: join(dir, 'results.sqlite'), jobTimeoutMs: 600_000, imds: false });
    return { cells: summary.completed, seconds: summary.jobSeconds / Math.max(1, summary.completed) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env.BITBENCH_REPEAT_LOCAL !== '0') {
  process.stderr.write('  the quick matrix, kernel cells, as bitbench local runs them...\n');
  const before = await localSecondsPerCell({ ...BEFORE_TRIALS, trials: 1 });
  const now = await localSecondsPerCell({ ...policy });
  console.log(
    `quick matrix (${now.cells} kernel cells, bitbench local): ${before.seconds.toFixed(2)} s per cell before trials, ` +
      `${now.seconds.toFixed(2)} s with ${policy.trials} trials (${(now.seconds / before.seconds).toFixed(2)}x)`,
  );
}

// `npm run bench:sparsity`: activation sparsity that pays, this machine's figures for the
// seed notebook's sparse table. The sparse GEMV (4096 x 4096, batch 1, cold weights) at 30%
// and 50% zero column blocks (each kernel's own) on every ISA's sparse kernel, and fused-i8 at
// 50% zeros one by one (the column stripes where the ISA has them), each call against a dense call
// interleaved in the same run; then 2B-4T decode (fused-i8, int8 head, batch 1) with top-k
// and top-k-blocks keeping 70%, each timed step against a dense step at the same position.
// Compare the ratios: the absolute times move with the host.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { implementations, type IsaName, type PathName, type SparsityPattern } from '../native/index.js';
import { MemoryGuardError } from '../runner/memory-guard.js';
import { checkModelFits, type ModelResult } from '../runner/model-job.js';
import { bytesReadPerCall, runKernelJob, type KernelResult } from '../runner/kernel-job.js';
import { maxOf, minOf } from '../reports/number-extremes.js';
import { median } from '../runner/statistics.js';
import { cpuModel } from './cpu-model.js';
import { benchRounds } from './rounds.js';
import { clearProgress, showProgress } from './progress.js';
import { distinctKernelIsas } from './kernel-isas.js';

const N = 4096;
const K = 4096;
const FRACTIONS = [0.3, 0.5] as const;
/** Issue targets: the sparse GEMV this much faster than dense at each zeroed fraction. */
const GEMV_TARGET: Record<number, number> = { 0.3: 1.2, 0.5: 1.6 };
/** Zeros one by one: what the squared ReLU leaves before the FFN's down projection, about. */
const SCATTERED_FRACTION = 0.5;
const preset = process.env.BITBENCH_PRESET ?? 'bitnet-b1.58-2b-4t';
const threads = Number(process.env.BITBENCH_THREADS ?? availableParallelism());
const cli = fileURLToPath(new URL('../../bin/bitbench.js', import.meta.url));
/** Rounds over every cell (BITBENCH_ROUNDS, default 3): each figure is the median of its cell's. */
const ROUNDS = benchRounds('bench:sparsity');

const printTable = (rows: string[][]) => {
  const widths = rows[0]!.map((_, i) => maxOf(rows.map((row) => (row[i] ?? '').length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
};

console.log(`bitbench sparsity table: ${N}x${K} GEMV and ${preset} decode, ${threads} threads, medians of ${ROUNDS} rounds, ${cpuModel()}`);

// fused-i8 on every ISA but scalar (each has its own sparse kernel); fused fp32 once per kernel
// (kernel-isas.ts: avx512's triple panels and avx2's quintet panels, which AVX2-only CPUs run).
const impls = implementations().filter((impl) => impl.supported && impl.name !== 'scalar');
type Cell = { path: PathName; isa: IsaName; fraction: number; pattern: SparsityPattern };
const cells: Cell[] = [];
for (const impl of impls) for (const fraction of FRACTIONS) cells.push({ path: 'fused-i8', isa: impl.name, fraction, pattern: 'blocks' });
for (const isa of distinctKernelIsas('fused', impls)) for (const fraction of FRACTIONS) cells.push({ path: 'fused', isa, fraction, pattern: 'blocks' });
for (const impl of impls) cells.push({ path: 'fused-i8', isa: impl.name, fraction: SCATTERED_FRACTION, pattern: 'scattered' });
// Rounds over all cells, so that a slow spell of the host falls on every cell alike; each
// cell's figures are the medians of its rounds, and the ratio's range shows the spread.
type Measured = { isa: string; sparseNs: number; denseNs: number; speedup: number; zeroBlocks: number; readGBs: number } | { isa: string; zeroBlocks: number; dense: true };
const measured: Measured[][] = cells.map(() => []);
for (let round = 0; round < ROUNDS; round++)
  for (const [i, { fraction, pattern, ...cell }] of cells.entries()) {
    showProgress(`GEMV round ${round + 1}/${ROUNDS}, ${i + 1}/${cells.length}: ${cell.path} ${cell.isa} ${fraction} ${pattern}`);
    const r: KernelResult = await runKernelJob({ ...cell, n: N, k: K, batch: 1, threads, cache: 'cold', sparsity: fraction, sparsityPattern: pattern, minSamples: 15, minTimeMs: 400 });
    const s = r.sparsity;
    if (!s || s.denseMedianNs === null || s.speedup === null || s.sparseCallFraction === 0) {
      measured[i]!.push({ isa: r.isa, zeroBlocks: s?.zeroBlockFraction ?? 0, dense: true });
      continue;
    }
    const readGBs = bytesReadPerCall(r.weightBytes, s) / r.medianNs;
    measured[i]!.push({ isa: r.isa, sparseNs: r.medianNs, denseNs: s.denseMedianNs, speedup: s.speedup, zeroBlocks: s.zeroBlockFraction, readGBs });
  }
const middle = (values: number[]) => median(Float64Array.from(values).sort());
const gemv: string[][] = [['path', 'isa', 'zeros', 'zero blocks', 'sparse ms', 'dense ms', 'dense/sparse', 'range', 'target', 'read GB/s']];
for (const [i, { path, fraction, pattern }] of cells.entries()) {
  const rounds = measured[i]!;
  const zeros = `${(100 * fraction).toFixed(0)}% ${pattern === 'scattered' ? 'one by one' : 'in blocks'}`;
  const zeroBlocks = `${(100 * rounds[0]!.zeroBlocks).toFixed(0)}%`;
  const timed = rounds.flatMap((m) => ('dense' in m ? [] : [m]));
  if (timed.length < rounds.length) {
    gemv.push([path, rounds[0]!.isa, zeros, zeroBlocks, `no sparse kernel for these zeros in ${rounds.length - timed.length} of ${rounds.length} rounds: dense`]);
    continue;
  }
  const speedups = timed.map((m) => m.speedup);
  const speedup = middle(speedups);
  gemv.push([
    path,
    rounds[0]!.isa,
    zeros,
    zeroBlocks,
    (middle(timed.map((m) => m.sparseNs)) / 1e6).toFixed(4),
    (middle(timed.map((m) => m.denseNs)) / 1e6).toFixed(4),
    `${speedup.toFixed(2)}x`,
    `${minOf(speedups).toFixed(2)}-${maxOf(speedups).toFixed(2)}`,
    pattern === 'blocks' ? `${GEMV_TARGET[fraction]!.toFixed(1)}x ${speedup >= GEMV_TARGET[fraction]! ? 'met' : 'not met'}` : '',
    middle(timed.map((m) => m.readGBs)).toFixed(1),
  ]);
}
clearProgress();
printTable(gemv);
console.log('');

// Decode: each cell in its own `bitbench model` process, as bench:model runs them.
const MODES = ['top-k', 'top-k-blocks'] as const;
const decode: string[][] = [['sparsity', 'decode tok/s', 'dense tok/s', 'vs dense', 'range', 'zero inputs', 'zero blocks', 'sparse calls', 'logits cosine min']];
const run = { path: 'fused-i8', lmHead: 'int8', batch: 1, prompt: 16, tokens: 32 } as const;
// The sparse copy of the ternary weights makes these runs the largest: checked as they run.
let fits = true;
try {
  checkModelFits({ preset, threads, ...run, sparsity: 'top-k-blocks', sparsityLevel: 0.7 });
} catch (error) {
  if (!(error instanceof MemoryGuardError)) throw error;
  fits = false;
  console.log(`decode: ${preset} with sparsity does not fit in memory here (needs about ${(error.estimateBytes / 1e9).toFixed(1)} GB)`);
}
const runs: Record<(typeof MODES)[number], ModelResult[]> = { 'top-k': [], 'top-k-blocks': [] };
const failures: Partial<Record<(typeof MODES)[number], string>> = {};
for (let round = 0; round < (fits ? ROUNDS : 0); round++)
  for (const mode of MODES) {
    if (failures[mode]) continue;
    showProgress(`decode round ${round + 1}/${ROUNDS}: ${mode} 0.7...`);
    const args = ['model', '--json', '--preset', preset, '--threads', String(threads), '--path', run.path, '--lm-head', run.lmHead,
      '--batch', String(run.batch), '--prompt', String(run.prompt), '--tokens', String(run.tokens), '--sparsity', mode, '--sparsity-level', '0.7',
      // One trial: the dense figure comes from the first trial's interleaved steps, so every
      // column of the row is then the same run's.
      '--trials', '1'];
    const child = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
    if (child.status !== 0) failures[mode] = child.stderr.trim().split('\n').pop() ?? `exit ${child.status}`;
    else runs[mode].push(JSON.parse(child.stdout) as ModelResult);
  }
for (const mode of fits ? MODES : []) {
  if (failures[mode]) {
    decode.push([`${mode} 0.7`, `failed: ${failures[mode]}`]);
    continue;
  }
  const results = runs[mode];
  const s = results[0]!.sparsity!;
  const speedups = results.map((r) => r.sparsity!.speedup);
  const cosines = results.flatMap((r) => (r.sparsity!.logitsCosineMin === null ? [] : [r.sparsity!.logitsCosineMin]));
  decode.push([
    `${mode} 0.7`,
    middle(results.map((r) => r.decodeTokS)).toFixed(2),
    middle(results.map((r) => r.sparsity!.denseDecodeTokS)).toFixed(2),
    `${middle(speedups).toFixed(3)}x`,
    `${minOf(speedups).toFixed(3)}-${maxOf(speedups).toFixed(3)}`,
    `${(100 * s.zeroFraction).toFixed(1)}%`,
    `${(100 * s.zeroBlockFraction).toFixed(1)}%`,
    `${(100 * s.sparseCallFraction).toFixed(0)}%`,
    cosines.length === 0 ? 'n/a' : minOf(cosines).toFixed(4),
  ]);
}
clearProgress();
if (fits) {
  console.log(`decode: ${preset}, ${run.path} (${run.lmHead} head), batch 1, ${threads} threads, medians of ${ROUNDS} rounds; target: faster than dense`);
  printTable(decode);
}

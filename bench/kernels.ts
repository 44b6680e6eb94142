// `npm run bench:kernels`: this machine's version of the seed notebook's kernel table.
// 4096 x 4096 GEMV (batch 1) and GEMM (batch 64), hot and cold weights, every path on every
// supported ISA, with speedups against the baseline path of the same shape and cache mode.
// Figures are medians of many calls, over BITBENCH_ROUNDS rounds (bench/rounds.ts); compare
// them as ratios within one run.
import { availableParallelism } from 'node:os';
import { buildInfo, implementations, type IsaName, type PathName } from '../native/index.js';
import { computeProbes, measurePeakOps } from '../native/compute-probe.js';
import { measureReadGBs } from '../runner/bandwidth.js';
import { median } from '../runner/statistics.js';
import { runKernelJob, type KernelResult } from '../runner/kernel-job.js';
import { cpuModel } from './cpu-model.js';
import { benchRounds } from './rounds.js';
import { maxOf, minOf } from '../reports/number-extremes.js';
import { clearProgress, showProgress } from './progress.js';
import { distinctKernelIsas, kernelIsas } from './kernel-isas.js';

const N = 4096;
const K = 4096;
const shapes = [
  { label: 'GEMV', batch: 1 },
  { label: 'GEMM b64', batch: 64 },
];
const caches = ['hot', 'cold'] as const;
const threads = Number(process.env.BITBENCH_THREADS ?? availableParallelism());

const supportedImpls = implementations().filter((impl) => impl.supported);
const supported = supportedImpls.map((impl) => impl.name);
const blas = buildInfo().blas;
// With OpenBLAS the dense product ignores the ISA, so the BLAS paths run once, on the best ISA.
const dense: PathName[] = ['baseline', 'cached-f32'];
const cells: { path: PathName; isa: IsaName }[] = [];
for (const path of dense) {
  for (const isa of blas ? supported.slice(0, 1) : supported) cells.push({ path, isa });
}
// Each kernel once (kernel-isas.ts): a figure asked for another ISA of a group is its cell's.
const cellIsa = new Map<string, IsaName>();
for (const path of ['cached-bf16', 'fused', 'fused-i8'] as const) {
  for (const [isa, cell] of kernelIsas(path, supportedImpls)) cellIsa.set(`${path}|${isa}`, cell);
  for (const isa of distinctKernelIsas(path, supportedImpls)) cells.push({ path, isa });
}

const ROUNDS = benchRounds('bench:kernels');
console.log(`bitbench kernel table: ${N}x${K}, ${threads} threads, medians of ${ROUNDS} rounds, ${cpuModel()}`);
console.log(`dense fp32: ${blas ?? 'builtin SIMD loops'}`);
const jobs = shapes.flatMap((shape) => caches.flatMap((cache) => cells.map((cell) => ({ ...cell, shape, cache }))));
// Every round goes over every cell, so that a slow spell of the host falls on one round of many
// cells rather than on every round of one.
const rounds: KernelResult[][] = jobs.map(() => []);
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, { path, isa, shape, cache }] of jobs.entries()) {
    showProgress(`round ${round + 1}/${ROUNDS}, measuring ${i + 1}/${jobs.length}: ${path} ${isa} ${shape.label} ${cache}`);
    rounds[i]!.push(await runKernelJob({ path, isa, n: N, k: K, batch: shape.batch, threads, cache, minSamples: 7, minTimeMs: 400 }));
  }
}
clearProgress();
// Each cell's round of median time (the lower middle of an even count) stands for it: its
// median, interval and CV are printed, and the comparisons below are drawn from it.
const byTime = (a: KernelResult, b: KernelResult) => a.medianNs - b.medianNs;
const results: KernelResult[] = rounds.map((cell) => [...cell].sort(byTime)[(cell.length - 1) >> 1]!);
const roundRange = (i: number) => {
  const ms = rounds[i]!.map((r) => r.medianNs / 1e6);
  return `${minOf(ms).toFixed(3)}-${maxOf(ms).toFixed(3)}`;
};

function find(path: PathName, batch: number, cache: string, isa?: IsaName): KernelResult | undefined {
  const ran = isa && (cellIsa.get(`${path}|${isa}`) ?? isa);
  return results.find((r) => r.path === path && r.batch === batch && r.cache === cache && (!ran || r.isa === ran));
}

const header = ['shape', 'cache', 'path', 'isa', 'median ms', 'rounds ms', '95% CI ms', 'CV', 'GOPS', 'weight GB/s', 'vs baseline'];
const rows: string[][] = [header];
for (const shape of shapes) {
  for (const cache of caches) {
    const base = find('baseline', shape.batch, cache);
    for (const [i, r] of results.entries()) {
      if (r.batch !== shape.batch || r.cache !== cache) continue;
      rows.push([
        shape.label,
        cache,
        r.path,
        r.blas && r.path !== 'cached-bf16' ? 'openblas' : r.isa,
        (r.medianNs / 1e6).toFixed(3),
        roundRange(i),
        `${(r.ci95Ns[0] / 1e6).toFixed(3)}-${(r.ci95Ns[1] / 1e6).toFixed(3)}`,
        `${(100 * r.cv).toFixed(1)}%`,
        r.gops.toFixed(1),
        r.weightGBs.toFixed(1),
        base ? `${(base.medianNs / r.medianNs).toFixed(2)}x` : '',
      ]);
    }
  }
}
const widths = header.map((_, i) => maxOf(rows.map((row) => row[i]!.length)));
for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));

// The comparisons the project tracks, as ratios of medians from this one run.
const bestIsa = supported[0]!;
const ratio = (a?: KernelResult, b?: KernelResult) => (a && b ? (a.medianNs / b.medianNs).toFixed(2) + 'x' : 'n/a');
const fusedColdGemv = find('fused', 1, 'cold', bestIsa);
// The ISA whose cell ran the best ISA's fp32 fused kernel (avx512 for amx-int8).
const fusedIsa = cellIsa.get(`fused|${bestIsa}`) ?? bestIsa;
console.log('');
console.log(`cold GEMV: fused (${fusedIsa}) vs cached-f32: ${ratio(find('cached-f32', 1, 'cold'), fusedColdGemv)} faster`);
console.log(`cold GEMV: fused (${fusedIsa}) vs baseline:   ${ratio(find('baseline', 1, 'cold'), fusedColdGemv)} faster`);
console.log(`cold GEMV: fused (${fusedIsa}) vs cached-bf16: ${ratio(find('cached-bf16', 1, 'cold', bestIsa), fusedColdGemv)} faster`);
if (fusedIsa !== 'avx2' && supported.includes('avx2')) {
  console.log(`hot GEMV:  fused ${fusedIsa} vs fused avx2:   ${ratio(find('fused', 1, 'hot', 'avx2'), find('fused', 1, 'hot', bestIsa))} faster`);
}

// W1.58A8: the int8 path against the fp32 fused path, its ISAs against AVX2 forced, and its
// cold GEMV against the read bandwidth this machine measures at the same thread count.
const i8ColdGemv = find('fused-i8', 1, 'cold', bestIsa);
console.log(`hot GEMV:  fused-i8 (${bestIsa}) vs fused (${fusedIsa}): ${ratio(find('fused', 1, 'hot', bestIsa), find('fused-i8', 1, 'hot', bestIsa))} faster`);
console.log(`cold GEMV: fused-i8 (${bestIsa}) vs fused (${fusedIsa}): ${ratio(fusedColdGemv, i8ColdGemv)} faster`);
// A kernel's share of a machine ceiling from pairs measured back to back (the kernel cell, then
// the ceiling), median of the pairs' ratios: on a shared host the bandwidth moves by a quarter
// and the tile unit's rate by 2x from minute to minute (an Emerald Rapids VM's tdpbusd loop ran
// at 2.1 or 4.5 TOPS per core), and a ratio of two figures minutes apart would move with them.
async function backToBackShare(label: string, kernel: () => Promise<number>, ceiling: () => Promise<number>) {
  const pairs = 5;
  const shares: number[] = [];
  const kernels: number[] = [];
  const ceilings: number[] = [];
  for (let i = 0; i < pairs; i++) {
    showProgress(`${label}: pair ${i + 1}/${pairs}`);
    kernels.push(await kernel());
    ceilings.push(await ceiling());
    shares.push(kernels[i]! / ceilings[i]!);
  }
  clearProgress();
  const mid = (values: number[]) => median(Float64Array.from(values).sort());
  const percents = shares.map((v) => (100 * v).toFixed(0) + '%').join(' ');
  return { share: `${(100 * mid(shares)).toFixed(0)}%`, kernel: mid(kernels), ceiling: mid(ceilings), percents, pairs };
}

if (i8ColdGemv) {
  const read = await backToBackShare(
    'bandwidth share',
    async () => (await runKernelJob({ path: 'fused-i8', isa: bestIsa, n: N, k: K, batch: 1, threads, cache: 'cold', minSamples: 7, minTimeMs: 400 })).weightGBs,
    () => measureReadGBs(threads, bestIsa),
  );
  console.log(
    `cold GEMV: fused-i8 (${bestIsa}) reads weights at ${read.share} of the read bandwidth at ${threads} threads ` +
      `(median of ${read.pairs} back-to-back pairs: ${read.kernel.toFixed(1)} GB/s against ${read.ceiling.toFixed(1)} GB/s; ` +
      `shares ${read.percents})`,
  );
}
const gemm = (path: PathName, isa: IsaName) => find(path, 64, 'hot', isa)?.gops.toFixed(0) ?? 'n/a';
console.log(`GEMM b64 hot: fused-i8 (${bestIsa}) ${gemm('fused-i8', bestIsa)} GOPS, fused (${fusedIsa}) ${gemm('fused', bestIsa)} GOPS, cached-bf16 ${gemm('cached-bf16', bestIsa)} GOPS`);
// The batch-64 product against the int8 peak loop of its own instruction (bitbench cpu's
// compute probe): how much of what the core gives at that moment the kernel turns into work.
const i8Probe = computeProbes().find((probe) => probe.isa === (cellIsa.get(`fused-i8|${bestIsa}`) ?? bestIsa));
if (i8Probe && find('fused-i8', 64, 'hot', bestIsa)) {
  const compute = await backToBackShare(
    'int8 peak share',
    async () => (await runKernelJob({ path: 'fused-i8', isa: i8Probe.isa, n: N, k: K, batch: 64, threads, cache: 'hot', minSamples: 7, minTimeMs: 400 })).gops,
    async () => maxOf(await measurePeakOps({ isa: i8Probe.isa, kind: 'int8', threads, targetMs: 20, passes: 3 })) / 1e9,
  );
  console.log(
    `GEMM b64 hot: fused-i8 (${i8Probe.isa}) at ${compute.share} of the int8 peak (${i8Probe.int8Instruction}) at ${threads} threads ` +
      `(median of ${compute.pairs} back-to-back pairs: ${compute.kernel.toFixed(0)} GOPS against ${compute.ceiling.toFixed(0)} GOPS; ` +
      `shares ${compute.percents})`,
  );
}
if (bestIsa !== 'avx2' && supported.includes('avx2')) {
  console.log(`hot GEMV:  fused-i8 ${bestIsa} vs fused-i8 avx2: ${ratio(find('fused-i8', 1, 'hot', 'avx2'), find('fused-i8', 1, 'hot', bestIsa))} faster`);
  console.log(`GEMM b64:  fused-i8 ${bestIsa} vs fused-i8 avx2: ${ratio(find('fused-i8', 64, 'hot', 'avx2'), find('fused-i8', 64, 'hot', bestIsa))} faster`);
}
if (bestIsa === 'amx-int8' && supported.includes('avx512-vnni')) {
  console.log(`GEMM b64:  fused-i8 amx-int8 vs fused-i8 avx512-vnni: ${ratio(find('fused-i8', 64, 'hot', 'avx512-vnni'), find('fused-i8', 64, 'hot', 'amx-int8'))} faster`);
}

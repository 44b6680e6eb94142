// `npm run bench:model`: this machine's decode tokens/s for the BitNet b1.58 2B-4T model,
// batch 1 and batch 32, on every compute path that fits in memory, against the memory
// bandwidth roofline (bandwidth / bytes read per token). Each cell runs in its own
// `bitbench model` process, so one path's memory never shapes the next one's figures.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { implementations, PATHS } from '../native/index.js';
import { MemoryGuardError } from '../runner/memory-guard.js';
import { checkModelFits, type ModelResult } from '../runner/model-job.js';
import { maxOf } from '../reports/number-extremes.js';
import { clearProgress, showProgress } from './progress.js';

const preset = process.env.BITBENCH_PRESET ?? 'bitnet-b1.58-2b-4t';
const threads = Number(process.env.BITBENCH_THREADS ?? availableParallelism());
const cli = fileURLToPath(new URL('../../bin/bitbench.js', import.meta.url));
const runs = [
  { batch: 1, prompt: 16, tokens: 32 },
  { batch: 32, prompt: 4, tokens: 6 },
];

console.log(`bitbench model table: ${preset}, ${threads} threads`);
const header = ['path', 'batch', 'decode tok/s', 'step p50 ms', 'prefill tok/s', 'GB/token', 'roofline tok/s', '% roofline', 'peak RSS GB'];
const rows: string[][] = [header];
const results: ModelResult[] = [];
// Every path with the bf16 LM head, and fused-i8 with the int8 head as BitNet runs it (int8
// activations through the whole model, the head on the same integer units).
const cells = [...PATHS.map((path) => ({ path, lmHead: 'bf16' as const })), { path: 'fused-i8' as const, lmHead: 'int8' as const }];
const cellLabel = (path: string, lmHead: string) => (lmHead === 'int8' ? `${path} (int8 head)` : path);

/** Runs one `bitbench model` cell in its own process and adds its row, or why it failed. */
function runCell(label: string, run: (typeof runs)[number], args: string[]): void {
  showProgress(`${label} batch ${run.batch}...`);
  for (const [flag, value] of Object.entries(run)) args.push(`--${flag}`, String(value));
  const child = spawnSync(process.execPath, [cli, 'model', '--json', '--preset', preset, '--threads', String(threads), ...args], {
    encoding: 'utf8',
  });
  if (child.status !== 0) {
    rows.push([label, String(run.batch), `failed: ${child.stderr.trim().split('\n').pop()}`]);
    return;
  }
  const r = JSON.parse(child.stdout) as ModelResult;
  results.push(r);
  rows.push([
    r.llama ? `${label} (${r.llama.cpuVariant ?? '?'})` : label,
    String(run.batch),
    r.decodeTokS.toFixed(2),
    r.p50Ms.toFixed(1),
    r.prefillTokS.toFixed(1),
    (r.bytesPerToken / 1e9).toFixed(3),
    r.rooflineTokS.toFixed(2),
    `${(100 * r.rooflineFraction).toFixed(0)}%`,
    (r.peakRssBytes / 1e9).toFixed(2),
  ]);
}

for (const run of runs) {
  for (const { path, lmHead } of cells) {
    const label = cellLabel(path, lmHead);
    try {
      checkModelFits({ preset, path, threads, lmHead, ...run });
    } catch (error) {
      if (!(error instanceof MemoryGuardError)) throw error;
      rows.push([label, String(run.batch), `does not fit (needs about ${(error.estimateBytes / 1e9).toFixed(1)} GB)`]);
      continue;
    }
    runCell(label, run, ['--path', path, '--lm-head', lmHead]);
  }
}
// llama.cpp on the same model, same threads: its ternary types and dense BF16.
const LLAMA_QUANTS = ['tq2_0', 'tq1_0', 'bf16'] as const;
for (const run of runs) {
  for (const quant of LLAMA_QUANTS) runCell(`llama.cpp ${quant}`, run, ['--engine', 'llama.cpp', '--quant', quant]);
}
clearProgress();
const widths = header.map((_, i) => maxOf(rows.map((row) => (row[i] ?? '').length)));
for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());

const at = (path: string, batch: number, lmHead = 'bf16') =>
  results.find((r) => r.engine !== 'llama.cpp' && r.path === path && r.batch === batch && r.lmHead === lmHead);
const fused = at('fused', 1);
const bf16 = at('cached-bf16', 1);
console.log('');
if (fused) console.log(`measured read bandwidth (fused run): ${fused.bandwidthGBs.toFixed(1)} GB/s, ${threads} threads`);
if (fused && bf16) console.log(`batch 1 decode: fused vs cached-bf16: ${(fused.decodeTokS / bf16.decodeTokS).toFixed(2)}x`);
if (fused) console.log(`batch 1 decode: fused reaches ${(100 * fused.rooflineFraction).toFixed(0)}% of its roofline`);

// bitbench's paths against llama.cpp's best quant, per batch: above 1 bitbench leads.
for (const run of runs) {
  const llamaBest = results
    .filter((r) => r.engine === 'llama.cpp' && r.batch === run.batch)
    .sort((a, b) => b.decodeTokS - a.decodeTokS)[0];
  if (!llamaBest) continue;
  for (const r of results.filter((x) => x.engine !== 'llama.cpp' && x.batch === run.batch)) {
    console.log(`batch ${run.batch} decode: ${cellLabel(r.path, r.lmHead)} vs llama.cpp ${llamaBest.quant}: ${(r.decodeTokS / llamaBest.decodeTokS).toFixed(2)}x`);
  }
}

// The W1.58A8 yardsticks: fused-i8 with the int8 head against its roofline, llama.cpp's TQ2_0
// at batch 1, and cached-bf16 at batch 32.
const i8 = at('fused-i8', 1, 'int8');
const tq2 = results.find((r) => r.engine === 'llama.cpp' && r.quant === 'tq2_0' && r.batch === 1);
if (i8) console.log(`batch 1 decode: fused-i8 (int8 head) reaches ${(100 * i8.rooflineFraction).toFixed(0)}% of its roofline`);
if (i8 && tq2) console.log(`batch 1 decode: fused-i8 (int8 head) vs llama.cpp tq2_0: ${(i8.decodeTokS / tq2.decodeTokS).toFixed(2)}x`);
const i8Batch = at('fused-i8', 32, 'int8');
const bf16Batch = at('cached-bf16', 32);
if (i8Batch && bf16Batch) console.log(`batch 32 decode: fused-i8 (int8 head) vs cached-bf16: ${(i8Batch.decodeTokS / bf16Batch.decodeTokS).toFixed(2)}x`);

// Long-context attention per attention build (AVX-512, AVX2, NEON; the scalar ISA's ternary
// layers are too slow to be worth a cell): fused-i8 with the int8 head at 4K positions, the
// attention's time a step and the rate it reads the KV cache at, against the bandwidth the
// run measured. A build far below its siblings is a kernel problem, not the CPU's: the AVX2
// build once ran this 5.5x as long as AVX-512's on one machine, unseen at 96 positions.
const LONG_CONTEXT = 4096;
const attentionIsas = ['avx512-vnni', 'avx512', 'avx2', 'neon-dotprod', 'neon'];
const supported = new Set(implementations().filter((i) => i.supported).map((i) => i.name as string));
const builds = new Map<string, string>();
for (const isa of attentionIsas) {
  const build = isa.startsWith('avx512') ? 'avx512' : isa.startsWith('neon') ? 'neon' : isa;
  if (supported.has(isa) && !builds.has(build)) builds.set(build, isa);
}
console.log('');
console.log(`long-context attention: fused-i8 (int8 head), batch 1, ${LONG_CONTEXT} positions, bf16 KV cache, ${threads} threads`);
for (const isa of builds.values()) {
  showProgress(`attention at ${LONG_CONTEXT} positions, ${isa}...`);
  const child = spawnSync(
    process.execPath,
    [cli, 'model', '--json', '--preset', preset, '--threads', String(threads), '--path', 'fused-i8', '--lm-head', 'int8',
      '--isa', isa, '--context', String(LONG_CONTEXT), '--prompt', '16', '--tokens', '8', '--no-kv-quality', '--trials', '1'],
    { encoding: 'utf8' },
  );
  clearProgress();
  if (child.status !== 0) {
    console.log(`  ${isa}: failed: ${child.stderr.trim().split('\n').pop()}`);
    continue;
  }
  const r = JSON.parse(child.stdout) as ModelResult;
  if (r.attentionMsPerStep === undefined || r.kvBytesPerSequence === undefined) continue;
  const kvGBs = r.kvBytesPerSequence / (r.attentionMsPerStep * 1e6);
  console.log(
    `  ${isa} (${r.attentionKernel ?? '?'} attention): ${r.attentionMsPerStep.toFixed(2)} ms a step, ` +
      `reading the cache at ${kvGBs.toFixed(1)} GB/s (${((100 * kvGBs) / r.bandwidthGBs).toFixed(0)}% of ${r.bandwidthGBs.toFixed(1)} GB/s); ` +
      `decode ${r.decodeTokS.toFixed(2)} tokens/s`,
  );
}

// Run-time ISA dispatch on x86 CPUs this host is not: the addon loaded by Node under
// qemu-x86_64-static emulating a Haswell (AVX2 and FMA, no AVX-512, no VNNI) and a Nehalem
// (no AVX at all). Dispatch must pick the best ISA the emulated CPU has, every path must agree
// with the scalar kernels and a float64 reference (fused-i8 exactly with the scalar fused-i8
// kernels), and forcing an ISA the CPU lacks (avx512-vnni, avx512, avx-vnni, avx2) on the fused
// and fused-i8 paths must be a clear JS error in a process that then carries on and exits
// normally (never SIGILL). qemu 7.2 emulates neither AVX-512 nor AVX-VNNI, so those kernels
// are proven here only to be refused; they run where the hardware has them. The sparse kernels
// (activation sparsity, batch 1) of the ISAs that do run must give the dense kernels' result
// on the same zeroed activations (fused-i8 to the bit), and the timing loop must choose them.
//
// Node under qemu takes seconds to start, so each CPU model gets one child process that does
// every check and prints a JSON summary; the assertions run here, on the summary.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packTernary } from '../../native/ternary-format.js';
import {
  describeOutcome,
  emulatedCpuEnv,
  repoRoot,
  requireTools,
  runChecked,
  runChild,
  type ChildOutcome,
} from '../helpers/emulation.js';
import {
  cosineSimilarity,
  createRng,
  randomActivations,
  randomTernaryWeights,
  referenceI8Matmul,
  referenceTernaryMatmul,
  termToleranceViolations,
  type ReferenceProduct,
  type Rng,
} from '../helpers/reference.js';

const QEMU = 'qemu-x86_64-static';
const tools = requireTools([QEMU], 'Debian/Ubuntu: apt-get install qemu-user-static');

const addonPath = join(repoRoot, 'build', 'Release', 'bitbench_native.node');
const PATHS = ['baseline', 'cached-f32', 'cached-bf16', 'fused', 'fused-i8'] as const;
type PathName = (typeof PATHS)[number];
/** The paths each forced ISA is tried on: the fp32 kernels and the int8 ones. */
const FORCED_PATHS = ['fused', 'fused-i8'] as const;
type ForcedPath = (typeof FORCED_PATHS)[number];

/** fp32 paths: error per output at most this times |scale| * sum_k |w * x|. */
const FP32_TERM_TOLERANCE = 1e-4;
const ABSOLUTE_EPSILON = 1e-6;
/** cached-bf16: cosine similarity of the whole output. */
const BF16_MIN_COSINE = 0.9999;
/** fused-i8 against the exact integer sum over the same int8 activations: the final rescale. */
const I8_RELATIVE_TOLERANCE = 1e-6;
/** fused-i8 against the fp32 reference, per output vector (int8 activations lose ~0.4%). */
const I8_MIN_COSINE = 0.999;
/** fused sparse against fused dense: error per output at most this times |scale| * sum_k |w * x|. */
const SPARSE_FP32_TERM_TOLERANCE = 1e-5;

const CHILD_TIMEOUT_MS = 240_000;
const TEST_TIMEOUT_MS = 300_000;

// Small but awkward: k not a multiple of 4, 16 or 64, n not a multiple of any row tile, a
// partial batch, and rows split over two threads.
const problem = (() => {
  const n = 37, k = 70, batch = 3, threads = 2, scale = 0.75;
  const rng = createRng(20240611);
  const weights = randomTernaryWeights(rng, n, k);
  const x = randomActivations(rng, batch, k);
  return {
    n, k, batch, threads, scale,
    packed: packTernary(weights, n, k),
    x,
    reference: referenceTernaryMatmul(weights, x, n, k, batch, scale),
    i8Reference: referenceI8Matmul(weights, x, n, k, batch, scale),
  };
})();

/**
 * Keeps `kept` of the blocks of `blockColumns` columns of x (chosen by `rng`) and zeroes the
 * others, then about one value in 14 of the kept ones, which no kernel may mind.
 */
function zeroAllBlocksBut(rng: Rng, x: Float32Array, blockColumns: number, kept: number): void {
  const blocks = Math.ceil(x.length / blockColumns);
  const order = Array.from({ length: blocks }, (_, i) => i);
  for (let i = blocks - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  for (const block of order.slice(kept)) x.fill(0, block * blockColumns, Math.min(x.length, (block + 1) * blockColumns));
  for (let i = 1; i < x.length; i += 7) if (rng.next() < 0.5) x[i] = 0;
}

// Batch 1 (the sparse kernels' only batch), n not a multiple of the fp32 sparse layouts' row
// tiles, rows split over two threads. Zeroed so that each path's sparse
// kernel runs (sparse-choice.h): fused from nine tenths of its 64-column blocks (38 of 40
// here), fused-i8 from 15% of its 64- or 128-column blocks (half here).
const sparseProblem = (() => {
  const n = 300, k = 2560, threads = 2, scale = 0.75;
  const rng = createRng(20250121);
  const weights = randomTernaryWeights(rng, n, k);
  const fusedX = randomActivations(rng, 1, k);
  zeroAllBlocksBut(rng, fusedX, 64, 2);
  const i8X = randomActivations(rng, 1, k);
  zeroAllBlocksBut(rng, i8X, 256, 5);
  return {
    n, k, threads, scale,
    packed: packTernary(weights, n, k),
    x: { fused: fusedX, 'fused-i8': i8X } as Record<ForcedPath, Float32Array>,
    reference: referenceTernaryMatmul(weights, fusedX, n, k, 1, scale),
    i8Reference: referenceI8Matmul(weights, i8X, n, k, 1, scale),
  };
})();
/** The timing loop's own synthetic weights and activations, zeroed in its sparse kernel's column blocks. */
const SPARSE_TIMING = { n: 300, k: 5120, sparsity: { fused: 0.95, 'fused-i8': 0.5 } } as const;

/** What the child does: plain CommonJS, so that it needs nothing but Node and the addon. */
const CHILD_SCRIPT = String.raw`
'use strict';
const { readFileSync } = require('node:fs');
const [addonPath, inputPath] = process.argv.slice(2);
const input = JSON.parse(readFileSync(inputPath, 'utf8'));
const packed = Uint8Array.from(input.packed);
const x = Float32Array.from(input.x);
const base = { n: input.n, k: input.k, batch: input.batch, threads: input.threads, scale: input.scale };

// A synchronous throw and a rejected promise both count as the call failing.
async function attempt(call) {
  let synchronous = true;
  try {
    const pending = call();
    synchronous = false;
    return { ok: true, value: await pending };
  } catch (error) {
    return {
      ok: false,
      error: {
        isError: error instanceof Error,
        name: error && error.name,
        message: String(error && error.message),
        code: error && error.code,
        synchronous,
      },
    };
  }
}
const floats = (result) => (result.ok ? { ok: true, value: Array.from(result.value) } : result);

async function main() {
  const started = Date.now();
  const addon = require(addonPath);
  const summary = {
    features: addon.cpuFeatures(),
    implementations: addon.implementations(),
    buildInfo: addon.buildInfo(),
    runs: {},
    forced: {},
  };
  for (const path of input.paths) {
    summary.runs[path] = {};
    for (const isa of input.isas) {
      const spec = { ...base, path, packed, x };
      if (isa !== 'default') spec.isa = isa;
      summary.runs[path][isa] = floats(await attempt(() => addon.runKernel(spec)));
    }
  }
  summary.defaultBenchmark = {};
  for (const path of input.forcedPaths) {
    // Which ISA and kernel the default dispatch really ran (runKernel does not say).
    const timing = await attempt(() =>
      addon.benchmarkKernel({ ...base, path, batch: 1, threads: 1, warmup: 0, minSamples: 1, maxSamples: 1, minTimeMs: 0 }));
    summary.defaultBenchmark[path] = timing.ok ? { ok: true, isa: timing.value.isa, kernel: timing.value.kernel } : timing;
    summary.forced[path] = {};
    for (const isa of input.forced) {
      const forced = {
        runKernel: await attempt(() => addon.runKernel({ ...base, path, isa, packed, x })),
        benchmarkKernel: await attempt(() =>
          addon.benchmarkKernel({ ...base, path, isa, warmup: 0, minSamples: 1, maxSamples: 1, minTimeMs: 0 })),
      };
      if (forced.runKernel.ok) forced.runKernel = { ok: true };
      if (forced.benchmarkKernel.ok) forced.benchmarkKernel = { ok: true };
      summary.forced[path][isa] = forced;
    }
  }
  // The sparse kernels against the dense ones on the same zeroed activations, and the timing
  // loop choosing them (sparseCallFraction) on its own.
  summary.sparse = {};
  const sparse = input.sparse;
  const sparsePacked = Uint8Array.from(sparse.packed);
  for (const path of input.forcedPaths) {
    summary.sparse[path] = {};
    for (const isa of input.isas) {
      const spec = { path, n: sparse.n, k: sparse.k, batch: 1, threads: sparse.threads, scale: sparse.scale };
      if (isa !== 'default') spec.isa = isa;
      const x = Float32Array.from(sparse.x[path]);
      const timed = await attempt(() =>
        addon.benchmarkKernel({ ...spec, n: sparse.timing.n, k: sparse.timing.k, sparsity: sparse.timing.sparsity[path],
          useBlas: false, warmup: 0, minSamples: 1, maxSamples: 1, minTimeMs: 0 }));
      summary.sparse[path][isa] = {
        dense: floats(await attempt(() => addon.runKernel({ ...spec, packed: sparsePacked, x }))),
        sparse: floats(await attempt(() => addon.runKernel({ ...spec, packed: sparsePacked, x, sparseKernel: true }))),
        timed: timed.ok
          ? { ok: true, isa: timed.value.isa, kernel: timed.value.kernel,
              sparseCallFraction: timed.value.sparsity.sparseCallFraction }
          : timed,
      };
    }
  }
  // The process still works after the refusals.
  summary.afterRefusal = floats(await attempt(() => addon.runKernel({ ...base, path: 'fused', packed, x })));
  summary.afterRefusalI8 = floats(await attempt(() => addon.runKernel({ ...base, path: 'fused-i8', packed, x })));
  summary.childMs = Date.now() - started;
  process.stdout.write('BITBENCH_SUMMARY ' + JSON.stringify(summary) + '\n');
}
main().catch((error) => {
  process.stderr.write('child failed: ' + (error && error.stack || error) + '\n');
  process.exitCode = 2;
});
`;

interface ErrorInfo {
  isError: boolean;
  name: string;
  message: string;
  code?: string;
  synchronous: boolean;
}
type Attempt<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };
interface AddonImplementation {
  name: string;
  compiled: boolean;
  supported: boolean;
  missing: string[];
  best: boolean;
  fusedKernel?: string;
  i8Kernel?: string;
}
type Benchmarked = { ok: true; isa: string; kernel: string } | { ok: false; error: ErrorInfo };
type SparseTimed = { ok: true; isa: string; kernel: string; sparseCallFraction: number } | { ok: false; error: ErrorInfo };
interface SparseRun {
  dense: Attempt<number[]>;
  sparse: Attempt<number[]>;
  timed: SparseTimed;
}
interface Summary {
  features: Record<string, boolean>;
  implementations: AddonImplementation[];
  buildInfo: { architecture: string; blas: string | null };
  runs: Record<PathName, Record<string, Attempt<number[]>>>;
  defaultBenchmark: Record<ForcedPath, Benchmarked>;
  forced: Record<ForcedPath, Record<string, { runKernel: Attempt<undefined>; benchmarkKernel: Attempt<undefined> }>>;
  sparse: Record<ForcedPath, Record<string, SparseRun>>;
  afterRefusal: Attempt<number[]>;
  afterRefusalI8: Attempt<number[]>;
  childMs: number;
}

interface Emulated {
  outcome: ChildOutcome;
  summary: Summary | undefined;
  report: string;
}

let workDir = '';

beforeAll(async () => {
  if (tools.skipReason) return;
  // The tests of this file need the addon itself, not the TS API; build it if it is missing.
  if (!existsSync(addonPath)) {
    await runChecked(process.execPath, [join(repoRoot, 'scripts', 'build-native.mjs')], { timeoutMs: 540_000 });
  }
  workDir = mkdtempSync(join(tmpdir(), 'bitbench-isa-qemu-'));
}, 600_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

async function runUnder(cpu: string, isas: readonly string[], forced: readonly string[]): Promise<Emulated> {
  const scriptPath = join(workDir, 'dispatch-child.cjs');
  writeFileSync(scriptPath, CHILD_SCRIPT);
  const inputPath = join(workDir, `input-${cpu}.json`);
  writeFileSync(
    inputPath,
    JSON.stringify({
      n: problem.n, k: problem.k, batch: problem.batch, threads: problem.threads, scale: problem.scale,
      packed: Array.from(problem.packed),
      x: Array.from(problem.x),
      paths: PATHS,
      isas,
      forced,
      forcedPaths: FORCED_PATHS,
      sparse: {
        n: sparseProblem.n, k: sparseProblem.k, threads: sparseProblem.threads, scale: sparseProblem.scale,
        packed: Array.from(sparseProblem.packed),
        x: { fused: Array.from(sparseProblem.x.fused), 'fused-i8': Array.from(sparseProblem.x['fused-i8']) },
        timing: SPARSE_TIMING,
      },
    }),
  );
  const outcome = await runChild(tools.paths[QEMU]!, ['-cpu', cpu, process.execPath, scriptPath, addonPath, inputPath], {
    timeoutMs: CHILD_TIMEOUT_MS,
    env: emulatedCpuEnv(),
  });
  const line = outcome.stdout.split('\n').find((l) => l.startsWith('BITBENCH_SUMMARY '));
  const summary = line ? (JSON.parse(line.slice('BITBENCH_SUMMARY '.length)) as Summary) : undefined;
  return { outcome, summary, report: describeOutcome(`node under ${QEMU} -cpu ${cpu}`, outcome) };
}

function implementation(summary: Summary, name: string): AddonImplementation {
  const found = summary.implementations.find((impl) => impl.name === name);
  if (!found) throw new Error(`implementations() has no entry for ${name}: ${JSON.stringify(summary.implementations)}`);
  return found;
}

function output(attempt: Attempt<number[]> | undefined, what: string): number[] {
  if (!attempt) throw new Error(`${what}: not run`);
  if (!attempt.ok) throw new Error(`${what} failed: ${attempt.error.message}`);
  return attempt.value;
}

/** Empty when `actual` matches `expected` within the path's tolerance, else what is wrong. */
function mismatch(path: PathName, actual: ArrayLike<number>, expected: ReferenceProduct): string {
  if (actual.length !== expected.y.length) return `length ${actual.length}, expected ${expected.y.length}`;
  if (path === 'fused-i8') return i8Mismatch(actual, expected);
  if (path === 'cached-bf16') {
    const cosine = cosineSimilarity(actual, expected.y);
    return cosine >= BF16_MIN_COSINE ? '' : `cosine ${cosine} below ${BF16_MIN_COSINE}`;
  }
  const violations = termToleranceViolations(actual, expected, FP32_TERM_TOLERANCE, ABSOLUTE_EPSILON);
  return violations.length === 0 ? '' : `${violations.length} outputs off, first ${JSON.stringify(violations[0])}`;
}

/**
 * fused-i8 against the exact integer sum over the same int8 activations, then per output
 * vector by cosine against `expected` (the fp32 reference, or the scalar kernels' output).
 */
function i8Mismatch(actual: ArrayLike<number>, expected: ReferenceProduct): string {
  const inexact = i8ExactMismatch(actual, problem.i8Reference);
  if (inexact) return inexact;
  for (let b = 0; b < problem.batch; b++) {
    const row = (v: ArrayLike<number>) => Array.from({ length: problem.n }, (_, r) => v[b * problem.n + r]!);
    const cosine = cosineSimilarity(row(actual), row(expected.y));
    if (!(cosine >= I8_MIN_COSINE)) return `batch row ${b}: cosine ${cosine} below ${I8_MIN_COSINE}`;
  }
  return '';
}

/** Empty when fused-i8 outputs are the exact integer sums but for the final rescale. */
function i8ExactMismatch(actual: ArrayLike<number>, exactReference: Float64Array): string {
  for (let i = 0; i < actual.length; i++) {
    const exact = exactReference[i]!;
    const ok = exact === 0 ? actual[i] === 0 : Math.abs(actual[i]! - exact) <= I8_RELATIVE_TOLERANCE * Math.abs(exact);
    if (!ok) return `output ${i} = ${actual[i]}, exact integer reference ${exact}`;
  }
  return '';
}

/** Empty when fused-i8 outputs are equal to the bit, as one quantization and integer sums make them. */
function i8Difference(actual: readonly number[], scalar: readonly number[]): string {
  const i = actual.findIndex((v, index) => !Object.is(v, scalar[index]));
  return i < 0 ? '' : `output ${i} = ${actual[i]}, scalar fused-i8 gives ${scalar[i]}`;
}

/** The scalar kernels' output as the expected value, with the float64 reference's term sizes. */
function asExpected(y: number[]): ReferenceProduct {
  return { y: Float64Array.from(y), termMagnitude: problem.reference.termMagnitude };
}

function expectCleanExit(emulated: Emulated): void {
  expect(emulated.outcome.signal, emulated.report).toBeNull();
  expect(emulated.outcome.status, emulated.report).toBe(0);
  expect(emulated.summary, emulated.report).toBeDefined();
  expect(emulated.summary!.buildInfo.architecture).toBe('x86_64');
}

/** Asserts that forcing `isa` on every forced path failed cleanly, naming the ISA and `feature`. */
function expectRefused(summary: Summary, isa: string, feature: string): void {
  for (const path of FORCED_PATHS)
    for (const call of ['runKernel', 'benchmarkKernel'] as const) {
      const label = `${call} with path ${path} and isa ${isa}`;
      const attempt = summary.forced[path][isa]?.[call];
      expect(attempt, `${label} was not tried`).toBeDefined();
      expect(attempt!.ok, `${label} should fail`).toBe(false);
      if (attempt!.ok) continue;
      expect(attempt!.error.isError, label).toBe(true);
      expect(attempt!.error.code, label).toBe('ERR_BITBENCH_ISA_UNSUPPORTED');
      // The ISA's name followed by a space or a colon, so that avx512 does not match avx512-vnni.
      expect(attempt!.error.message, label).toMatch(new RegExp(`\\b${isa}(?=[ :])`));
      expect(attempt!.error.message, label).toMatch(new RegExp(`\\b${feature}\\b`));
    }
}

/**
 * Asserts that on each of `isas` (the name passed, or 'default') the sparse kernel of `path`
 * ran, gave the dense kernel's output on the same zeroed activations (fused-i8 to the bit,
 * fused within SPARSE_FP32_TERM_TOLERANCE) and the reference's, and that the timing loop ran
 * it on `ranOn`'s kernels on every call.
 */
function expectSparseMatchesDense(
  emulated: Emulated,
  path: ForcedPath,
  isas: readonly string[],
  ranOn: (isa: string) => string,
): void {
  for (const isa of isas) {
    const label = `${path} on ${isa}`;
    const run = emulated.summary!.sparse[path][isa];
    expect(run, `${label}: ${emulated.report}`).toBeDefined();
    const dense = output(run!.dense, `${label} dense`);
    const sparse = output(run!.sparse, `${label} sparse`);
    expect(sparse.length, label).toBe(sparseProblem.n);
    if (path === 'fused-i8') {
      expect(i8Difference(sparse, dense), `${label}: sparse vs dense, to the bit`).toBe('');
      expect(i8ExactMismatch(sparse, sparseProblem.i8Reference), `${label}: sparse vs the exact integer reference`).toBe('');
    } else {
      const asDense = { y: Float64Array.from(dense), termMagnitude: sparseProblem.reference.termMagnitude };
      expect(termToleranceViolations(sparse, asDense, SPARSE_FP32_TERM_TOLERANCE, 0), `${label}: sparse vs dense`).toEqual([]);
      const offReference = termToleranceViolations(sparse, sparseProblem.reference, FP32_TERM_TOLERANCE, ABSOLUTE_EPSILON);
      expect(offReference, `${label}: sparse vs reference`).toEqual([]);
    }
    const timed = run!.timed;
    expect(timed, `${label} timing: ${emulated.report}`).toMatchObject({ ok: true, isa: ranOn(isa), sparseCallFraction: 1 });
    expect(timed.ok && timed.kernel, label).toMatch(new RegExp(`^${ranOn(isa)} .*; .*sparse`));
  }
}

/** The x86 ISAs qemu 7.2 cannot run, with a feature each one's refusal must name. */
const UNEMULATED = [
  ['amx-int8', 'amx_tile'],
  ['amx-int8', 'amx_int8'],
  ['avx512-vnni', 'avx512f'],
  ['avx512-vnni', 'avx512_vnni'],
  ['avx512', 'avx512f'],
  ['avx-vnni', 'avx_vnni'],
] as const;

describe.skipIf(tools.skipReason !== undefined)(`x86 ISA dispatch under ${QEMU} ${tools.skipReason ?? ''}`, () => {
  describe('-cpu Haswell (AVX2 and FMA, no AVX-512, no VNNI)', () => {
    let emulated: Emulated;
    let summary: Summary;
    beforeAll(async () => {
      emulated = await runUnder('Haswell', ['scalar', 'avx2', 'default'], ['amx-int8', 'avx512-vnni', 'avx512', 'avx-vnni', 'neon-dotprod', 'neon']);
      summary = emulated.summary!;
    }, TEST_TIMEOUT_MS);

    it('exits normally after every check, with no signal', () => {
      expectCleanExit(emulated);
    });

    it('reports the AVX-512 and VNNI implementations unsupported with what they lack, and avx2 supported and best', () => {
      expect(summary.features.avx2).toBe(true);
      expect(summary.features.fma).toBe(true);
      expect(summary.features.avx512f).toBe(false);
      expect(summary.features.avx_vnni).toBe(false);
      for (const [isa, feature] of UNEMULATED) {
        const impl = implementation(summary, isa);
        expect(impl, isa).toMatchObject({ compiled: true, supported: false, best: false });
        expect(impl.missing, isa).toContain(feature);
      }
      expect(implementation(summary, 'avx-vnni').missing).toEqual(['avx_vnni']);
      const avx2 = implementation(summary, 'avx2');
      expect(avx2).toMatchObject({ compiled: true, supported: true, best: true, missing: [] });
      expect(avx2.i8Kernel).toMatch(/^avx2 fused-i8: vpmaddubsw \+ vpmaddwd/);
      expect(summary.implementations.filter((impl) => impl.best).map((impl) => impl.name)).toEqual(['avx2']);
    });

    it.each(FORCED_PATHS)('%s: runs the avx2 kernels when no ISA is named', (path) => {
      const ran = summary.defaultBenchmark[path];
      expect(ran, emulated.report).toMatchObject({ ok: true, isa: 'avx2' });
      expect(ran.ok && ran.kernel).toMatch(/^avx2 /);
    });

    it.each(PATHS)('%s: avx2 and the default ISA match scalar and the float64 reference', (path) => {
      const scalar = output(summary.runs[path].scalar, `${path} on scalar`);
      expect(mismatch(path, scalar, problem.reference), `${path} scalar vs reference`).toBe('');
      for (const isa of ['avx2', 'default']) {
        const y = output(summary.runs[path][isa], `${path} on ${isa}`);
        expect(mismatch(path, y, asExpected(scalar)), `${path} ${isa} vs scalar`).toBe('');
        expect(mismatch(path, y, problem.reference), `${path} ${isa} vs reference`).toBe('');
        if (path === 'fused-i8') expect(i8Difference(y, scalar), `${path} ${isa} vs scalar, to the bit`).toBe('');
      }
    });

    it.each(FORCED_PATHS)(
      '%s: the sparse kernels of scalar, avx2 and the default ISA give the dense result on zeroed activations, and the timing loop runs them',
      (path) => {
        expectSparseMatchesDense(emulated, path, ['scalar', 'avx2', 'default'], (isa) => (isa === 'default' ? 'avx2' : isa));
      },
    );

    it.each(UNEMULATED)('refuses a forced %s on fused and fused-i8 with ERR_BITBENCH_ISA_UNSUPPORTED naming %s', (isa, feature) => {
      expectRefused(summary, isa, feature);
    });

    it.each(['neon', 'neon-dotprod'])('refuses %s on x86 as not built in, with the same code', (isa) => {
      for (const path of FORCED_PATHS) {
        const attempt = summary.forced[path][isa]!.runKernel;
        expect(attempt.ok, `${path} on ${isa}`).toBe(false);
        if (attempt.ok) continue;
        expect(attempt.error.code).toBe('ERR_BITBENCH_ISA_UNSUPPORTED');
        expect(attempt.error.message).toMatch(new RegExp(`\\b${isa} is not available\\b`));
      }
    });

    it('keeps working after the refusals', () => {
      expect(mismatch('fused', output(summary.afterRefusal, 'fused after the refusals'), problem.reference)).toBe('');
      const i8 = output(summary.afterRefusalI8, 'fused-i8 after the refusals');
      expect(mismatch('fused-i8', i8, problem.reference)).toBe('');
    });
  });

  describe('-cpu Nehalem (SSE4.2, no AVX)', () => {
    let emulated: Emulated;
    let summary: Summary;
    beforeAll(async () => {
      emulated = await runUnder('Nehalem', ['default'], ['avx2', 'avx512', 'avx512-vnni', 'avx-vnni', 'amx-int8']);
      summary = emulated.summary!;
    }, TEST_TIMEOUT_MS);

    it('exits normally after every check, with no signal', () => {
      expectCleanExit(emulated);
    });

    it('reports scalar as best, every x86 SIMD implementation unsupported for want of avx2', () => {
      expect(summary.features.avx).toBe(false);
      expect(summary.features.avx2).toBe(false);
      for (const isa of ['amx-int8', 'avx512-vnni', 'avx512', 'avx-vnni', 'avx2']) {
        const impl = implementation(summary, isa);
        expect(impl.supported, isa).toBe(false);
        expect(impl.missing, isa).toContain('avx2');
      }
      expect(implementation(summary, 'scalar')).toMatchObject({ supported: true, best: true });
      expect(summary.implementations.filter((impl) => impl.best).map((impl) => impl.name)).toEqual(['scalar']);
      for (const path of FORCED_PATHS) {
        expect(summary.defaultBenchmark[path], `${path}: ${emulated.report}`).toMatchObject({ ok: true, isa: 'scalar' });
        const ran = summary.defaultBenchmark[path];
        expect(ran.ok && ran.kernel, path).toMatch(/^scalar /);
      }
    });

    it.each(PATHS)('%s with the default ISA matches the float64 reference', (path) => {
      const y = output(summary.runs[path].default, `${path} on the default ISA`);
      expect(mismatch(path, y, problem.reference)).toBe('');
    });

    it.each(FORCED_PATHS)(
      '%s: the default (scalar) sparse kernel gives the dense result on zeroed activations, and the timing loop runs it',
      (path) => {
        expectSparseMatchesDense(emulated, path, ['default'], () => 'scalar');
      },
    );

    it.each([
      ['avx2', 'avx2'],
      ['avx512', 'avx512f'],
      ['avx512-vnni', 'avx512_vnni'],
      ['avx-vnni', 'avx_vnni'],
      ['amx-int8', 'amx_tile'],
    ] as const)('refuses a forced %s on fused and fused-i8 with ERR_BITBENCH_ISA_UNSUPPORTED naming %s', (isa, feature) => {
      expectRefused(summary, isa, feature);
    });

    it('keeps working after the refusals', () => {
      expect(mismatch('fused', output(summary.afterRefusal, 'fused after the refusals'), problem.reference)).toBe('');
      expect(mismatch('fused-i8', output(summary.afterRefusalI8, 'fused-i8 after the refusals'), problem.reference)).toBe('');
    });
  });
});

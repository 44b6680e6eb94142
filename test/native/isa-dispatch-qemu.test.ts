// Run-time ISA dispatch on x86 CPUs this host is not: the addon loaded by Node under
// qemu-x86_64-static emulating a Haswell (AVX2 and FMA, no AVX-512, no VNNI) and a Nehalem
// (no AVX at all). Dispatch must pick the best ISA the emulated CPU has, every path must agree
// with the scalar kernels and a float64 reference (fused-i8 exactly with the scalar fused-i8
// kernels), and forcing an ISA the CPU lacks (avx512-vnni, avx512, avx-vnni, avx2) on the fused
// and fused-i8 paths must be a clear JS error in a process that then carries on and exits
// normally (never SIGILL). qemu 7.2 emulates neither AVX-512 nor AVX-VNNI, so those kernels
// are proven here only to be refused; they run where the hardware has them.
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
interface Summary {
  features: Record<string, boolean>;
  implementations: AddonImplementation[];
  buildInfo: { architecture: string; blas: string | null };
  runs: Record<PathName, Record<string, Attempt<number[]>>>;
  defaultBenchmark: Record<ForcedPath, Benchmarked>;
  forced: Record<ForcedPath, Record<string, { runKernel: Attempt<undefined>; benchmarkKernel: Attempt<undefined> }>>;
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
    }),
  );
  const outcome = await runChild(tools.paths[QEMU]!, ['-cpu', cpu, process.execPath, scriptPath, addonPath, inputPath], {
    timeoutMs: CHILD_TIMEOUT_MS,
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
  for (let i = 0; i < actual.length; i++) {
    const exact = problem.i8Reference[i]!;
    const ok = exact === 0 ? actual[i] === 0 : Math.abs(actual[i]! - exact) <= I8_RELATIVE_TOLERANCE * Math.abs(exact);
    if (!ok) return `output ${i} = ${actual[i]}, exact integer reference ${exact}`;
  }
  for (let b = 0; b < problem.batch; b++) {
    const row = (v: ArrayLike<number>) => Array.from({ length: problem.n }, (_, r) => v[b * problem.n + r]!);
    const cosine = cosineSimilarity(row(actual), row(expected.y));
    if (!(cosine >= I8_MIN_COSINE)) return `batch row ${b}: cosine ${cosine} below ${I8_MIN_COSINE}`;
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

/** The x86 ISAs qemu 7.2 cannot run, with a feature each one's refusal must name. */
const UNEMULATED = [
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
      emulated = await runUnder('Haswell', ['scalar', 'avx2', 'default'], ['avx512-vnni', 'avx512', 'avx-vnni', 'neon-dotprod', 'neon']);
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
      emulated = await runUnder('Nehalem', ['default'], ['avx2', 'avx512', 'avx512-vnni', 'avx-vnni']);
      summary = emulated.summary!;
    }, TEST_TIMEOUT_MS);

    it('exits normally after every check, with no signal', () => {
      expectCleanExit(emulated);
    });

    it('reports scalar as best, every x86 SIMD implementation unsupported for want of avx2', () => {
      expect(summary.features.avx).toBe(false);
      expect(summary.features.avx2).toBe(false);
      for (const isa of ['avx512-vnni', 'avx512', 'avx-vnni', 'avx2']) {
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

    it.each([
      ['avx2', 'avx2'],
      ['avx512', 'avx512f'],
      ['avx512-vnni', 'avx512_vnni'],
      ['avx-vnni', 'avx_vnni'],
    ] as const)('refuses a forced %s on fused and fused-i8 with ERR_BITBENCH_ISA_UNSUPPORTED naming %s', (isa, feature) => {
      expectRefused(summary, isa, feature);
    });

    it('keeps working after the refusals', () => {
      expect(mismatch('fused', output(summary.afterRefusal, 'fused after the refusals'), problem.reference)).toBe('');
      expect(mismatch('fused-i8', output(summary.afterRefusalI8, 'fused-i8 after the refusals'), problem.reference)).toBe('');
    });
  });
});

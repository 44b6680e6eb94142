// The NEON kernels on an x86 host: cross-compile native/test/kernel-selftest.cc for AArch64
// (static, no addon, no BLAS) and run it under qemu-aarch64-static, once on a core with the
// dot-product extension (-cpu max) and once on one without (-cpu cortex-a53, Armv8.0). The
// self-test checks every supported implementation and path against a double-precision
// reference, fused-i8 against the scalar fused-i8 kernels exactly, and each table's sparse
// kernels (activation sparsity) against its dense kernels on zeroed activations; this test
// checks that it ran on NEON, that dispatch chose neon-dotprod only where the core has dotprod,
// that every sparse case ran, and that nothing failed. On cortex-a53 the neon fused-i8 kernels running to the end also proves
// that they hold no Armv8.2 instruction.
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeOutcome, repoRoot, requireTools, runChecked, runChild, type ChildOutcome } from '../helpers/emulation.js';

const CROSS_COMPILER = 'aarch64-linux-gnu-g++';
const QEMU = 'qemu-aarch64-static';
const tools = requireTools([CROSS_COMPILER, QEMU], 'Debian/Ubuntu: apt-get install g++-aarch64-linux-gnu qemu-user-static');

// Kept between runs so that only changed sources recompile; keyed by the checkout so that two
// checkouts never share one CMake cache (CMake refuses a cache made for another source dir).
const buildDir = join(tmpdir(), `bitbench-selftest-aarch64-${createHash('sha1').update(repoRoot).digest('hex').slice(0, 8)}`);
// A fresh cross build takes about a minute on two cores; the run under qemu a few seconds.
const BUILD_TIMEOUT_MS = 540_000;
const RUN_TIMEOUT_MS = 300_000;
const PATHS = ['baseline', 'cached-f32', 'cached-bf16', 'fused'] as const;
/** fused-i8 shapes (kI8Shapes in kernel-selftest.cc) x batches (1, 3, 4, 33, 64) x thread counts (1, 2). */
const I8_SHAPES = 11;
const I8_CASES = I8_SHAPES * 5 * 2;
/** Sparse cases per table and path: shapes x zero patterns x thread counts (1, 2), in kernel-selftest.cc. */
const SPARSE_SHAPES = 11;
const ZERO_PATTERNS = ['none', 'half', 'all-but-one', 'all-but-last', 'all'] as const;
/** fused: within 1e-5 of |scale| * sum |w x| of the dense kernel; fused-i8: equal to it to the bit. */
const SPARSE_VERDICTS = [
  ['fused', / maxRelErr=\S+ vs dense$/],
  ['fused-i8', / exact vs dense$/],
] as const;

interface CpuModel {
  cpu: string;
  dotprod: boolean;
  /** The implementations the self-test must have checked there. */
  checked: readonly string[];
}
const CPU_MODELS: readonly CpuModel[] = [
  // Every AArch64 feature qemu emulates: NEON, dotprod, SVE, bf16.
  { cpu: 'max', dotprod: true, checked: ['neon-dotprod', 'neon', 'scalar'] },
  // Armv8.0: NEON without dotprod, as on Graviton1 and the Raspberry Pi 3.
  { cpu: 'cortex-a53', dotprod: false, checked: ['neon', 'scalar'] },
];

describe.skipIf(tools.skipReason !== undefined)(`AArch64 NEON kernel self-test under ${QEMU} ${tools.skipReason ?? ''}`, () => {
  const runs = new Map<string, { run: ChildOutcome; report: string }>();

  beforeAll(async () => {
    await runChecked(
      'cmake',
      [
        '-S', join(repoRoot, 'native'),
        '-B', buildDir,
        `-DCMAKE_TOOLCHAIN_FILE=${join(repoRoot, 'native', 'cmake', 'aarch64-linux-gnu.cmake')}`,
        '-DBITBENCH_ADDON=OFF',
        '-DBITBENCH_SELFTEST=ON',
        '-DBITBENCH_USE_BLAS=OFF',
        '-DCMAKE_BUILD_TYPE=Release',
      ],
      { timeoutMs: BUILD_TIMEOUT_MS },
    );
    await runChecked('cmake', ['--build', buildDir, '-j2'], { timeoutMs: BUILD_TIMEOUT_MS });
    for (const { cpu } of CPU_MODELS) {
      const run = await runChild(tools.paths[QEMU]!, ['-cpu', cpu, join(buildDir, 'bitbench_selftest')], {
        timeoutMs: RUN_TIMEOUT_MS,
      });
      runs.set(cpu, { run, report: describeOutcome(`bitbench_selftest under qemu-aarch64 -cpu ${cpu}`, run) });
    }
  }, BUILD_TIMEOUT_MS + CPU_MODELS.length * RUN_TIMEOUT_MS);

  describe.each(CPU_MODELS)('-cpu $cpu', ({ cpu, dotprod, checked }) => {
    const outcome = () => runs.get(cpu)!;

    it('runs to completion and exits 0', () => {
      const { run, report } = outcome();
      expect(run.signal, report).toBeNull();
      expect(run.status, report).toBe(0);
    });

    it(`runs on AArch64 with NEON${dotprod ? ' and dotprod' : ', without dotprod'}, and dispatch picks ${checked[0]}`, () => {
      const { run, report } = outcome();
      expect(run.stdout, report).toMatch(/^architecture: aarch64$/m);
      expect(run.stdout, report).toMatch(/^features: .*\bneon\b/m);
      expect(/^features: .*\bdotprod\b/m.test(run.stdout), report).toBe(dotprod);
      expect(run.stdout, report).toMatch(/^implementation neon compiled=yes supported=yes /m);
      expect(run.stdout, report).toMatch(
        new RegExp(`^implementation neon-dotprod compiled=yes supported=${dotprod ? 'yes best=yes' : 'no best=no missing=dotprod'}`, 'm'),
      );
      expect(run.stdout, report).toMatch(/^implementation avx2 compiled=no supported=no best=no /m);
      expect(run.stdout, report).toMatch(
        new RegExp(`^PASS dispatch: best implementation on aarch64 ${dotprod ? 'with' : 'without'} dotprod is ${checked[0]}$`, 'm'),
      );
    });

    if (!dotprod) {
      it('refuses a forced neon-dotprod with an error naming dotprod (never SIGILL)', () => {
        const { run, report } = outcome();
        expect(run.stdout, report).toMatch(
          /^PASS dispatch: forcing neon-dotprod without dotprod throws IsaUnsupportedError: .*missing dotprod/m,
        );
        expect(run.stdout, report).not.toMatch(/^PASS neon-dotprod /m);
      });
    }

    it.each(PATHS)('checked the NEON %s path against the reference', (path) => {
      const { run, report } = outcome();
      const neonCases = run.stdout.split('\n').filter((line) => line.startsWith(`PASS neon ${path} n=`));
      // 8 shapes x 5 batches x 2 thread counts, and the two invalid-input checks.
      expect(neonCases.length, report).toBeGreaterThanOrEqual(8 * 5 * 2 + 2);
      expect(run.stdout, report).not.toMatch(new RegExp(`^FAIL neon ${path} `, 'm'));
    });

    it.each(checked.filter((isa) => isa !== 'scalar'))('checked %s fused-i8 exactly against the scalar fused-i8 kernels', (isa) => {
      const { run, report } = outcome();
      const lines = run.stdout.split('\n');
      expect(lines, report).toContain(`PASS ${isa} fused-i8 quantize bit-identical to scalar`);
      const exact = lines.filter((line) => line.startsWith(`PASS ${isa} fused-i8 n=`) && / exact vs scalar\b/.test(line));
      expect(exact.length, report).toBe(I8_CASES);
      for (const batch of [1, 3, 4, 33, 64])
        for (const threads of [1, 2])
          expect(exact.filter((line) => line.includes(` batch=${batch} threads=${threads} exact vs scalar`)).length, report).toBe(I8_SHAPES);
      // 7 shapes x 4 batches.
      expect(lines.filter((line) => line.startsWith(`PASS ${isa} fused-i8 denseRows `)).length, report).toBe(28);
      expect(run.stdout, report).not.toMatch(new RegExp(`^FAIL ${isa} fused-i8`, 'm'));
      expect(run.stdout, report).toMatch(new RegExp(`^fused-i8 kernel of ${isa}: ${isa} fused-i8: ${isa === 'neon' ? 'smull' : 'sdot'}`, 'm'));
    });

    it.each(checked)('checked the %s sparse kernels against its dense kernels on zeroed activations, rows split as two threads', (isa) => {
      const { run, report } = outcome();
      const lines = run.stdout.split('\n');
      for (const [path, verdict] of SPARSE_VERDICTS) {
        const cases = lines.filter((line) => line.startsWith(`PASS ${isa} ${path} sparse n=`) && verdict.test(line));
        expect(cases.length, `${isa} ${path} sparse: ${report}`).toBe(SPARSE_SHAPES * ZERO_PATTERNS.length * 2);
        for (const pattern of ZERO_PATTERNS)
          for (const threads of [1, 2]) {
            const matching = cases.filter((line) => line.includes(` zero=${pattern} `) && line.includes(` threads=${threads} `));
            expect(matching.length, report).toBe(SPARSE_SHAPES);
          }
        expect(run.stdout, report).not.toMatch(new RegExp(`^FAIL ${isa} ${path} sparse `, 'm'));
      }
    });

    // The column stripes (zeros one by one): sdot on neon-dotprod, none yet on plain NEON.
    // 5 shapes x 4 zero fractions x 1 to 3 column shares.
    it.each(checked)('checked the %s column-stripe kernel against its dense kernel, or reported that it has none', (isa) => {
      const { run, report } = outcome();
      const cases = run.stdout.split('\n').filter((line) => line.startsWith(`PASS ${isa} fused-i8 stripes n `) && / exact vs dense$/.test(line));
      if (isa === 'neon-dotprod') expect(cases.length, report).toBe(60);
      else expect(run.stdout, report).toMatch(new RegExp(`^NOTE ${isa} fused-i8 stripes: none`, 'm'));
      expect(run.stdout, report).not.toMatch(new RegExp(`^FAIL ${isa} fused-i8 stripes`, 'm'));
    });

    // The dense batch-1 kernel in steps, dealt out as the path's threads deal them: I8_SHAPES
    // shapes x 2 and 3 threads; scalar has no steps.
    it.each(checked)('checked the %s fused-i8 kernel run in dealt-out steps against one run, or reported that it has none', (isa) => {
      const { run, report } = outcome();
      const cases = run.stdout.split('\n').filter((line) => line.startsWith(`PASS ${isa} fused-i8 steps n `) && / exact vs one run$/.test(line));
      if (isa === 'scalar') expect(run.stdout, report).toMatch(/^NOTE scalar fused-i8 steps: none/m);
      else expect(cases.length, report).toBe(I8_SHAPES * 2);
      expect(run.stdout, report).not.toMatch(new RegExp(`^FAIL ${isa} fused-i8 steps`, 'm'));
    });

    // The batched kernel in runs of 64 rows on one scratch, as the path's threads deal them out
    // (the later runs told the scratch holds the laid-out activations): 2 shapes x batch 33 and 64.
    it.each(checked)('checked the %s fused-i8 batched kernel run in runs of rows against one run', (isa) => {
      const { run, report } = outcome();
      const cases = run.stdout.split('\n').filter((line) => line.startsWith(`PASS ${isa} fused-i8 runs n `) && / exact vs one run$/.test(line));
      expect(cases.length, report).toBe(4);
      expect(run.stdout, report).not.toMatch(new RegExp(`^FAIL ${isa} fused-i8 runs`, 'm'));
    });

    it('checked activation top-k against a sorted reference and the greedy argmax against std::max_element', () => {
      const { run, report } = outcome();
      expect(run.stdout, report).toMatch(/^PASS activation top-k: 818 rows equal to a sorted reference$/m);
      expect(run.stdout, report).toMatch(/^PASS argmax: 900 rows equal to std::max_element$/m);
    });

    it('reports 0 failed and a non-zero number passed', () => {
      const { run, report } = outcome();
      const lines = run.stdout.trimEnd().split('\n');
      const summary = /^(\d+) passed, (\d+) failed$/.exec(lines[lines.length - 1] ?? '');
      expect(summary, report).not.toBeNull();
      expect(Number(summary![1]), report).toBeGreaterThan(0);
      expect(Number(summary![2]), report).toBe(0);
      expect(run.stdout, report).not.toMatch(/^FAIL /m);
    });
  });
});

// The x86 kernels on this machine's own CPU: build native/test/kernel-selftest.cc for the host
// (static library, no addon, no BLAS) and run it, as neon-qemu.test.ts does for AArch64 under
// qemu. The self-test checks every implementation this CPU supports against a double-precision
// reference, fused-i8 exactly against the scalar kernels, and each table's sparse kernels
// against its dense kernels on zeroed activations, each thread's rows written into their own
// NaN-filled output with guard rows past n, so a kernel that writes outside its rows fails here
// (the addon's tests compare outputs, and a write past the end of y can pass them). It runs
// twice, with BITBENCH_AVX2_FUSED set to each of AVX2's two fp32 kernels, so that both (and their
// sparse kernels) are checked on every x86 host, whichever dispatch would pick.
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeOutcome, repoRoot, requireTools, runChecked, runChild, type ChildOutcome } from '../helpers/emulation.js';

const tools = requireTools(['cmake', 'g++'], 'Debian/Ubuntu: apt-get install cmake g++');
const skipReason = process.arch !== 'x64' ? `skipped: this host is ${process.arch}, not x86-64` : tools.skipReason;

// Kept between runs so that only changed sources recompile; keyed by the checkout (CMake refuses
// a cache made for another source directory).
const buildDir = join(tmpdir(), `bitbench-selftest-x86-${createHash('sha1').update(repoRoot).digest('hex').slice(0, 8)}`);
// A fresh build takes one to two minutes on two cores; a run a few seconds.
const BUILD_TIMEOUT_MS = 540_000;
const RUN_TIMEOUT_MS = 300_000;
/** fused-i8 shapes x batches (1, 3, 4, 33, 64) x thread counts (1, 2), in kernel-selftest.cc. */
const I8_CASES = 11 * 5 * 2;
/** Sparse cases per table and path: shapes x zero patterns x thread counts, in kernel-selftest.cc. */
const SPARSE_CASES = 11 * 5 * 2;
const AVX2_FUSED_KERNELS = ['vpermps', 'sign-bits'] as const;
/** How each names itself (native/src/kernels/x86/avx2.cc). */
const AVX2_FUSED_NAMES: Record<(typeof AVX2_FUSED_KERNELS)[number], RegExp> = {
  vpermps: /^fused kernel of avx2: avx2 fused: quintet codes/m,
  'sign-bits': /^fused kernel of avx2: avx2 fused: sign-bit decode/m,
};

describe.skipIf(skipReason !== undefined)(`x86 kernel self-test on this CPU ${skipReason ?? ''}`, () => {
  const runs = new Map<string, { run: ChildOutcome; report: string }>();

  beforeAll(async () => {
    await runChecked(
      'cmake',
      ['-S', join(repoRoot, 'native'), '-B', buildDir, '-DBITBENCH_ADDON=OFF', '-DBITBENCH_SELFTEST=ON', '-DBITBENCH_USE_BLAS=OFF', '-DCMAKE_BUILD_TYPE=Release'],
      { timeoutMs: BUILD_TIMEOUT_MS },
    );
    await runChecked('cmake', ['--build', buildDir, '-j2'], { timeoutMs: BUILD_TIMEOUT_MS });
    for (const kernel of AVX2_FUSED_KERNELS) {
      const run = await runChild(join(buildDir, 'bitbench_selftest'), [], {
        timeoutMs: RUN_TIMEOUT_MS,
        env: { ...process.env, BITBENCH_AVX2_FUSED: kernel },
      });
      runs.set(kernel, { run, report: describeOutcome(`BITBENCH_AVX2_FUSED=${kernel} bitbench_selftest`, run) });
    }
  }, 2 * BUILD_TIMEOUT_MS + AVX2_FUSED_KERNELS.length * RUN_TIMEOUT_MS);

  describe.each(AVX2_FUSED_KERNELS)('with BITBENCH_AVX2_FUSED=%s', (kernel) => {
    const outcome = () => runs.get(kernel)!;
    /** The implementations this CPU supports, as the self-test lists them. */
    const supported = () => [...outcome().run.stdout.matchAll(/^implementation (\S+) compiled=yes supported=yes /gm)].map((m) => m[1]!);

    it('runs on x86-64 to completion, every check passing', () => {
      const { run, report } = outcome();
      expect(run.signal, report).toBeNull();
      expect(run.status, report).toBe(0);
      expect(run.stdout, report).toMatch(/^architecture: x86_64$/m);
      expect(run.stdout, report).not.toMatch(/^FAIL /m);
      expect(run.stdout, report).toMatch(/^\d+ passed, 0 failed$/m);
      expect(supported(), report).toContain('scalar');
      if (supported().includes('avx2')) expect(run.stdout, report).toMatch(AVX2_FUSED_NAMES[kernel]);
    });

    it('checked every supported implementation: fused-i8 exactly against scalar, and its sparse kernels against its dense kernels', () => {
      const { run, report } = outcome();
      const lines = run.stdout.split('\n');
      const count = (pattern: RegExp) => lines.filter((line) => pattern.test(line)).length;
      for (const isa of supported()) {
        if (isa !== 'scalar') expect(count(new RegExp(`^PASS ${isa} fused-i8 n=.* exact vs scalar\\b`)), `${isa}: ${report}`).toBe(I8_CASES);
        expect(count(new RegExp(`^PASS ${isa} fused sparse n=.* maxRelErr=\\S+ vs dense$`)), `${isa}: ${report}`).toBe(SPARSE_CASES);
        expect(count(new RegExp(`^PASS ${isa} fused-i8 sparse n=.* exact vs dense$`)), `${isa}: ${report}`).toBe(SPARSE_CASES);
      }
    });
  });
});

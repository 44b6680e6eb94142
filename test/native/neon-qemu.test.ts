// The NEON kernels on an x86 host: cross-compile native/test/kernel-selftest.cc for AArch64
// (static, no addon, no BLAS) and run it under qemu-aarch64-static. The self-test checks every
// supported implementation and path against a double-precision reference; this test checks
// that it ran on NEON, that dispatch chose NEON, and that nothing failed.
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

describe.skipIf(tools.skipReason !== undefined)(`AArch64 NEON kernel self-test under ${QEMU} ${tools.skipReason ?? ''}`, () => {
  let run: ChildOutcome;
  let report: string;

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
    // -cpu max: every AArch64 feature qemu emulates (NEON always; dotprod, SVE, bf16 too).
    run = await runChild(tools.paths[QEMU]!, ['-cpu', 'max', join(buildDir, 'bitbench_selftest')], {
      timeoutMs: RUN_TIMEOUT_MS,
    });
    report = describeOutcome('bitbench_selftest under qemu-aarch64', run);
  }, BUILD_TIMEOUT_MS + RUN_TIMEOUT_MS);

  it('runs to completion and exits 0', () => {
    expect(run.signal, report).toBeNull();
    expect(run.status, report).toBe(0);
  });

  it('runs on AArch64, where NEON is supported and is the best implementation', () => {
    expect(run.stdout, report).toMatch(/^architecture: aarch64$/m);
    expect(run.stdout, report).toMatch(/^features: .*\bneon\b/m);
    expect(run.stdout, report).toMatch(/^implementation neon compiled=yes supported=yes best=yes /m);
    expect(run.stdout, report).toMatch(/^implementation avx2 compiled=no supported=no best=no /m);
    expect(run.stdout, report).toMatch(/^PASS dispatch: best implementation on aarch64 is neon$/m);
  });

  it.each(PATHS)('checked the NEON %s path against the reference', (path) => {
    const neonCases = run.stdout.split('\n').filter((line) => line.startsWith(`PASS neon ${path} n=`));
    // 8 shapes x 3 batches x 2 thread counts, and the two invalid-input checks.
    expect(neonCases.length, report).toBeGreaterThanOrEqual(8 * 3 * 2 + 2);
    expect(run.stdout, report).not.toMatch(new RegExp(`^FAIL neon ${path} `, 'm'));
  });

  it('reports 0 failed and a non-zero number passed', () => {
    const lines = run.stdout.trimEnd().split('\n');
    const summary = /^(\d+) passed, (\d+) failed$/.exec(lines[lines.length - 1] ?? '');
    expect(summary, report).not.toBeNull();
    expect(Number(summary![1]), report).toBeGreaterThan(0);
    expect(Number(summary![2]), report).toBe(0);
    expect(run.stdout, report).not.toMatch(/^FAIL /m);
  });
});

// When Linux refuses AMX tile data (arch_prctl(ARCH_REQ_XCOMP_PERM) fails: a seccomp policy, a
// sigaltstack too small for the tile state), amx-int8 must be unsupported with the reason, the
// default dispatch must fall back to avx512-vnni and say in its kernel name why AMX did not
// run, and nothing may execute a tile instruction (that would be a SIGILL). The refusal is
// real: a small launcher installs a seccomp filter that answers that one arch_prctl with EPERM
// and then runs Node. Only an AMX CPU asks, so elsewhere this skips.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuFeatures } from '../../native/index.js';
import { packTernary } from '../../native/ternary-format.js';
import { repoRoot, runChecked, runChild, describeOutcome, type ChildOutcome } from '../helpers/emulation.js';
import { createRng, randomActivations, randomTernaryWeights } from '../helpers/reference.js';

const addonPath = join(repoRoot, 'build', 'Release', 'bitbench_native.node');
const features = cpuFeatures() as Record<string, boolean>;
const hasAmx = process.arch === 'x64' && process.platform === 'linux' && features.amx_tile && features.amx_int8;

// Denies arch_prctl(ARCH_REQ_XCOMP_PERM, ...) with EPERM, allows every other call, then execs.
const LAUNCHER = String.raw`
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char** argv) {
  struct sock_filter filter[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_arch_prctl, 0, 3),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x1023, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog program = { sizeof(filter) / sizeof(filter[0]), filter };
  if (argc < 2 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
    perror("deny-amx");
    return 111;
  }
  execv(argv[1], argv + 1);
  perror("deny-amx: execv");
  return 112;
}
`;

const CHILD = String.raw`
'use strict';
const addon = require(process.argv[2]);
const input = JSON.parse(process.argv[3]);
const packed = Uint8Array.from(input.packed), x = Float32Array.from(input.x);
(async () => {
  const base = { path: 'fused-i8', n: input.n, k: input.k, batch: input.batch, threads: 2, scale: 1, packed, x };
  const timing = await addon.benchmarkKernel({ ...base, batch: input.batch, warmup: 0, minSamples: 1, maxSamples: 1, minTimeMs: 0 });
  let forced;
  try {
    await addon.runKernel({ ...base, isa: 'amx-int8' });
    forced = { ok: true };
  } catch (error) {
    forced = { ok: false, code: error.code, message: String(error.message) };
  }
  const summary = {
    implementations: addon.implementations(),
    defaultRun: Array.from(await addon.runKernel(base)),
    scalarRun: Array.from(await addon.runKernel({ ...base, isa: 'scalar' })),
    timed: { isa: timing.isa, kernel: timing.kernel },
    forced,
  };
  console.log('SUMMARY ' + JSON.stringify(summary));
})().catch((error) => { console.error(error); process.exit(1); });
`;

interface Summary {
  implementations: { name: string; supported: boolean; best: boolean; missing: string[]; i8Kernel?: string }[];
  defaultRun: number[];
  scalarRun: number[];
  timed: { isa: string; kernel: string };
  forced: { ok: boolean; code?: string; message?: string };
}

describe.skipIf(!hasAmx)(`AMX refused by the OS ${hasAmx ? '' : '(skipped: this CPU has no AMX-INT8, so nothing asks)'}`, () => {
  let workDir: string;
  let outcome: ChildOutcome;
  let summary: Summary | undefined;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'bitbench-amx-refusal-'));
    const source = join(workDir, 'deny-amx.c'), launcher = join(workDir, 'deny-amx');
    writeFileSync(source, LAUNCHER);
    await runChecked('cc', ['-O1', '-o', launcher, source], { timeoutMs: 60_000 });
    const script = join(workDir, 'child.cjs');
    writeFileSync(script, CHILD);
    const rng = createRng(77);
    const n = 70, k = 300, batch = 5;
    const input = { n, k, batch, packed: Array.from(packTernary(randomTernaryWeights(rng, n, k), n, k)), x: Array.from(randomActivations(rng, batch, k)) };
    outcome = await runChild(launcher, [process.execPath, script, addonPath, JSON.stringify(input)], { timeoutMs: 120_000 });
    const line = outcome.stdout.split('\n').find((l) => l.startsWith('SUMMARY '));
    summary = line ? (JSON.parse(line.slice('SUMMARY '.length)) as Summary) : undefined;
  }, 180_000);

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('runs to the end with no signal', () => {
    expect(outcome.signal, describeOutcome('node under the seccomp launcher', outcome)).toBeNull();
    expect(outcome.status, describeOutcome('node under the seccomp launcher', outcome)).toBe(0);
    expect(summary).toBeDefined();
  });

  it('lists amx-int8 unsupported with the refusal, and avx512-vnni as best', () => {
    const amx = summary!.implementations.find((impl) => impl.name === 'amx-int8')!;
    expect(amx).toMatchObject({ supported: false, best: false });
    expect(amx.missing).toEqual([expect.stringMatching(/^AMX tile data permission \(arch_prctl ARCH_REQ_XCOMP_PERM refused: Operation not permitted\)$/)]);
    const vnni = summary!.implementations.find((impl) => impl.name === 'avx512-vnni')!;
    expect(vnni).toMatchObject({ supported: true, best: true });
  });

  it('runs the default fused-i8 on avx512-vnni and says in the result why AMX did not run', () => {
    expect(summary!.timed.isa).toBe('avx512-vnni');
    expect(summary!.timed.kernel).toMatch(/^avx512-vnni fused-i8: vpdpbusd .*; AMX not used: AMX tile data permission \(.*refused/);
    // Integer sums are exact: the fallback gives the scalar kernels' outputs to the bit.
    expect(summary!.defaultRun).toEqual(summary!.scalarRun);
  });

  it('refuses a forced amx-int8 with the ISA error naming the refusal', () => {
    expect(summary!.forced).toMatchObject({ ok: false, code: 'ERR_BITBENCH_ISA_UNSUPPORTED' });
    expect(summary!.forced.message).toMatch(/amx-int8 .*AMX tile data permission/);
  });
});

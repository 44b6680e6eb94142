// The compute probe on x86 CPUs this host is not, under qemu-x86_64-static: a Haswell (AVX2 and
// FMA, no AVX-512) probes avx2 and scalar only, a Nehalem (no AVX) scalar only; forcing a
// probe the CPU lacks is a clear error in a process that carries on (never SIGILL). Under
// emulation the figures mean nothing as rates; they only have to be positive numbers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeOutcome, emulatedCpuEnv, repoRoot, requireTools, runChild } from '../helpers/emulation.js';

const QEMU = 'qemu-x86_64-static';
const tools = requireTools([QEMU], 'Debian/Ubuntu: apt-get install qemu-user-static');
const addonPath = join(repoRoot, 'build', 'Release', 'bitbench_native.node');

// Plain JavaScript, so the emulated Node loads nothing but the addon.
const CHILD = `
const addon = require(process.argv[2]);
(async () => {
  const probes = addon.computeProbes();
  const figures = {};
  for (const p of probes) {
    for (const kind of ['fp32', 'int8']) {
      const { opsPerSecond } = await addon.measurePeak({ isa: p.isa, kind, threads: 2, targetMs: 2, passes: 1 });
      figures[p.isa + ' ' + kind] = opsPerSecond[0];
    }
  }
  const { ghz } = await addon.measureClock({ threads: 1, targetMs: 2, passes: 1 });
  const refused = {};
  for (const isa of ['avx512-vnni', 'avx512', 'avx2']) {
    if (probes.some((p) => p.isa === isa)) continue;
    try { await addon.measurePeak({ isa, kind: 'int8', threads: 1 }); refused[isa] = 'ran'; } catch (e) { refused[isa] = e.code ?? String(e); }
  }
  console.log('BITBENCH_SUMMARY ' + JSON.stringify({ isas: probes.map((p) => p.isa), figures, ghz, refused }));
})();
`;

describe.skipIf(tools.skipReason !== undefined)(`compute probe under ${QEMU} ${tools.skipReason ?? ''}`, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bitbench-probe-qemu-'));
    writeFileSync(join(dir, 'probe.cjs'), CHILD);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['Haswell', ['avx2', 'scalar'], ['avx512-vnni', 'avx512']],
    ['Nehalem', ['scalar'], ['avx512-vnni', 'avx512', 'avx2']],
  ])('-cpu %s probes %j and refuses the rest', async (cpu, expected, refused) => {
    const outcome = await runChild(tools.paths[QEMU]!, ['-cpu', cpu, process.execPath, join(dir, 'probe.cjs'), addonPath], {
      timeoutMs: 240_000,
      env: emulatedCpuEnv(),
    });
    const report = describeOutcome(`node under ${QEMU} -cpu ${cpu}`, outcome);
    expect(outcome.signal, report).toBeNull();
    expect(outcome.status, report).toBe(0);
    const line = outcome.stdout.split('\n').find((l) => l.startsWith('BITBENCH_SUMMARY '));
    const summary = JSON.parse(line!.slice('BITBENCH_SUMMARY '.length)) as {
      isas: string[];
      figures: Record<string, number>;
      ghz: number[];
      refused: Record<string, string>;
    };
    expect(summary.isas).toEqual(expected);
    for (const isa of expected) {
      expect(summary.figures[`${isa} fp32`]).toBeGreaterThan(0);
      expect(summary.figures[`${isa} int8`]).toBeGreaterThan(0);
    }
    expect(summary.ghz[0]).toBeGreaterThan(0);
    for (const isa of refused) expect(summary.refused[isa]).toBe('ERR_BITBENCH_ISA_UNSUPPORTED');
  }, 300_000);
});

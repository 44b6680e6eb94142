// The AVX2 fp32 fused path has two kernels, chosen by CPU (vpermps lookups where cross-lane
// permutes are fast, the sign-bit decode on AMD before Zen 4) or by BITBENCH_AVX2_FUSED. The
// addon reads the variable once, so each choice runs in a child process of its own; both are
// checked against the float64 reference on every machine with AVX2, whichever one it picks,
// and the choice by CPUID is checked under qemu's models of an Intel and two AMD CPUs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AVX2_FUSED_CHOICES, addonPath } from '../../native/addon.js';
import { implementations } from '../../native/index.js';
import { packTernary } from '../../native/ternary-format.js';
import { describeOutcome, emulatedCpuEnv, repoRoot, requireTools, runChild } from '../helpers/emulation.js';
import { runCli } from '../helpers/fleet-fixtures.js';
import {
  createRng,
  randomActivations,
  randomTernaryWeights,
  referenceTernaryMatmul,
  termToleranceViolations,
} from '../helpers/reference.js';

const FP32_TERM_TOLERANCE = 1e-4;
const ABSOLUTE_EPSILON = 1e-6;
const SCALE = 0.37;
const BATCHES = [1, 3, 13, 64] as const;
const THREADS = [1, 2] as const;
// Row counts off the 8-row tile, k off the 15-column (vpermps) and 16-column (sign-bit) words
// and off the sparse kernels' 60- and 64-column blocks.
const SHAPES = [
  { n: 37, k: 70 },
  { n: 16, k: 1000 },
  { n: 130, k: 257 },
] as const;

const CHILD_SCRIPT = `
const { readFileSync } = require('node:fs');
const addon = require(process.argv[2]);
const input = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const avx2 = addon.implementations().find((impl) => impl.name === 'avx2');
const outputs = [];
(async () => {
  for (const c of input.cases) {
    const y = await addon.runKernel({
      path: 'fused', isa: 'avx2', n: c.n, k: c.k, batch: c.batch, threads: c.threads, scale: c.scale,
      packed: Uint8Array.from(c.packed), x: Float32Array.from(c.x), sparseKernel: c.sparse,
    });
    outputs.push(Array.from(y));
  }
  console.log('BITBENCH_CHOICE ' + JSON.stringify({ kernel: avx2 && avx2.fusedKernel, outputs }));
})().catch((error) => { console.error(error); process.exit(1); });
`;

interface Case {
  n: number;
  k: number;
  batch: number;
  threads: number;
  scale: number;
  sparse: boolean;
  weights: Int8Array;
  x: Float32Array;
}

function buildCases(): Case[] {
  const rng = createRng(0x5eed);
  const cases: Case[] = [];
  for (const { n, k } of SHAPES) {
    const weights = randomTernaryWeights(rng, n, k);
    for (const batch of BATCHES)
      for (const threads of THREADS)
        cases.push({ n, k, batch, threads, scale: SCALE, sparse: false, weights, x: randomActivations(rng, batch, k) });
    // Batch 1 with whole 64-column stretches zero (every other one), through the sparse kernel.
    const x = randomActivations(rng, 1, k);
    for (let c = 0; c < k; c++) if (Math.floor(c / 64) % 2 === 1) x[c] = 0;
    cases.push({ n, k, batch: 1, threads: 2, scale: SCALE, sparse: true, weights, x });
  }
  return cases;
}

const avx2Supported = implementations().some((impl) => impl.name === 'avx2' && impl.supported);
const cases = buildCases();
let workDir = '';

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'bitbench-avx2-choice-'));
});

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

async function runChoice(choice: string): Promise<{ kernel: string; outputs: number[][] }> {
  const scriptPath = join(workDir, 'choice-child.cjs');
  writeFileSync(scriptPath, CHILD_SCRIPT);
  const inputPath = join(workDir, `input-${choice}.json`);
  writeFileSync(
    inputPath,
    JSON.stringify({
      cases: cases.map((c) => ({ ...c, weights: undefined, packed: Array.from(packTernary(c.weights, c.n, c.k)), x: Array.from(c.x) })),
    }),
  );
  const outcome = await runChild(process.execPath, [scriptPath, addonPath, inputPath], {
    timeoutMs: 120_000,
    env: { ...process.env, BITBENCH_AVX2_FUSED: choice },
    cwd: repoRoot,
  });
  const line = outcome.stdout.split('\n').find((l) => l.startsWith('BITBENCH_CHOICE '));
  if (!line) throw new Error(describeOutcome(`BITBENCH_AVX2_FUSED=${choice} child`, outcome));
  return JSON.parse(line.slice('BITBENCH_CHOICE '.length)) as { kernel: string; outputs: number[][] };
}

describe.skipIf(!avx2Supported)('the AVX2 fused kernels chosen by BITBENCH_AVX2_FUSED', () => {
  const expectedName: Record<(typeof AVX2_FUSED_CHOICES)[number], RegExp> = {
    vpermps: /^avx2 fused: quintet codes, three vpermps/,
    'sign-bits': /^avx2 fused: sign-bit decode/,
  };

  it.each(AVX2_FUSED_CHOICES)('%s: named in the result and equal to the float64 reference on every shape, batch and thread count', async (choice) => {
    const ran = await runChoice(choice);
    expect(ran.kernel).toMatch(expectedName[choice]);
    expect(ran.outputs).toHaveLength(cases.length);
    cases.forEach((c, i) => {
      const reference = referenceTernaryMatmul(c.weights, c.x, c.n, c.k, c.batch, c.scale);
      const violations = termToleranceViolations(ran.outputs[i]!, reference, FP32_TERM_TOLERANCE, ABSOLUTE_EPSILON);
      const label = `${choice} n=${c.n} k=${c.k} batch=${c.batch} threads=${c.threads}${c.sparse ? ' sparse' : ''}`;
      expect(violations.slice(0, 3), label).toEqual([]);
    });
  }, 180_000);
});

describe('BITBENCH_AVX2_FUSED with a value the dispatch does not know', () => {
  it('stops a kernel run with an error that names the variable and the values it takes', async () => {
    const result = await runCli(['kernel', '--path', 'fused', '--n', '64', '--k', '64'], { BITBENCH_AVX2_FUSED: 'fastest' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/BITBENCH_AVX2_FUSED must be vpermps or sign-bits .*"fastest"/);
    expect(result.stdout).toBe('');
  }, 60_000);
});

const QEMU = 'qemu-x86_64-static';
const qemu = requireTools([QEMU], 'Debian/Ubuntu: apt-get install qemu-user-static');

describe.skipIf(qemu.skipReason !== undefined)('the AVX2 fused kernel dispatch picks by CPUID (under qemu)', () => {
  const NAME_SCRIPT =
    "const a = require(process.argv[1]); console.log('BITBENCH_NAME ' + a.implementations().find((i) => i.name === 'avx2').fusedKernel);";
  it.each([
    ['Haswell', /vpermps/],
    ['EPYC-Rome', /sign-bit decode/],
    ['EPYC-Milan', /sign-bit decode/],
  ] as const)('-cpu %s: %s', async (cpu, expected) => {
    const outcome = await runChild(qemu.paths[QEMU]!, ['-cpu', cpu, process.execPath, '-e', NAME_SCRIPT, addonPath], {
      timeoutMs: 120_000,
      env: emulatedCpuEnv({ BITBENCH_AVX2_FUSED: '' }),
    });
    const line = outcome.stdout.split('\n').find((l) => l.startsWith('BITBENCH_NAME '));
    expect(line, describeOutcome(`node under ${QEMU} -cpu ${cpu}`, outcome)).toMatch(expected);
  }, 150_000);
});

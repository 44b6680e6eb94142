// Bad requests through the typed API (runPath) are rejected with an error of the right class
// whose message names the argument and what was expected; never a crash, never a result.
import { describe, expect, it } from 'vitest';
import { addon } from '../../native/addon.js';
import { implementations, packTernary, resolveIsa, runPath, type RunPathOptions } from '../../native/index.js';
import { createRng, randomActivations, randomTernaryWeights } from '../helpers/reference.js';

const N = 3;
const K = 10; // rows of ceil(10 / 4) = 3 bytes: weights hold 9 bytes
const BATCH = 2; // x holds 2 * 10 = 20 floats
const rng = createRng(99);
const packed = packTernary(randomTernaryWeights(rng, N, K), N, K);
const x = randomActivations(rng, BATCH, K);

function valid(): RunPathOptions {
  return { path: 'fused', weights: packed, n: N, k: K, x, batch: BATCH, threads: 1, scale: 0.5 };
}

/** runPath with some fields replaced by values its types would not allow. */
function runWith(overrides: Record<string, unknown>): Promise<Float32Array> {
  return runPath({ ...valid(), ...overrides } as RunPathOptions);
}

type ErrorClass = typeof Error | typeof RangeError | typeof TypeError;

async function expectRejected(promise: Promise<unknown>, errorClass: ErrorClass, message: RegExp): Promise<void> {
  await expect(promise).rejects.toThrow(errorClass);
  await expect(promise).rejects.toThrow(message);
}

describe('runPath rejects bad input', () => {
  it('the valid request used as a base resolves', async () => {
    const y = await runPath(valid());
    expect(y).toBeInstanceOf(Float32Array);
    expect(y.length).toBe(BATCH * N);
  });

  it('weights of the wrong length: RangeError naming weights (what the caller passed) and the expected length', async () => {
    for (const length of [0, 8, 10, 12]) {
      await expectRejected(runWith({ weights: new Uint8Array(length) }), RangeError, /weights.*\b9\b/);
      await expectRejected(runWith({ weights: new Uint8Array(length) }), RangeError, new RegExp(`holds ${length}\\b`));
      // The addon's own name for the field means nothing to a caller of runPath.
      await expect(runWith({ weights: new Uint8Array(length) })).rejects.not.toThrow(/\bpacked\b/);
    }
  });

  it('weights of the wrong type: TypeError naming weights', async () => {
    for (const weights of [new Int8Array(9), new Float32Array(9), new Uint8ClampedArray(9), Array.from(packed), null, undefined, 'abc']) {
      await expectRejected(runWith({ weights }), TypeError, /for weights/);
    }
  });

  it('x of the wrong length: RangeError naming x and the expected length', async () => {
    for (const length of [0, 10, 19, 21, 40]) {
      await expectRejected(runWith({ x: new Float32Array(length) }), RangeError, /x to hold.*\b20\b/);
    }
    // A batch that does not match x is the same mistake seen from the other side.
    await expectRejected(runWith({ batch: 3 }), RangeError, /x to hold batch \* k = 30 .* holds 20/);
  });

  it('x of the wrong type: TypeError naming x', async () => {
    for (const value of [new Float64Array(20), new Uint8Array(20), Array.from(x), null, undefined, 7]) {
      await expectRejected(runWith({ x: value }), TypeError, /for x/);
    }
  });

  describe.each(['n', 'k'] as const)('dimension %s', (name) => {
    it.each([-3, -1, 0, 0.5, 1.5, Number.NaN, Infinity, -Infinity, 1e300, 2 ** 21])(
      'rejects %s with a RangeError naming it',
      async (value) => {
        await expectRejected(runWith({ [name]: value }), RangeError, new RegExp(`for ${name}\\b`));
      },
    );

    it.each(['4', '', null, undefined, true, {}, [4], 4n])('rejects %s with a TypeError naming it', async (value) => {
      await expectRejected(runWith({ [name]: value }), TypeError, new RegExp(`for ${name}\\b`));
    });

    it('says what was expected and what was received', async () => {
      await expectRejected(runWith({ [name]: -3 }), RangeError, new RegExp(`Expected a positive integer for ${name} but received -3`));
      await expectRejected(runWith({ [name]: 'four' }), TypeError, new RegExp(`for ${name} but received 'four'`));
    });
  });

  it('batch 0, negative or fractional: RangeError naming batch', async () => {
    for (const batch of [0, -1, 1.5, Number.NaN, 1e9]) {
      await expectRejected(runWith({ batch }), RangeError, /for batch/);
    }
    await expectRejected(runWith({ batch: '2' }), TypeError, /for batch/);
  });

  it('threads 0, negative, fractional or absurd: RangeError naming threads', async () => {
    for (const threads of [0, -2, 1.5, Number.NaN, 1e6]) {
      await expectRejected(runWith({ threads }), RangeError, /for threads/);
    }
    await expectRejected(runWith({ threads: '2' }), TypeError, /for threads/);
  });

  it('an unknown path: RangeError naming path and the known paths', async () => {
    for (const path of ['fast', '', 'Fused', 'fused-i8x']) {
      await expectRejected(runWith({ path }), RangeError, /path/);
      await expectRejected(runWith({ path }), RangeError, /baseline, cached-f32, cached-bf16, fused/);
    }
    await expectRejected(runWith({ path: 5 }), TypeError, /path/);
    await expectRejected(runWith({ path: undefined }), TypeError, /path/);
  });

  it('an unknown isa: RangeError naming isa and the known ISAs', async () => {
    for (const isa of ['sse9', 'AVX2', 'avx512-bf16', 'x']) {
      await expectRejected(runWith({ isa }), RangeError, /isa/);
      await expectRejected(runWith({ isa }), RangeError, /scalar/);
    }
  });

  it('an isa that is not a string: TypeError naming isa', async () => {
    for (const isa of [5, true, {}, ['avx2']]) {
      await expectRejected(runWith({ isa }), TypeError, /\bisa\b/);
    }
  });

  const unsupported = implementations().filter((impl) => !impl.supported);

  it.runIf(unsupported.length > 0).each(unsupported.map((impl) => impl.name))(
    'an ISA this CPU or build lacks (%s): Error with code ERR_BITBENCH_ISA_UNSUPPORTED naming it',
    async (isa) => {
      const run = runWith({ isa });
      await expect(run).rejects.toThrow(Error);
      await expect(run).rejects.toThrow(new RegExp(`\\b${isa}\\b`));
      await expect(run).rejects.toMatchObject({ code: 'ERR_BITBENCH_ISA_UNSUPPORTED' });
      await expect(run).rejects.not.toBeInstanceOf(RangeError);
      await expect(run).rejects.not.toBeInstanceOf(TypeError);
    },
  );

  it('on x86, neon is not compiled in and is refused with ERR_BITBENCH_ISA_UNSUPPORTED', async () => {
    if (addon.buildInfo().architecture !== 'x86_64') return;
    const run = runWith({ isa: 'neon' });
    await expect(run).rejects.toThrow(/neon/);
    await expect(run).rejects.toMatchObject({ code: 'ERR_BITBENCH_ISA_UNSUPPORTED' });
  });

  it('scale that is not a finite number: naming scale', async () => {
    for (const scale of [Number.NaN, Infinity, -Infinity, 1e31]) {
      await expectRejected(runWith({ scale }), RangeError, /for scale/);
    }
    await expectRejected(runWith({ scale: '0.5' }), TypeError, /for scale/);
  });

  it('useBlas that is not a boolean: TypeError naming useBlas', async () => {
    await expectRejected(runWith({ useBlas: 'yes' }), TypeError, /for useBlas/);
    await expectRejected(runWith({ useBlas: 1 }), TypeError, /for useBlas/);
  });

  it('BITBENCH_ISA naming an unknown ISA: RangeError naming BITBENCH_ISA', () => {
    expect(() => resolveIsa(undefined, { BITBENCH_ISA: 'sse9' })).toThrow(RangeError);
    expect(() => resolveIsa(undefined, { BITBENCH_ISA: 'sse9' })).toThrow(/BITBENCH_ISA/);
    expect(resolveIsa('scalar', { BITBENCH_ISA: 'sse9' })).toBe('scalar');
  });
});

describe('the raw addon defends itself the same way', () => {
  const spec = { path: 'fused', n: N, k: K, batch: BATCH, threads: 1, packed, x };

  it('an unknown isa: RangeError naming isa', () => {
    expect(() => addon.runKernel({ ...spec, isa: 'sse9' } as never)).toThrow(RangeError);
    expect(() => addon.runKernel({ ...spec, isa: 'sse9' } as never)).toThrow(/isa/);
  });

  it('an ISA this CPU or build lacks: Error with code ERR_BITBENCH_ISA_UNSUPPORTED', () => {
    const lacking = implementations().find((impl) => !impl.supported);
    if (!lacking) return;
    let caught: unknown;
    try {
      addon.runKernel({ ...spec, isa: lacking.name } as never);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as { code?: string }).code).toBe('ERR_BITBENCH_ISA_UNSUPPORTED');
    expect((caught as Error).message).toContain(lacking.name);
  });

  it('benchmarkKernel: maxSamples below minSamples is a RangeError naming both', () => {
    const bench = { path: 'fused', n: N, k: K, batch: 1, threads: 1, minSamples: 5, maxSamples: 2, minTimeMs: 0, warmup: 0 };
    expect(() => addon.benchmarkKernel(bench as never)).toThrow(RangeError);
    expect(() => addon.benchmarkKernel(bench as never)).toThrow(/maxSamples.*minSamples/);
  });
});

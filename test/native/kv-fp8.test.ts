// The fp8 KV formats' conversions (native/src/model/fp8.h) against an exact reference written
// from the formats' definitions: every code decoded, every code round-tripped, the midpoints
// between neighbours and the floats either side of them, saturation and NaN.
import { describe, expect, it } from 'vitest';
import { decodeFp8, encodeFp8 } from '../../native/kv-cache.js';
import { decodeFp8Reference, encodeFp8Reference, fp8MaxFinite, type Fp8Format } from '../helpers/fp8-reference.js';

const ALL_CODES = Uint8Array.from({ length: 256 }, (_, i) => i);

/** The fp32 neighbours of an fp32 value (one unit in the last place either side). */
function neighbours(value: number): [number, number] {
  const bits = new Uint32Array(new Float32Array([value]).buffer)[0]!;
  const below = new Float32Array(new Uint32Array([bits - 1]).buffer)[0]!;
  const above = new Float32Array(new Uint32Array([bits + 1]).buffer)[0]!;
  return [below, above];
}

function isNegative(value: number): boolean {
  return value < 0 || Object.is(value, -0);
}

describe.each<Fp8Format>(['e4m3', 'e5m2'])('fp8 %s', (format) => {
  const decoded = decodeFp8(format, ALL_CODES);
  const max = fp8MaxFinite(format);

  it('decodes all 256 codes exactly, signed zeros, infinities and NaN included', () => {
    for (let code = 0; code < 256; code++) {
      const expected = decodeFp8Reference(format, code);
      const actual = decoded[code]!;
      if (Number.isNaN(expected)) expect(actual, `code ${code}`).toBeNaN();
      else expect(Object.is(actual, expected), `code ${code}: ${actual} vs ${expected}`).toBe(true);
    }
    expect(max).toBe(format === 'e4m3' ? 448 : 57344);
  });

  it('encodes every finite value back to its own code', () => {
    const finite = [...ALL_CODES].filter((c) => Number.isFinite(decoded[c]!));
    const codes = encodeFp8(format, Float32Array.from(finite, (c) => decoded[c]!));
    expect(Array.from(codes)).toEqual(finite);
  });

  it('rounds to nearest even at every midpoint and to the nearer code one ulp either side', () => {
    const values: number[] = [];
    for (let code = 0; code < 0x7f; code++) {
      const low = decodeFp8Reference(format, code), high = decodeFp8Reference(format, code + 1);
      if (!Number.isFinite(high)) continue;
      const middle = (low + high) / 2;  // exact in fp32: one more mantissa bit than fp8 has
      values.push(middle, ...neighbours(middle));
    }
    const all = [...values, ...values.map((v) => -v)];
    const codes = encodeFp8(format, Float32Array.from(all));
    all.forEach((value, i) => expect(codes[i], `${value}`).toBe(encodeFp8Reference(format, value)));
  });

  it('matches the reference on fp32 values across the whole range, subnormals included', () => {
    let state = 12345;
    const values = Float32Array.from({ length: 20000 }, () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const magnitude = 2 ** ((state % 4000) / 100 - 28);  // 2^-28 .. 2^12 (e4m3) or past 2^15 below
      return (state & 1 ? -1 : 1) * magnitude * (format === 'e5m2' ? 16 : 1);
    });
    const codes = encodeFp8(format, values);
    values.forEach((value, i) => expect(codes[i], `${value}`).toBe(encodeFp8Reference(format, value)));
  });

  it('saturates overflow, infinities included, to the largest finite value', () => {
    const [, aboveMax] = neighbours(max);
    const big = [aboveMax, max * 1.04, max * 1.5, 3e38, Infinity];
    const codes = encodeFp8(format, Float32Array.from([...big, ...big.map((v) => -v)]));
    const maxCode = encodeFp8Reference(format, max);
    expect(decodeFp8Reference(format, maxCode)).toBe(max);
    expect(Array.from(codes)).toEqual([...big.map(() => maxCode), ...big.map(() => maxCode | 0x80)]);
  });

  it('encodes NaN as 0x7f, keeping its sign, and decodes 0x7f/0xff as NaN', () => {
    const nan = new Float32Array(new Uint32Array([0x7fc00000, 0xffc00000, 0x7f800001]).buffer);
    expect(Array.from(encodeFp8(format, nan))).toEqual([0x7f, 0xff, 0x7f]);
    expect(decoded[0x7f]).toBeNaN();
    expect(decoded[0xff]).toBeNaN();
  });

  it('keeps the sign of zero and flushes what is below half the smallest subnormal to zero', () => {
    const smallest = decodeFp8Reference(format, 1);
    const [belowHalf] = neighbours(smallest / 2);
    const codes = encodeFp8(format, Float32Array.from([0, -0, smallest / 2, -smallest / 2, belowHalf, smallest * 0.75]));
    expect(Array.from(codes)).toEqual([0x00, 0x80, 0x00, 0x80, 0x00, 0x01]);
    expect(isNegative(decoded[0x80]!)).toBe(true);
  });

  it('rejects a bad format or array with an error naming the argument', () => {
    expect(() => encodeFp8('e3m4' as Fp8Format, new Float32Array(1))).toThrow(/format/);
    expect(() => decodeFp8(format, new Float32Array(1) as unknown as Uint8Array)).toThrow(/codes/);
  });
});

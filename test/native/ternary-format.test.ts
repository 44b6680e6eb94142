// The packed ternary format (DESIGN.md, public contract): codes w + 1, four per byte, first
// column in the high bits, rows of ceil(k / 4) bytes, padding code 1; code 3 is invalid, and
// the native side rejects it (and bad padding) when it prepares the weights.
import { describe, expect, it } from 'vitest';
import {
  implementations,
  packedByteLength,
  packedRowBytes,
  packTernary,
  PATHS,
  runPath,
  unpackTernary,
} from '../../native/index.js';
import { createRng, randomActivations, randomTernaryWeights } from '../helpers/reference.js';

const supportedIsas = implementations()
  .filter((impl) => impl.supported)
  .map((impl) => impl.name);

/** The 2-bit code of (row, col) read straight from the bytes, per the public contract. */
function codeAt(packed: Uint8Array, k: number, row: number, col: number): number {
  return (packed[row * Math.ceil(k / 4) + (col >> 2)]! >> (6 - 2 * (col & 3))) & 3;
}

describe('packTernary / unpackTernary', () => {
  it('round-trips random shapes, with padding codes of 1 (bits 01)', () => {
    const rng = createRng(2024);
    const shapes = [
      [1, 1],
      [1, 4],
      [3, 5],
      [2, 6],
      [4, 7],
      [7, 13],
      [1, 64],
      [5, 70],
      [3, 130],
    ];
    for (let i = 0; i < 30; i++) shapes.push([1 + rng.int(20), 1 + rng.int(200)]);
    for (const [n, k] of shapes as [number, number][]) {
      const weights = randomTernaryWeights(rng, n, k);
      const packed = packTernary(weights, n, k);
      expect(packed).toBeInstanceOf(Uint8Array);
      expect(packed.length).toBe(n * Math.ceil(k / 4));
      expect(packedByteLength(n, k)).toBe(packed.length);
      expect(packedRowBytes(k)).toBe(Math.ceil(k / 4));
      const wrong: string[] = [];
      for (let row = 0; row < n; row++) {
        for (let col = 0; col < Math.ceil(k / 4) * 4; col++) {
          // Past column k - 1 the code must be the padding code 1 (zero).
          const expected = col < k ? weights[row * k + col]! + 1 : 1;
          const code = codeAt(packed, k, row, col);
          if (code !== expected) wrong.push(`n=${n} k=${k} row ${row} column ${col}: code ${code}, expected ${expected}`);
        }
      }
      expect(wrong).toEqual([]);
      expect(unpackTernary(packed, n, k)).toEqual(weights);
    }
  });

  it('lays out the first column in the high bits: [-1, 0, 1, 1] -> 0x1A', () => {
    const packed = packTernary(Int8Array.from([-1, 0, 1, 1]), 1, 4);
    expect(Array.from(packed)).toEqual([0b00_01_10_10]);
    expect(packed[0]).toBe(0x1a);
  });

  it('packs a hand-made 2 x 6 example byte for byte', () => {
    // Row 0: [1, 1, 1, 1 | -1, 0] -> 0b10101010, then codes 0, 1 and two padding 1s: 0b00010101.
    // Row 1: [0, -1, 0, 1 | 1, 1] -> 0b01000110, then 2, 2, 1, 1: 0b10100101.
    const weights = Int8Array.from([1, 1, 1, 1, -1, 0, 0, -1, 0, 1, 1, 1]);
    const packed = packTernary(weights, 2, 6);
    expect(Array.from(packed)).toEqual([0b10101010, 0b00010101, 0b01000110, 0b10100101]);
    expect(unpackTernary(packed, 2, 6)).toEqual(weights);
  });

  it('all-zero weights pack to 0x55 bytes', () => {
    expect(Array.from(packTernary(new Int8Array(10), 2, 5))).toEqual([0x55, 0x55, 0x55, 0x55]);
  });

  it('rejects values other than -1, 0 and +1, naming the index', () => {
    for (const bad of [2, -2, 3, 127, -128]) {
      const weights = new Int8Array(8);
      weights[5] = bad;
      expect(() => packTernary(weights, 2, 4)).toThrow(RangeError);
      expect(() => packTernary(weights, 2, 4)).toThrow(/weights\[5\] \(row 1, column 1\)/);
    }
  });

  it('rejects wrong weight lengths, types and dimensions', () => {
    expect(() => packTernary(new Int8Array(7), 2, 4)).toThrow(RangeError);
    expect(() => packTernary(new Int8Array(9), 2, 4)).toThrow(/8/);
    expect(() => packTernary(new Uint8Array(8) as unknown as Int8Array, 2, 4)).toThrow(TypeError);
    expect(() => packTernary([0, 0, 0, 0] as unknown as Int8Array, 1, 4)).toThrow(TypeError);
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity]) {
      expect(() => packTernary(new Int8Array(4), bad, 4)).toThrow(/for n/);
      expect(() => packTernary(new Int8Array(4), 1, bad)).toThrow(/for k/);
      expect(() => unpackTernary(new Uint8Array(1), bad, 4)).toThrow(/for n/);
      expect(() => unpackTernary(new Uint8Array(1), 1, bad)).toThrow(/for k/);
    }
    expect(() => unpackTernary(new Uint8Array(3), 2, 5)).toThrow(RangeError);
  });

  it('unpackTernary rejects code 3, naming the byte, row and column', () => {
    const packed = packTernary(new Int8Array(2 * 6), 2, 6);
    packed[3] = 0b01110101; // row 1, byte 1: column 5 holds code 3
    expect(() => unpackTernary(packed, 2, 6)).toThrow(RangeError);
    expect(() => unpackTernary(packed, 2, 6)).toThrow(/byte 3 \(row 1, column 5\) holds code 3/);
  });
});

describe('native preparation validates packed weights', () => {
  const n = 3;
  const k = 10; // rows of 3 bytes; the last byte holds columns 8, 9 and two padding codes
  const rng = createRng(77);
  const weights = randomTernaryWeights(rng, n, k);
  const x = randomActivations(rng, 2, k);

  it('accepts the valid packing on every path and ISA', async () => {
    const packed = packTernary(weights, n, k);
    for (const isa of supportedIsas) {
      for (const path of PATHS) {
        await expect(runPath({ path, isa, weights: packed, n, k, x, batch: 2 })).resolves.toBeInstanceOf(Float32Array);
      }
    }
  });

  it.each([...PATHS])('%s rejects a byte holding code 3, naming byte, row, column and code 3', async (path) => {
    for (const isa of supportedIsas) {
      // Row 1, byte 1 (byte 4 overall) holds columns 4..7; column 6 sits at bits 3..2.
      const packed = packTernary(weights, n, k);
      packed[4] = packed[4]! | 0b00001100;
      const run = runPath({ path, isa, weights: packed, n, k, x, batch: 2 });
      await expect(run, `${isa} ${path}`).rejects.toThrow(Error);
      await expect(run, `${isa} ${path}`).rejects.toThrow(/byte 4 \(row 1, column 6\) holds code 3/);
    }
  });

  it.each([...PATHS])('%s rejects code 3 in the first column of the first byte', async (path) => {
    const packed = packTernary(weights, n, k);
    packed[0] = packed[0]! | 0b11000000;
    await expect(runPath({ path, weights: packed, n, k, x, batch: 2 })).rejects.toThrow(
      /byte 0 \(row 0, column 0\) holds code 3/,
    );
  });

  it('names the offending padding column, not just the first padding column (every path)', async () => {
    // Column 10 keeps code 1; column 11 (bits 1..0 of byte 8) holds code 0.
    const packed = packTernary(weights, n, k);
    packed[8] = packed[8]! & ~0b00000011;
    for (const path of PATHS) {
      await expect(runPath({ path, weights: packed, n, k, x, batch: 2 }), path).rejects.toThrow(
        /byte 8 \(row 2, column 11\)/,
      );
    }
  });

  it.each([...PATHS])('%s rejects a padding code other than 1 past column k - 1', async (path) => {
    for (const isa of supportedIsas) {
      for (const paddingCode of [0, 2, 3]) {
        // Row 2, last byte (byte 8): columns 8, 9 are weights; column 10 is padding at bits 3..2.
        const packed = packTernary(weights, n, k);
        packed[8] = (packed[8]! & ~0b00001100) | (paddingCode << 2);
        const run = runPath({ path, isa, weights: packed, n, k, x, batch: 2 });
        await expect(run, `${isa} ${path} padding code ${paddingCode}`).rejects.toThrow(/byte 8 \(row 2, column 10\)/);
        await expect(run, `${isa} ${path} padding code ${paddingCode}`).rejects.toThrow(/padding/);
      }
    }
  });
});

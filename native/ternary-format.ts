// The packed ternary format (DESIGN.md, public contract): code c = w + 1 (0, 1, 2), four per
// byte, row-major, row stride ceil(k / 4) bytes, column 4j + m at bits (6 - 2m), padding code 1.

export const CODE_ZERO = 1;

export function packedRowBytes(k: number): number {
  return Math.ceil(k / 4);
}

export function packedByteLength(n: number, k: number): number {
  return n * packedRowBytes(k);
}

function requireDims(n: number, k: number): void {
  for (const [name, value] of [['n', n], ['k', k]] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`Expected a positive integer for ${name} but received ${String(value)}`);
    }
  }
}

/** Packs n x k weights in {-1, 0, +1} (row-major) into the public 2-bit format. */
export function packTernary(weights: Int8Array, n: number, k: number): Uint8Array {
  requireDims(n, k);
  if (!(weights instanceof Int8Array)) {
    throw new TypeError(`Expected an Int8Array for weights but received ${typeof weights}`);
  }
  if (weights.length !== n * k) {
    throw new RangeError(`Expected weights to hold n * k = ${n * k} values but it holds ${weights.length}`);
  }
  const rowBytes = packedRowBytes(k);
  // 0x55 = four codes of 1: padding columns read as zero.
  const packed = new Uint8Array(n * rowBytes).fill(0x55);
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < k; col++) {
      const w = weights[row * k + col]!;
      if (w !== -1 && w !== 0 && w !== 1) {
        throw new RangeError(`Expected weights[${row * k + col}] (row ${row}, column ${col}) to be -1, 0 or 1 but received ${w}`);
      }
      const index = row * rowBytes + (col >> 2);
      const shift = 6 - 2 * (col & 3);
      packed[index] = (packed[index]! & ~(3 << shift)) | ((w + 1) << shift);
    }
  }
  return packed;
}

/** The inverse of packTernary. Throws on code 3. */
export function unpackTernary(packed: Uint8Array, n: number, k: number): Int8Array {
  requireDims(n, k);
  if (packed.length !== packedByteLength(n, k)) {
    throw new RangeError(`Expected packed to hold n * ceil(k / 4) = ${packedByteLength(n, k)} bytes but it holds ${packed.length}`);
  }
  const rowBytes = packedRowBytes(k);
  const weights = new Int8Array(n * k);
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < k; col++) {
      const byteIndex = row * rowBytes + (col >> 2);
      const code = (packed[byteIndex]! >> (6 - 2 * (col & 3))) & 3;
      if (code === 3) {
        throw new RangeError(`Invalid packed weights: byte ${byteIndex} (row ${row}, column ${col}) holds code 3`);
      }
      weights[row * k + col] = code - 1;
    }
  }
  return weights;
}

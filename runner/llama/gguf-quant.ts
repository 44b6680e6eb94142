// Block encoders from bitbench's tensors to ggml's types. Ternary layers come in the public
// packed format (code c = w + 1, four per byte, first column in the high bits) with one fp32
// scale per tensor; ggml's ternary types keep an fp16 scale per block of 256, which gets the
// tensor's scale (as llama.cpp's own BitNet converter does), so the weights are exactly
// bitbench's and the scale is bitbench's rounded to fp16.
//
// TQ2_0 block (66 bytes): 64 bytes of 2-bit codes, then fp16 d. Byte 32h + m holds columns
//   128h + m + 32j at bits 2j (j = 0..3).
// TQ1_0 block (54 bytes): 48 bytes of five trits, 4 bytes of four trits, then fp16 d. Byte m
//   (m < 32) holds columns m + 32j, byte 32 + m (m < 16) columns 160 + m + 16j, j = 0..4 with
//   j = 0 the most significant trit; qh byte m holds columns 240 + m + 4j, j = 0..3, then a
//   zero trit. Each base-3 number q becomes ceil(q * 256 / 243), so a trit is read back as
//   ((byte * 3^j) mod 256) * 3 / 256.
import { floatToBf16, floatToF16 } from './half-float.js';
import { GGML_BLOCKS, ggmlRowBytes, type GgmlTypeName } from './gguf-format.js';

export type TernaryGgmlType = 'TQ2_0' | 'TQ1_0' | 'F16' | 'BF16';

const QK = 256;

function unpackRow(packed: Uint8Array, rowOffset: number, k: number, codes: Uint8Array): void {
  for (let c = 0; c < k; c++) codes[c] = (packed[rowOffset + (c >> 2)]! >> (6 - 2 * (c & 3))) & 3;
}

function encodeTq2Block(codes: Uint8Array, base: number, d: number, out: Uint8Array, at: number): void {
  for (let half = 0; half < 2; half++) {
    const col = base + half * 128;
    for (let m = 0; m < 32; m++) {
      out[at + half * 32 + m] = codes[col + m]! | (codes[col + m + 32]! << 2) | (codes[col + m + 64]! << 4) | (codes[col + m + 96]! << 6);
    }
  }
  out[at + 64] = d & 0xff;
  out[at + 65] = d >> 8;
}

/** ceil(q * 256 / 243): the byte whose top trits, read back by multiplication, are q's. */
function tritByte(q: number): number {
  return Math.floor((q * 256 + 242) / 243);
}

function encodeTq1Block(codes: Uint8Array, base: number, d: number, out: Uint8Array, at: number): void {
  for (let m = 0; m < 32; m++) {
    let q = 0;
    for (let j = 0; j < 5; j++) q = q * 3 + codes[base + m + 32 * j]!;
    out[at + m] = tritByte(q);
  }
  for (let m = 0; m < 16; m++) {
    let q = 0;
    for (let j = 0; j < 5; j++) q = q * 3 + codes[base + 160 + m + 16 * j]!;
    out[at + 32 + m] = tritByte(q);
  }
  for (let m = 0; m < 4; m++) {
    let q = 0;
    for (let j = 0; j < 4; j++) q = q * 3 + codes[base + 240 + m + 4 * j]!;
    out[at + 48 + m] = tritByte(q * 3);
  }
  out[at + 52] = d & 0xff;
  out[at + 53] = d >> 8;
}

/**
 * A ternary tensor (n rows of k, packed) as `type`'s bytes, rows in order. TQ types need k to
 * be a multiple of 256 (ggml's block): anything else is a RangeError naming the width.
 */
export function encodeTernaryRows(type: TernaryGgmlType, packed: Uint8Array, n: number, k: number, scale: number): Uint8Array {
  const rowBytes = ggmlRowBytes(type, k);
  const out = new Uint8Array(rowBytes * n);
  const codes = new Uint8Array(Math.ceil(k / QK) * QK).fill(1);
  const packedRow = Math.ceil(k / 4);
  if (type === 'F16' || type === 'BF16') {
    const toHalf = type === 'F16' ? floatToF16 : floatToBf16;
    const values = [toHalf(-scale), toHalf(0), toHalf(scale)];
    const halves = new Uint16Array(out.buffer, out.byteOffset, n * k);
    for (let row = 0; row < n; row++) {
      unpackRow(packed, row * packedRow, k, codes);
      const at = row * k;
      for (let c = 0; c < k; c++) halves[at + c] = values[codes[c]!]!;
    }
    return out;
  }
  const d = floatToF16(scale);
  const blockBytes = GGML_BLOCKS[type].bytes;
  const encode = type === 'TQ2_0' ? encodeTq2Block : encodeTq1Block;
  for (let row = 0; row < n; row++) {
    unpackRow(packed, row * packedRow, k, codes);
    for (let b = 0; b < k / QK; b++) encode(codes, b * QK, d, out, row * rowBytes + b * blockBytes);
  }
  return out;
}

/** Dense rows (bf16 bit patterns, `k` per row) as Q8_0: per 32 values, d = absmax / 127 in fp16, q = round(x / d). */
export function encodeBf16RowsAsQ8_0(bf16: Uint16Array, k: number): Uint8Array {
  const rows = bf16.length / k;
  const rowBytes = ggmlRowBytes('Q8_0', k);
  const out = new Uint8Array(rowBytes * rows);
  const wide = new Uint32Array(1);
  const value = new Float32Array(wide.buffer);
  const block = new Float32Array(32);
  for (let row = 0; row < rows; row++) {
    for (let b = 0; b < k / 32; b++) {
      let amax = 0;
      for (let i = 0; i < 32; i++) {
        wide[0] = bf16[row * k + b * 32 + i]! << 16;
        block[i] = value[0]!;
        amax = Math.max(amax, Math.abs(value[0]!));
      }
      const d = amax / 127;
      const inverse = d ? 1 / d : 0;
      const at = row * rowBytes + b * 34;
      const dBits = floatToF16(d);
      out[at] = dBits & 0xff;
      out[at + 1] = dBits >> 8;
      for (let i = 0; i < 32; i++) {
        const x = block[i]! * inverse;
        out[at + 2 + i] = (Math.sign(x) * Math.round(Math.abs(x))) & 0xff; // roundf: halves away from zero
      }
    }
  }
  return out;
}

export function isTernaryGgmlType(type: GgmlTypeName): type is TernaryGgmlType {
  return type === 'TQ2_0' || type === 'TQ1_0' || type === 'F16' || type === 'BF16';
}

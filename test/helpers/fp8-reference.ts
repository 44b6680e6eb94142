// Exact fp8 references in plain TypeScript, written from the formats' definitions rather than
// from bit tricks: E4M3 as OCP FP8 (bias 7, no infinity, S.1111.111 NaN, max 448) and E5M2
// (bias 15, IEEE infinity and NaN, max 57344). Encoding picks the nearest finite value, ties
// to the even code, and saturates to the largest finite value (infinity included).
export type Fp8Format = 'e4m3' | 'e5m2';

const LAYOUT = { e4m3: { mantissa: 3, bias: 7 }, e5m2: { mantissa: 2, bias: 15 } } as const;

export function decodeFp8Reference(format: Fp8Format, code: number): number {
  const { mantissa: m, bias } = LAYOUT[format];
  const sign = code & 0x80 ? -1 : 1;
  const exponent = (code & 0x7f) >> m;
  const fraction = code & ((1 << m) - 1);
  const top = (1 << (7 - m)) - 1;
  if (format === 'e4m3' && exponent === top && fraction === (1 << m) - 1) return NaN;
  if (format === 'e5m2' && exponent === top) return fraction === 0 ? sign * Infinity : NaN;
  if (exponent === 0) return sign * (fraction / (1 << m)) * 2 ** (1 - bias);
  return sign * (1 + fraction / (1 << m)) * 2 ** (exponent - bias);
}

/** Non-negative finite codes in increasing value, with their values. */
const finite = new Map<Fp8Format, { codes: number[]; values: number[] }>();
function finiteCodes(format: Fp8Format): { codes: number[]; values: number[] } {
  let table = finite.get(format);
  if (!table) {
    const codes: number[] = [];
    for (let c = 0; c < 0x80; c++) if (Number.isFinite(decodeFp8Reference(format, c))) codes.push(c);
    table = { codes, values: codes.map((c) => decodeFp8Reference(format, c)) };
    finite.set(format, table);
  }
  return table;
}

export function fp8MaxFinite(format: Fp8Format): number {
  const { values } = finiteCodes(format);
  return values[values.length - 1]!;
}

/** The nearest finite value's code, ties to the even code, sign kept; beyond the largest: the largest. */
export function encodeFp8Reference(format: Fp8Format, value: number): number {
  if (Number.isNaN(value)) return 0x7f;
  const sign = value < 0 || Object.is(value, -0) ? 0x80 : 0;
  const magnitude = Math.abs(value);
  const { codes, values } = finiteCodes(format);
  // The first value at or above the magnitude; its neighbour below is the other candidate.
  let low = 0, high = values.length - 1;
  if (magnitude >= values[high]!) return sign | codes[high]!;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (values[middle]! < magnitude) low = middle + 1;
    else high = middle;
  }
  if (low === 0) return sign | codes[0]!;
  const below = low - 1;
  const distanceBelow = magnitude - values[below]!, distanceAbove = values[low]! - magnitude;
  if (distanceBelow < distanceAbove) return sign | codes[below]!;
  if (distanceAbove < distanceBelow) return sign | codes[low]!;
  return sign | ((codes[below]! & 1) === 0 ? codes[below]! : codes[low]!);
}

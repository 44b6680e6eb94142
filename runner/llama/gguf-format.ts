// The GGUF container as llama.cpp reads it (version 3): a header, metadata key/values, tensor
// infos, then each tensor's bytes at an offset aligned to `general.alignment` (32 by default).
// Only what bitbench writes is named here; the format itself is public (ggml's docs/gguf.md).

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Metadata value types. */
export const GGUF_VALUE_TYPES = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

/** ggml tensor types bitbench writes, with ggml's numbers. */
export const GGML_TYPES = {
  F32: 0,
  F16: 1,
  Q8_0: 8,
  BF16: 30,
  TQ1_0: 34,
  TQ2_0: 35,
} as const;
export type GgmlTypeName = keyof typeof GGML_TYPES;

/** Elements per block and bytes per block of each type. */
export const GGML_BLOCKS: Readonly<Record<GgmlTypeName, { elements: number; bytes: number }>> = {
  F32: { elements: 1, bytes: 4 },
  F16: { elements: 1, bytes: 2 },
  BF16: { elements: 1, bytes: 2 },
  Q8_0: { elements: 32, bytes: 34 }, // fp16 d, 32 int8
  TQ2_0: { elements: 256, bytes: 66 }, // 64 bytes of 2-bit codes, fp16 d
  TQ1_0: { elements: 256, bytes: 54 }, // 48 bytes of 5 trits, 4 bytes of 4 trits, fp16 d
};

export function ggmlTypeName(type: number): GgmlTypeName | undefined {
  return (Object.keys(GGML_TYPES) as GgmlTypeName[]).find((name) => GGML_TYPES[name] === type);
}

/** Bytes of one row of `elements` values; throws when the row is not a whole number of blocks. */
export function ggmlRowBytes(type: GgmlTypeName, elements: number): number {
  const block = GGML_BLOCKS[type];
  if (elements % block.elements !== 0) {
    throw new RangeError(`${type} stores rows in blocks of ${block.elements} values; a row of ${elements} is not a whole number of blocks`);
  }
  return (elements / block.elements) * block.bytes;
}

/** Bytes of a tensor; dims as ggml orders them (dims[0] is the row length). */
export function ggmlTensorBytes(type: GgmlTypeName, dims: readonly number[]): number {
  const rows = dims.slice(1).reduce((a, b) => a * b, 1);
  return ggmlRowBytes(type, dims[0] ?? 1) * rows;
}

export function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

/** A metadata value as the writer takes it: the type is explicit, so 1 can be a uint32 or a float. */
export type GgufValue =
  | { type: 'uint32'; value: number }
  | { type: 'int32'; value: number }
  | { type: 'uint64'; value: number }
  | { type: 'float32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'float32[]'; value: ArrayLike<number> }
  | { type: 'int32[]'; value: ArrayLike<number> };

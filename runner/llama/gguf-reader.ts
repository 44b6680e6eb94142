// Reads a GGUF file's header, metadata and tensor infos back, and checks what llama.cpp would
// otherwise fail on deep inside its loader (or not at all): the magic, the version, lengths
// that run past the end, tensor offsets off the alignment or past the file's end. A cached
// model is checked this way before llama.cpp sees it, so a corrupt or truncated file is a
// clear error naming the file, not a crash.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import {
  alignUp,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VALUE_TYPES,
  ggmlTensorBytes,
  ggmlTypeName,
  type GgmlTypeName,
} from './gguf-format.js';

export class GgufFormatError extends Error {
  override name = 'GgufFormatError';
  constructor(readonly file: string, problem: string) {
    super(`${file} is not a usable GGUF file: ${problem}`);
  }
}

export type GgufMetadataValue = number | bigint | boolean | string | GgufMetadataValue[];

export interface GgufTensorInfo {
  name: string;
  dims: number[];
  type: GgmlTypeName;
  /** Relative to dataOffset. */
  offset: number;
  bytes: number;
}

export interface GgufFile {
  version: number;
  metadata: Map<string, GgufMetadataValue>;
  tensors: GgufTensorInfo[];
  alignment: number;
  dataOffset: number;
  fileBytes: number;
}

class FileCursor {
  position = 0;
  private buffer = Buffer.alloc(0);
  private bufferStart = 0;
  constructor(private readonly fd: number, readonly size: number, private readonly path: string) {}

  private take(length: number, what: string): Buffer {
    if (this.position + length > this.size) {
      throw new GgufFormatError(this.path, `it ends at byte ${this.size} while reading ${what} (needs ${this.position + length}); the file is truncated`);
    }
    const end = this.position + length;
    if (this.position < this.bufferStart || end > this.bufferStart + this.buffer.length) {
      const size = Math.min(Math.max(length, 1 << 20), this.size - this.position);
      this.buffer = Buffer.alloc(size);
      readSync(this.fd, this.buffer, 0, size, this.position);
      this.bufferStart = this.position;
    }
    const slice = this.buffer.subarray(this.position - this.bufferStart, end - this.bufferStart);
    this.position = end;
    return slice;
  }
  u8(what: string): number { return this.take(1, what).readUInt8(0); }
  i8(what: string): number { return this.take(1, what).readInt8(0); }
  u16(what: string): number { return this.take(2, what).readUInt16LE(0); }
  i16(what: string): number { return this.take(2, what).readInt16LE(0); }
  u32(what: string): number { return this.take(4, what).readUInt32LE(0); }
  i32(what: string): number { return this.take(4, what).readInt32LE(0); }
  f32(what: string): number { return this.take(4, what).readFloatLE(0); }
  f64(what: string): number { return this.take(8, what).readDoubleLE(0); }
  i64(what: string): bigint { return this.take(8, what).readBigInt64LE(0); }
  u64(what: string): number {
    const value = this.take(8, what).readBigUInt64LE(0);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufFormatError(this.path, `${what} is ${value}, far beyond any real file`);
    return Number(value);
  }
  count(what: string, bytesEach: number): number {
    const n = this.u64(what);
    if (n * bytesEach > this.size - this.position) {
      throw new GgufFormatError(this.path, `${what} is ${n}, more than the ${this.size - this.position} bytes left could hold; the file is truncated or corrupt`);
    }
    return n;
  }
  string(what: string): string {
    const length = this.count(`the length of ${what}`, 1);
    return this.take(length, what).toString('utf8');
  }
}

function readValue(cursor: FileCursor, type: number, what: string, path: string): GgufMetadataValue {
  const t = GGUF_VALUE_TYPES;
  switch (type) {
    case t.uint8: return cursor.u8(what);
    case t.int8: return cursor.i8(what);
    case t.uint16: return cursor.u16(what);
    case t.int16: return cursor.i16(what);
    case t.uint32: return cursor.u32(what);
    case t.int32: return cursor.i32(what);
    case t.float32: return cursor.f32(what);
    case t.bool: return cursor.u8(what) !== 0;
    case t.string: return cursor.string(what);
    case t.uint64: return cursor.u64(what);
    case t.int64: return cursor.i64(what);
    case t.float64: return cursor.f64(what);
    case t.array: {
      const elementType = cursor.u32(`the element type of ${what}`);
      if (elementType === t.array) throw new GgufFormatError(path, `${what} is an array of arrays, which bitbench never writes`);
      const n = cursor.count(`the length of ${what}`, 1);
      const values: GgufMetadataValue[] = new Array(n);
      for (let i = 0; i < n; i++) values[i] = readValue(cursor, elementType, what, path);
      return values;
    }
    default:
      throw new GgufFormatError(path, `${what} has value type ${type}, which GGUF does not define`);
  }
}

/** Parses and checks `path`; throws GgufFormatError naming the first problem. */
export function readGguf(path: string): GgufFile {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const cursor = new FileCursor(fd, size, path);
    const magic = cursor.u32('the magic number');
    if (magic !== GGUF_MAGIC) throw new GgufFormatError(path, `it does not start with "GGUF" (magic 0x${magic.toString(16)})`);
    const version = cursor.u32('the version');
    if (version !== 2 && version !== 3) throw new GgufFormatError(path, `version ${version} (llama.cpp reads 2 and 3)`);
    const tensorCount = cursor.count('the tensor count', 1);
    const metadataCount = cursor.count('the metadata count', 1);
    const metadata = new Map<string, GgufMetadataValue>();
    for (let i = 0; i < metadataCount; i++) {
      const key = cursor.string(`metadata key ${i}`);
      const type = cursor.u32(`the type of ${key}`);
      metadata.set(key, readValue(cursor, type, key, path));
    }
    const alignmentValue = metadata.get('general.alignment');
    const alignment = typeof alignmentValue === 'number' ? alignmentValue : GGUF_DEFAULT_ALIGNMENT;
    if (alignment <= 0 || (alignment & (alignment - 1)) !== 0) throw new GgufFormatError(path, `general.alignment ${alignment} is not a power of two`);
    const tensors: GgufTensorInfo[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const name = cursor.string(`the name of tensor ${i}`);
      const nDims = cursor.u32(`the dimension count of ${name}`);
      if (nDims < 1 || nDims > 4) throw new GgufFormatError(path, `tensor ${name} has ${nDims} dimensions (ggml allows 1 to 4)`);
      const dims: number[] = [];
      for (let d = 0; d < nDims; d++) dims.push(cursor.u64(`dimension ${d} of ${name}`));
      const typeNumber = cursor.u32(`the type of ${name}`);
      const type = ggmlTypeName(typeNumber);
      if (!type) throw new GgufFormatError(path, `tensor ${name} has ggml type ${typeNumber}, which bitbench does not write`);
      const offset = cursor.u64(`the offset of ${name}`);
      if (offset % alignment !== 0) throw new GgufFormatError(path, `tensor ${name} starts at offset ${offset}, not a multiple of the alignment ${alignment}`);
      let bytes: number;
      try {
        bytes = ggmlTensorBytes(type, dims);
      } catch (error) {
        throw new GgufFormatError(path, `tensor ${name}: ${(error as Error).message}`);
      }
      tensors.push({ name, dims, type, offset, bytes });
    }
    const dataOffset = alignUp(cursor.position, alignment);
    for (const tensor of tensors) {
      const end = dataOffset + tensor.offset + tensor.bytes;
      if (end > size) {
        throw new GgufFormatError(path, `tensor ${tensor.name} ends at byte ${end} but the file has ${size}; the file is truncated`);
      }
    }
    return { version, metadata, tensors, alignment, dataOffset, fileBytes: size };
  } finally {
    closeSync(fd);
  }
}

// Writes a GGUF file in one pass: the header, metadata and tensor infos are known up front
// (every tensor's type and shape fixes its size and offset), then each tensor's bytes are
// produced in order, so a multi-gigabyte model never sits in memory whole. The file appears
// under its name only when complete (written beside it, then renamed): a crash leaves no
// half-written model for the cache to pick up.
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import {
  alignUp,
  GGML_TYPES,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VALUE_TYPES,
  GGUF_VERSION,
  ggmlTensorBytes,
  type GgmlTypeName,
  type GgufValue,
} from './gguf-format.js';

/** Receives a tensor's bytes in order; the chunks must add up to the tensor's size exactly. */
export type TensorSink = (chunk: Uint8Array) => Promise<void>;

export interface GgufTensor {
  name: string;
  /** ggml order: dims[0] is the row length (a weight matrix is [inputs, outputs]). */
  dims: readonly number[];
  type: GgmlTypeName;
  write: (sink: TensorSink) => Promise<void>;
}

export class GgufWriteError extends Error {
  override name = 'GgufWriteError';
}

class ByteBuilder {
  private chunks: Buffer[] = [];
  length = 0;
  private push(buffer: Buffer): void {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }
  u32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value >>> 0);
    this.push(b);
  }
  i32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(value);
    this.push(b);
  }
  u64(value: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(value));
    this.push(b);
  }
  f32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.push(b);
  }
  bool(value: boolean): void {
    this.push(Buffer.from([value ? 1 : 0]));
  }
  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  bytes(buffer: Buffer): void {
    this.push(buffer);
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

function writeValue(out: ByteBuilder, value: GgufValue): void {
  const t = GGUF_VALUE_TYPES;
  switch (value.type) {
    case 'uint32': out.u32(t.uint32); out.u32(value.value); return;
    case 'int32': out.u32(t.int32); out.i32(value.value); return;
    case 'uint64': out.u32(t.uint64); out.u64(value.value); return;
    case 'float32': out.u32(t.float32); out.f32(value.value); return;
    case 'bool': out.u32(t.bool); out.bool(value.value); return;
    case 'string': out.u32(t.string); out.string(value.value); return;
    case 'string[]':
      out.u32(t.array); out.u32(t.string); out.u64(value.value.length);
      for (const s of value.value) out.string(s);
      return;
    case 'float32[]': {
      out.u32(t.array); out.u32(t.float32); out.u64(value.value.length);
      const b = Buffer.alloc(4 * value.value.length);
      for (let i = 0; i < value.value.length; i++) b.writeFloatLE(value.value[i]!, 4 * i);
      out.bytes(b);
      return;
    }
    case 'int32[]': {
      out.u32(t.array); out.u32(t.int32); out.u64(value.value.length);
      const b = Buffer.alloc(4 * value.value.length);
      for (let i = 0; i < value.value.length; i++) b.writeInt32LE(value.value[i]!, 4 * i);
      out.bytes(b);
      return;
    }
  }
}

export interface GgufLayout {
  /** Where tensor data starts (aligned). */
  dataOffset: number;
  /** Offsets of each tensor relative to dataOffset, in the order given. */
  tensorOffsets: number[];
  totalBytes: number;
}

/** Header, metadata and tensor infos, and where everything lands, without writing anything. */
export function ggufHeader(metadata: ReadonlyMap<string, GgufValue>, tensors: readonly Omit<GgufTensor, 'write'>[]): { header: Buffer; layout: GgufLayout } {
  const alignmentValue = metadata.get('general.alignment');
  const alignment = alignmentValue?.type === 'uint32' ? alignmentValue.value : GGUF_DEFAULT_ALIGNMENT;
  const out = new ByteBuilder();
  out.u32(GGUF_MAGIC);
  out.u32(GGUF_VERSION);
  out.u64(tensors.length);
  out.u64(metadata.size);
  for (const [key, value] of metadata) {
    out.string(key);
    writeValue(out, value);
  }
  const tensorOffsets: number[] = [];
  let offset = 0;
  const names = new Set<string>();
  for (const tensor of tensors) {
    if (names.has(tensor.name)) throw new GgufWriteError(`two tensors are named ${tensor.name}`);
    names.add(tensor.name);
    out.string(tensor.name);
    out.u32(tensor.dims.length);
    for (const d of tensor.dims) out.u64(d);
    out.u32(GGML_TYPES[tensor.type]);
    out.u64(offset);
    tensorOffsets.push(offset);
    offset = alignUp(offset + ggmlTensorBytes(tensor.type, tensor.dims), alignment);
  }
  const dataOffset = alignUp(out.length, alignment);
  out.bytes(Buffer.alloc(dataOffset - out.length));
  return { header: out.toBuffer(), layout: { dataOffset, tensorOffsets, totalBytes: dataOffset + offset } };
}

/** Bytes the file will take: what the disk check compares with free space. */
export function ggufFileBytes(metadata: ReadonlyMap<string, GgufValue>, tensors: readonly Omit<GgufTensor, 'write'>[]): number {
  return ggufHeader(metadata, tensors).layout.totalBytes;
}

/**
 * Writes the file at `path` (through `path + '.partial'`). Tensor writers run in order; each
 * must hand over exactly its tensor's bytes. Any failure (a full disk: ENOSPC) removes the
 * partial file and rethrows.
 */
export async function writeGguf(path: string, metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensor[]): Promise<GgufLayout> {
  const { header, layout } = ggufHeader(metadata, tensors);
  const alignment = metadata.get('general.alignment')?.value as number | undefined ?? GGUF_DEFAULT_ALIGNMENT;
  const partial = `${path}.partial`;
  let file: FileHandle | undefined;
  try {
    file = await open(partial, 'w');
    const handle = file;
    let position = 0;
    const put = async (chunk: Uint8Array): Promise<void> => {
      let done = 0;
      while (done < chunk.length) {
        const { bytesWritten } = await handle.write(chunk, done, chunk.length - done, position);
        done += bytesWritten;
        position += bytesWritten;
      }
    };
    await put(header);
    for (let i = 0; i < tensors.length; i++) {
      const tensor = tensors[i]!;
      const start = layout.dataOffset + layout.tensorOffsets[i]!;
      const size = ggmlTensorBytes(tensor.type, tensor.dims);
      if (position !== start) await put(new Uint8Array(start - position));
      await tensor.write(async (chunk) => {
        if (position + chunk.length > start + size) {
          throw new GgufWriteError(`tensor ${tensor.name}: its writer produced more than its ${size} bytes`);
        }
        await put(chunk);
      });
      if (position !== start + size) {
        throw new GgufWriteError(`tensor ${tensor.name}: its writer produced ${position - start} of its ${size} bytes`);
      }
    }
    const end = alignUp(position - layout.dataOffset, alignment) + layout.dataOffset;
    if (end > position) await put(new Uint8Array(end - position));
    await file.close();
    file = undefined;
    await rename(partial, path);
    return layout;
  } catch (error) {
    await file?.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
}

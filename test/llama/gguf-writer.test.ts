// The GGUF writer: a written file parses back (ours and node-llama-cpp's parser agree), tensors
// sit at aligned offsets inside the file, TQ2_0 / TQ1_0 blocks decode (here, from the format's
// description) to exactly bitbench's ternary weights and its scale at fp16, and the bytes a
// decode step reads match bitbench's figure.
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticProjection, PROJECTIONS } from '../../native/synthetic-weights.js';
import { f16ToFloat, floatToF16 } from '../../runner/llama/half-float.js';
import { GgufFormatError, readGguf } from '../../runner/llama/gguf-reader.js';
import { DiskSpaceError, ggufWeightBytesPerStep, prepareSyntheticGguf, type LlamaQuant } from '../../runner/llama/synthetic-gguf.js';
import { MODEL_PRESETS } from '../../runner/model-config.js';

const dims = MODEL_PRESETS['tiny-256'];
const nativeDims = { hidden: dims.hidden, ffn: dims.ffn, layers: dims.layers, heads: dims.heads, kvHeads: dims.kvHeads, vocab: dims.vocab, ropeTheta: dims.ropeTheta, rmsEps: dims.rmsEps };
const cache = mkdtempSync(join(tmpdir(), 'bitbench-gguf-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

const spec = (quant: LlamaQuant, seed = 3) => ({ name: 'tiny-256', dims, seed, quant, lmHead: 'bf16' as const });

/** Codes (w + 1) of a TQ2_0 block, from the layout: byte 32h + m holds columns 128h + m + 32j at bits 2j. */
function decodeTq2Block(block: Uint8Array): { codes: number[]; d: number } {
  const codes = new Array<number>(256);
  for (let h = 0; h < 2; h++)
    for (let m = 0; m < 32; m++)
      for (let j = 0; j < 4; j++) codes[128 * h + m + 32 * j] = (block[32 * h + m]! >> (2 * j)) & 3;
  return { codes, d: block[64]! | (block[65]! << 8) };
}

/** Codes of a TQ1_0 block: trit j of byte q is ((q * 3^j) mod 256) * 3 >> 8. */
function decodeTq1Block(block: Uint8Array): { codes: number[]; d: number } {
  const trit = (q: number, j: number) => (((q * 3 ** j) & 255) * 3) >> 8;
  const codes = new Array<number>(256);
  for (let m = 0; m < 32; m++) for (let j = 0; j < 5; j++) codes[m + 32 * j] = trit(block[m]!, j);
  for (let m = 0; m < 16; m++) for (let j = 0; j < 5; j++) codes[160 + m + 16 * j] = trit(block[32 + m]!, j);
  for (let m = 0; m < 4; m++) for (let j = 0; j < 4; j++) codes[240 + m + 4 * j] = trit(block[48 + m]!, j);
  return { codes, d: block[52]! | (block[53]! << 8) };
}

function packedCode(packed: Uint8Array, k: number, row: number, col: number): number {
  return (packed[row * Math.ceil(k / 4) + (col >> 2)]! >> (6 - 2 * (col & 3))) & 3;
}

describe('GGUF writer', () => {
  it('writes a file that parses back: header, metadata, aligned tensor offsets inside the file', async () => {
    const prepared = await prepareSyntheticGguf(spec('tq2_0'), cache);
    const file = readGguf(prepared.path);
    expect(file.version).toBe(3);
    expect(file.alignment).toBe(32);
    expect(file.dataOffset % 32).toBe(0);
    expect(file.metadata.get('general.architecture')).toBe('bitnet');
    expect(file.metadata.get('bitnet.block_count')).toBe(dims.layers);
    expect(file.metadata.get('bitnet.embedding_length')).toBe(dims.hidden);
    expect((file.metadata.get('tokenizer.ggml.tokens') as string[]).length).toBe(dims.vocab);
    expect(file.tensors).toHaveLength(2 + dims.layers * 11);
    for (const t of file.tensors) {
      expect(t.offset % 32, t.name).toBe(0);
      expect(file.dataOffset + t.offset + t.bytes).toBeLessThanOrEqual(file.fileBytes);
    }
    const q = file.tensors.find((t) => t.name === 'blk.0.attn_q.weight')!;
    expect(q).toMatchObject({ type: 'TQ2_0', dims: [dims.hidden, dims.hidden], bytes: (dims.hidden / 256) * 66 * dims.hidden });
    expect(file.tensors.find((t) => t.name === 'token_embd.weight')).toMatchObject({ type: 'BF16', dims: [dims.hidden, dims.vocab] });

    // An independent parser (node-llama-cpp's) reads the same tensors at the same offsets.
    const info = await readGgufFileInfo(prepared.path, { logWarnings: false });
    expect(info.tensorInfo?.map((t) => [t.name, Number(t.offset)])).toEqual(file.tensors.map((t) => [t.name, t.offset]));
    expect(info.metadata.general.architecture).toBe('bitnet');
  });

  it.each([['tq2_0', decodeTq2Block, 66], ['tq1_0', decodeTq1Block, 54]] as const)(
    '%s blocks decode to exactly the ternary weights bitbench generates, with its scale at fp16',
    async (quant, decode, blockBytes) => {
      const prepared = await prepareSyntheticGguf(spec(quant), cache);
      const file = readGguf(prepared.path);
      const bytes = readFileSync(prepared.path);
      const names = ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up', 'ffn_down'];
      for (let layer = 0; layer < dims.layers; layer++) {
        for (const [p, projection] of PROJECTIONS.entries()) {
          const expected = await syntheticProjection(nativeDims, 3, layer, projection);
          const tensor = file.tensors.find((t) => t.name === `blk.${layer}.${names[p]}.weight`)!;
          expect(tensor.dims).toEqual([expected.k, expected.n]);
          const blocksPerRow = expected.k / 256;
          let mismatches = 0;
          for (let row = 0; row < expected.n; row++) {
            for (let b = 0; b < blocksPerRow; b++) {
              const at = file.dataOffset + tensor.offset + (row * blocksPerRow + b) * blockBytes;
              const block = decode(bytes.subarray(at, at + blockBytes));
              expect(block.d).toBe(floatToF16(expected.scale));
              for (let c = 0; c < 256; c++) if (block.codes[c] !== packedCode(expected.packed, expected.k, row, b * 256 + c)) mismatches++;
            }
          }
          expect(mismatches, `blk.${layer}.${names[p]}`).toBe(0);
          expect(Math.abs(f16ToFloat(floatToF16(expected.scale)) - expected.scale) / expected.scale).toBeLessThan(2 ** -11);
        }
      }
    },
  );

  it('bytes per token: TQ2_0 within 2% of bitbench fused, TQ1_0 at 1.6875 bits per ternary weight', () => {
    for (const preset of ['tiny-256', 'bitnet-b1.58-2b-4t'] as const) {
      const d = MODEL_PRESETS[preset];
      const ternary = d.layers * (2 * d.hidden * d.hidden + 2 * d.hidden * d.kvHeads * d.headDim + 3 * d.hidden * d.ffn);
      const tq2 = ggufWeightBytesPerStep({ name: preset, dims: d, seed: 1, quant: 'tq2_0', lmHead: 'bf16' }, 1);
      const tq1 = ggufWeightBytesPerStep({ name: preset, dims: d, seed: 1, quant: 'tq1_0', lmHead: 'bf16' }, 1);
      expect(tq2 - tq1).toBe((ternary / 256) * (66 - 54));
      // bitbench's fused path reads the packed codes (2 bits per weight) and the bf16 head. (Its
      // prepared layouts pad rows per ISA: on AVX-512 the tiny model's padding alone is 5%.)
      const packed = ternary / 4 + d.vocab * d.hidden * 2 + d.hidden * 2;
      expect(Math.abs(tq2 - packed) / packed).toBeLessThan(0.02);
    }
  });

  it('reuses a cached file, and calls a truncated or corrupt one what it is', async () => {
    const first = await prepareSyntheticGguf(spec('tq2_0', 9), cache);
    expect(first.written).toBe(true);
    const again = await prepareSyntheticGguf(spec('tq2_0', 9), cache);
    expect(again).toMatchObject({ path: first.path, written: false });

    truncateSync(first.path, statSync(first.path).size - 1000);
    await expect(prepareSyntheticGguf(spec('tq2_0', 9), cache)).rejects.toThrow(/truncated/);
    expect(() => readGguf(first.path)).toThrow(GgufFormatError);

    writeFileSync(first.path, Buffer.from('GGML not a gguf at all, just bytes'));
    expect(() => readGguf(first.path)).toThrow(/does not start with "GGUF"/);
  });

  it('refuses to write when the disk has no room, naming both figures', async () => {
    const err = await prepareSyntheticGguf(spec('tq1_0', 11), cache, () => 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiskSpaceError);
    expect((err as Error).message).toMatch(/needs .* free/);
  });
});

// llama.cpp needs a vocabulary whose size matches the embedding: a synthetic SentencePiece-style
// one (tokenizer model "llama"): <unk>, <s>, </s>, the 256 byte tokens <0x00>..<0xFF>, then
// unique filler pieces. Nothing is ever tokenized from text (token ids are fed directly), so
// only the size and validity matter.
import type { GgufValue } from './gguf-format.js';

/** llama.cpp's token types. */
const NORMAL = 1, UNKNOWN = 2, CONTROL = 3, BYTE = 6;

export const SYNTHETIC_VOCAB_MINIMUM = 3 + 256;

export class VocabularyTooSmallError extends RangeError {
  override name = 'VocabularyTooSmallError';
}

/** The tokenizer.ggml.* metadata of a synthetic vocabulary of `size` tokens. */
export function syntheticVocabMetadata(size: number): [string, GgufValue][] {
  if (size < SYNTHETIC_VOCAB_MINIMUM) {
    throw new VocabularyTooSmallError(
      `llama.cpp's vocabulary needs at least ${SYNTHETIC_VOCAB_MINIMUM} tokens (3 control tokens and the 256 byte tokens); this model has ${size}`,
    );
  }
  const tokens: string[] = ['<unk>', '<s>', '</s>'];
  const types = new Int32Array(size);
  types[0] = UNKNOWN;
  types[1] = CONTROL;
  types[2] = CONTROL;
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types[3 + b] = BYTE;
  }
  // The word-boundary piece on its own, so text round-trips (spaces would otherwise fall back
  // to the three bytes of U+2581 and come back as that character, not a space).
  if (tokens.length < size) {
    types[tokens.length] = NORMAL;
    tokens.push('\u2581');
  }
  for (let id = tokens.length; id < size; id++) {
    tokens.push(`\u2581t${id}`); // "▁t<id>": a word-initial piece, unique per id
    types[id] = NORMAL;
  }
  const scores = new Float32Array(size);
  for (let id = SYNTHETIC_VOCAB_MINIMUM; id < size; id++) scores[id] = -id;
  return [
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'string[]', value: tokens }],
    ['tokenizer.ggml.scores', { type: 'float32[]', value: scores }],
    ['tokenizer.ggml.token_type', { type: 'int32[]', value: types }],
    ['tokenizer.ggml.unknown_token_id', { type: 'uint32', value: 0 }],
    ['tokenizer.ggml.bos_token_id', { type: 'uint32', value: 1 }],
    ['tokenizer.ggml.eos_token_id', { type: 'uint32', value: 2 }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
  ];
}

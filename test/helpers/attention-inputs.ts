// Inputs shared by the attention tests: a small seeded generator and bf16 rounding (the
// cache stores bf16, so references round the same way).

/** Numbers in [0, 1) from a 32-bit linear congruential generator: same seed, same sequence. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** value rounded to the nearest bf16 (ties to even), as a number. */
export function bf16(value: number): number {
  const bits = new Uint32Array(new Float32Array([value]).buffer)[0]!;
  const rounded = (bits + 0x7fff + ((bits >>> 16) & 1)) & 0xffff0000;
  return new Float32Array(new Uint32Array([rounded >>> 0]).buffer)[0]!;
}

// The typed wrapper of the addon's KV cache functions: fp8 conversions of whole arrays and
// decode attention over a cache in any KV format (what tests compare with references).
import { nativeAddon, type AddonAttendSpec, type Fp8Format } from './addon.js';

export type { AddonAttendSpec as AttendSpec, Fp8Format };

/** fp8 codes of `values`: round to nearest even, saturating to the largest finite value; NaN to 0x7f (sign kept). */
export function encodeFp8(format: Fp8Format, values: Float32Array): Uint8Array {
  return nativeAddon().encodeFp8(format, values);
}

/** The exact value of each fp8 code. */
export function decodeFp8(format: Fp8Format, codes: Uint8Array): Float32Array {
  return nativeAddon().decodeFp8(format, codes);
}

/** One query row attending over `positions` keys and values stored in the `kv` format. */
export function attendKv(spec: AddonAttendSpec): Promise<Float32Array> {
  return nativeAddon().attendKv(spec);
}

import { describe, expect, it } from 'vitest';
import { unexposedIsaFlags, unexposedIsaNote } from '../../runner/fingerprint/unexposed-isa.js';

describe('unexposedIsaFlags', () => {
  it('names the AVX-512 a hypervisor hid from a Zen 4 that shows AVX2 only', () => {
    const guest = { avx2: true, fma: true, avx512f: false, avx512bw: false, avx512_vnni: false, neon: false };
    expect(unexposedIsaFlags('zen4', guest)).toEqual(['avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx512_bf16']);
    expect(unexposedIsaNote('zen4', unexposedIsaFlags('zen4', guest))).toBe(
      'not exposed here: avx512f avx512bw avx512vl avx512_vnni avx512_bf16 (zen4 cores have them; hidden by the hypervisor or not enabled by the kernel)',
    );
  });

  it('names the AMX tiles a kernel did not enable on a Sapphire Rapids class part', () => {
    const flags = ['avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx512_bf16', 'avx_vnni'];
    expect(unexposedIsaFlags('sapphirerapids-or-later', flags)).toEqual(['amx_tile', 'amx_int8', 'amx_bf16']);
  });

  it('says nothing where everything the part has is there, or where the part is not known', () => {
    const zen3 = { avx2: true, fma: true };
    expect(unexposedIsaFlags('zen3', zen3)).toEqual([]);
    expect(unexposedIsaNote('zen3', [])).toBeNull();
    // Client parts whose AVX-512 Intel fused off claim none of it.
    expect(unexposedIsaFlags('alderlake', { avx2: true, fma: true, avx_vnni: true })).toEqual([]);
    expect(unexposedIsaFlags('unknown', {})).toEqual([]);
    expect(unexposedIsaFlags('neoverse-v1', { neon: true })).toEqual([]);
    expect(unexposedIsaFlags(null, {})).toEqual([]);
  });
});

// The benchmark scripts run each fp32 / bf16 / int8 kernel once, on the plainest ISA that has it.
import { describe, expect, it } from 'vitest';
import { distinctKernelIsas, kernelIsas } from '../../bench/kernel-isas.js';
import type { Implementation, IsaName } from '../../native/index.js';

function impl(name: IsaName, fusedKernel: string, i8Kernel: string): Implementation {
  return { name, compiled: true, supported: true, missing: [], best: false, active: false, fusedKernel, bf16Kernel: fusedKernel, i8Kernel };
}

// As on a Sapphire Rapids, best first: three ISAs share the AVX-512 fp32 kernel, two the AVX2 one.
const impls = [
  impl('amx-int8', 'avx512 fused', 'amx'),
  impl('avx512-vnni', 'avx512 fused', 'vnni'),
  impl('avx512', 'avx512 fused', 'avx512bw'),
  impl('avx-vnni', 'avx2 fused', 'avx-vnni'),
  impl('avx2', 'avx2 fused', 'avx2'),
];

describe('kernel ISAs', () => {
  it('runs each fp32 kernel once, on the plainest ISA that has it', () => {
    expect(distinctKernelIsas('fused', impls)).toEqual(['avx512', 'avx2']);
    expect(kernelIsas('fused', impls).get('amx-int8')).toBe('avx512');
    expect(kernelIsas('fused', impls).get('avx-vnni')).toBe('avx2');
  });

  it('runs every ISA whose int8 kernel is its own', () => {
    expect(distinctKernelIsas('fused-i8', impls)).toEqual(['amx-int8', 'avx512-vnni', 'avx512', 'avx-vnni', 'avx2']);
  });

  it('keeps a lone ISA', () => {
    expect(distinctKernelIsas('fused', [impl('avx2', 'avx2 fused', 'avx2')])).toEqual(['avx2']);
  });
});

// ISAs that differ only in their int8 kernels (amx-int8, avx512-vnni and avx512; avx-vnni and
// avx2) run the same fp32 fused and cached-bf16 kernels. A benchmark runs each kernel once, on
// the plainest ISA that has it (avx512, avx2), and reads a figure asked for another ISA of the
// group from that cell.
import type { Implementation, IsaName } from '../native/index.js';

export type PerIsaPath = 'cached-bf16' | 'fused' | 'fused-i8';

const kernelOf: Record<PerIsaPath, (impl: Implementation) => string | undefined> = {
  'cached-bf16': (impl) => impl.bf16Kernel,
  fused: (impl) => impl.fusedKernel,
  'fused-i8': (impl) => impl.i8Kernel,
};

/** For each of `impls` (best first), the plainest ISA among them running the same `path` kernel. */
export function kernelIsas(path: PerIsaPath, impls: readonly Implementation[]): Map<IsaName, IsaName> {
  const byKernel = new Map<string | undefined, IsaName>();
  const isaOf = new Map<IsaName, IsaName>();
  for (const impl of [...impls].reverse()) {
    const kernel = kernelOf[path](impl);
    if (!byKernel.has(kernel)) byKernel.set(kernel, impl.name);
    isaOf.set(impl.name, byKernel.get(kernel)!);
  }
  return isaOf;
}

/** The ISAs of `impls` (best first) that run a `path` kernel of their own: one per kernel. */
export function distinctKernelIsas(path: PerIsaPath, impls: readonly Implementation[]): IsaName[] {
  const isaOf = kernelIsas(path, impls);
  return impls.map((impl) => impl.name).filter((name) => isaOf.get(name) === name);
}

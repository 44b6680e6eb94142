// bitbench's native kernel API: pack ternary weights, run a compute path, list ISAs.
export { packTernary, unpackTernary, packedRowBytes, packedByteLength } from './ternary-format.js';
export {
  PATHS,
  ISAS,
  implementations,
  resolveIsa,
  cpuFeatures,
  buildInfo,
  runPath,
  timeKernel,
  type Implementation,
  type RunPathOptions,
  type TimeKernelOptions,
  type KernelTiming,
  type IsaName,
  type PathName,
  type CacheMode,
} from './kernels.js';

// bitbench's native API: pack ternary weights, run a compute path, list ISAs, run the model,
// probe the memory bandwidth. The addon loads on the first call that needs it.
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
  type SparsityPattern,
} from './kernels.js';
export {
  estimateModelBytes,
  benchmarkModel,
  runModel,
  type ModelBenchmark,
  type ModelDims,
  type ModelSpec,
  type ModelRunSpec,
  type KvDtype,
  type KvFill,
  type LmHeadDtype,
} from './model.js';
export { measureBandwidth, type BandwidthSpec, type BandwidthSample } from './bandwidth.js';

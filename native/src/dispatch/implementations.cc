#include "implementations.h"

#include "../kernels/isa-tables.h"

namespace bitbench {

namespace {

#if defined(BITBENCH_HAVE_X86_KERNELS)
const KernelTable* avx512ForCpu(const CpuFeatures& cpu) {
  if (!cpu.has(Feature::kAvx512bf16)) return &avx512Table();
  static const KernelTable withBf16Dot = [] {
    KernelTable table = avx512Table();
    table.denseBf16KernelName = kAvx512Bf16DotKernelName;
    table.denseBf16Run = avx512Bf16DotRows;
    table.denseBf16ReadsBf16Activations = true;
    return table;
  }();
  return &withBf16Dot;
}
const KernelTable* avx2ForCpu(const CpuFeatures&) { return &avx2Table(); }
#endif
#if defined(BITBENCH_HAVE_NEON_KERNELS)
const KernelTable* neonForCpu(const CpuFeatures&) { return &neonTable(); }
#endif
const KernelTable* scalarForCpu(const CpuFeatures&) { return &scalarTable(); }

std::vector<Implementation> buildList() {
  std::vector<Implementation> list;
#if defined(BITBENCH_HAVE_X86_KERNELS)
  list.push_back({"avx512",
                  {Feature::kAvx2, Feature::kFma, Feature::kAvx512f, Feature::kAvx512bw,
                   Feature::kAvx512vl, Feature::kAvx512dq},
                  true,
                  avx512ForCpu});
  list.push_back({"avx2", {Feature::kAvx2, Feature::kFma}, true, avx2ForCpu});
  list.push_back({"neon", {Feature::kNeon}, false, nullptr});
#elif defined(BITBENCH_HAVE_NEON_KERNELS)
  list.push_back({"avx512",
                  {Feature::kAvx2, Feature::kFma, Feature::kAvx512f, Feature::kAvx512bw,
                   Feature::kAvx512vl, Feature::kAvx512dq},
                  false,
                  nullptr});
  list.push_back({"avx2", {Feature::kAvx2, Feature::kFma}, false, nullptr});
  list.push_back({"neon", {Feature::kNeon}, true, neonForCpu});
#else
  list.push_back({"avx512", {Feature::kAvx512f}, false, nullptr});
  list.push_back({"avx2", {Feature::kAvx2}, false, nullptr});
  list.push_back({"neon", {Feature::kNeon}, false, nullptr});
#endif
  list.push_back({"scalar", {}, true, scalarForCpu});
  return list;
}

}  // namespace

const std::vector<Implementation>& allImplementations() {
  static const std::vector<Implementation> list = buildList();
  return list;
}

std::vector<std::string> missingFeatures(const Implementation& impl, const CpuFeatures& cpu) {
  std::vector<std::string> missing;
  for (Feature f : impl.required)
    if (!cpu.has(f)) missing.push_back(featureName(f));
  return missing;
}

bool isSupported(const Implementation& impl, const CpuFeatures& cpu) {
  return impl.compiled && missingFeatures(impl, cpu).empty();
}

const Implementation& bestImplementation() {
  for (const Implementation& impl : allImplementations())
    if (isSupported(impl, cpuFeatures())) return impl;
  return allImplementations().back();
}

const Implementation& supportedImplementation(const std::string& name) {
  std::string known;
  for (const Implementation& impl : allImplementations()) {
    known += (known.empty() ? "" : ", ") + std::string(impl.name);
    if (name != impl.name) continue;
    if (!impl.compiled)
      throw IsaUnsupportedError("ISA " + name + " is not available: this build is for " +
                                buildArchitecture() + " and does not contain " + name + " kernels");
    const std::vector<std::string> missing = missingFeatures(impl, cpuFeatures());
    if (!missing.empty()) {
      std::string list;
      for (const std::string& f : missing) list += (list.empty() ? "" : ", ") + f;
      throw IsaUnsupportedError("ISA " + name + " is not supported on this CPU: missing " + list);
    }
    return impl;
  }
  throw std::invalid_argument("Expected isa to be one of " + known + " but received '" + name + "'");
}

}  // namespace bitbench

#include "implementations.h"

#include "../kernels/isa-tables.h"
#include "amx-permission.h"

#include <cstdlib>
#include <string>

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
// The vpermps lookups where cross-lane permutes are fast, else the sign-bit decode (Zen 3,
// 4096x4096 hot, 2 threads: 0.39 against 0.43 ms; Zen 4: 0.33 against 0.25 ms). The
// environment variable BITBENCH_AVX2_FUSED (vpermps or sign-bits) overrides the choice, so
// that both can be tested and compared on one machine.
const KernelTable* avx2ForCpu(const CpuFeatures&) {
  static const KernelTable* chosen = [] {
    const char* forced = std::getenv("BITBENCH_AVX2_FUSED");
    const std::string name = forced ? forced : "";
    if (name == "vpermps") return &avx2Table();
    if (name == "sign-bits") return &avx2SignBitsTable();
    // Any other value is refused by native/addon.ts before the addon loads.
    return slowCrossLanePermute() ? &avx2SignBitsTable() : &avx2Table();
  }();
  return chosen;
}
// GFNI unpacks batch 1's code planes in fewer instructions (avx512-vnni-i8.inl), and faster
// everywhere measured but Zen 4, which masks them into scaled sums (scaledPlanes).
bool gfniPlanes(const CpuFeatures& cpu) { return cpu.has(Feature::kGfni) && !scaledPlanes(); }
const I8KernelTable* avx512VnniI8ForCpu(const CpuFeatures& cpu) {
  if (scaledPlanes()) return &avx512VnniScaledI8HardwarePrefetchTable();  // Zen 4: no AMX
  const bool gfni = gfniPlanes(cpu);
  if (streamsOnHardwarePrefetch())  // Zen 5: no AMX
    return gfni ? &avx512VnniGfniI8HardwarePrefetchTable() : &avx512VnniI8HardwarePrefetchTable();
  const I8KernelTable& table = gfni ? avx512VnniGfniI8Table() : avx512VnniI8Table();
  if (!cpu.has(Feature::kAmxTile) || !cpu.has(Feature::kAmxInt8) || amxPermissionRefusal().empty()) return &table;
  // An AMX CPU on which the OS refused tile data: the result says why AMX did not run.
  static const std::string name = std::string(table.name) + "; AMX not used: " + amxPermissionRefusal();
  static const I8KernelTable withReason = [&] {
    I8KernelTable copy = table;
    copy.name = name.c_str();
    return copy;
  }();
  return &withReason;
}
const I8KernelTable* amxInt8ForCpu(const CpuFeatures& cpu) {
  return gfniPlanes(cpu) ? &amxInt8GfniTable() : &amxInt8Table();
}
const I8KernelTable* avx512I8ForCpu(const CpuFeatures&) {
  return streamsOnHardwarePrefetch() ? &avx512I8HardwarePrefetchTable() : &avx512I8Table();  // Zen 4 and 5
}
const I8KernelTable* avxVnniI8ForCpu(const CpuFeatures&) {
  return streamsOnHardwarePrefetch() ? &avxVnniI8HardwarePrefetchTable() : &avxVnniI8Table();  // Zen 5
}
const I8KernelTable* avx2I8ForCpu(const CpuFeatures&) {
  return avx2StreamsOnHardwarePrefetch() ? &avx2I8HardwarePrefetchTable() : &avx2I8Table();  // Zen 5
}
#endif
#if defined(BITBENCH_HAVE_NEON_KERNELS)
const KernelTable* neonForCpu(const CpuFeatures&) { return &neonTable(); }
const I8KernelTable* neonDotprodI8ForCpu(const CpuFeatures&) { return &neonDotprodI8Table(); }
const I8KernelTable* neonI8ForCpu(const CpuFeatures&) { return &neonI8Table(); }
#endif
const KernelTable* scalarForCpu(const CpuFeatures&) { return &scalarTable(); }
const I8KernelTable* scalarI8ForCpu(const CpuFeatures&) { return &scalarI8Table(); }

std::vector<Feature> withFeature(std::vector<Feature> features, Feature extra) {
  features.push_back(extra);
  return features;
}

// A build without an ISA's kernels still lists it, uncompiled, with the features it needs.
std::vector<Implementation> buildList() {
  std::vector<Implementation> list;
  const std::vector<Feature> avx512 = {Feature::kAvx2,     Feature::kFma,      Feature::kAvx512f,
                                       Feature::kAvx512bw, Feature::kAvx512vl, Feature::kAvx512dq};
  const std::vector<Feature> avx512Vnni = withFeature(avx512, Feature::kAvx512vnni);
  const std::vector<Feature> amxInt8 = withFeature(withFeature(avx512Vnni, Feature::kAmxTile), Feature::kAmxInt8);
  const std::vector<Feature> avxVnni = {Feature::kAvx2, Feature::kFma, Feature::kAvxVnni};
  const std::vector<Feature> avx2 = {Feature::kAvx2, Feature::kFma};
  const std::vector<Feature> neonDotprod = {Feature::kNeon, Feature::kDotprod};
  const std::vector<Feature> neon = {Feature::kNeon};
#if defined(BITBENCH_HAVE_X86_KERNELS)
  // amx-int8, avx512-vnni and avx-vnni differ from avx512 and avx2 only in their fused-i8
  // kernels (amx-int8 from avx512-vnni only at batch > 1).
  list.push_back({"amx-int8", amxInt8, true, avx512ForCpu, amxInt8ForCpu, amxPermissionRefusal});
  list.push_back({"avx512-vnni", avx512Vnni, true, avx512ForCpu, avx512VnniI8ForCpu});
  list.push_back({"avx512", avx512, true, avx512ForCpu, avx512I8ForCpu});
  list.push_back({"avx-vnni", avxVnni, true, avx2ForCpu, avxVnniI8ForCpu});
  list.push_back({"avx2", avx2, true, avx2ForCpu, avx2I8ForCpu});
#else
  list.push_back({"amx-int8", amxInt8, false, nullptr, nullptr});
  list.push_back({"avx512-vnni", avx512Vnni, false, nullptr, nullptr});
  list.push_back({"avx512", avx512, false, nullptr, nullptr});
  list.push_back({"avx-vnni", avxVnni, false, nullptr, nullptr});
  list.push_back({"avx2", avx2, false, nullptr, nullptr});
#endif
#if defined(BITBENCH_HAVE_NEON_KERNELS)
  // neon-dotprod differs from neon only in its fused-i8 kernels.
  list.push_back({"neon-dotprod", neonDotprod, true, neonForCpu, neonDotprodI8ForCpu});
  list.push_back({"neon", neon, true, neonForCpu, neonI8ForCpu});
#else
  list.push_back({"neon-dotprod", neonDotprod, false, nullptr, nullptr});
  list.push_back({"neon", neon, false, nullptr, nullptr});
#endif
  list.push_back({"scalar", {}, true, scalarForCpu, scalarI8ForCpu});
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
  if (missing.empty() && impl.compiled && impl.osRefusal && !impl.osRefusal().empty())
    missing.push_back(impl.osRefusal());
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

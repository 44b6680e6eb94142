#include "cpu-features.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace bitbench {

const char* featureName(Feature feature) {
  switch (feature) {
    case Feature::kSse42: return "sse4_2";
    case Feature::kAvx: return "avx";
    case Feature::kAvx2: return "avx2";
    case Feature::kFma: return "fma";
    case Feature::kF16c: return "f16c";
    case Feature::kAvx512f: return "avx512f";
    case Feature::kAvx512bw: return "avx512bw";
    case Feature::kAvx512vl: return "avx512vl";
    case Feature::kAvx512dq: return "avx512dq";
    case Feature::kAvx512cd: return "avx512cd";
    case Feature::kAvx512vnni: return "avx512_vnni";
    case Feature::kAvx512bf16: return "avx512_bf16";
    case Feature::kAvxVnni: return "avx_vnni";
    case Feature::kGfni: return "gfni";
    case Feature::kAmxTile: return "amx_tile";
    case Feature::kAmxInt8: return "amx_int8";
    case Feature::kAmxBf16: return "amx_bf16";
    case Feature::kNeon: return "neon";
    case Feature::kDotprod: return "dotprod";
    case Feature::kI8mm: return "i8mm";
    case Feature::kSve: return "sve";
    case Feature::kSve2: return "sve2";
    case Feature::kArmBf16: return "bf16";
    case Feature::kCount: break;
  }
  return "unknown";
}

namespace {

#if defined(__x86_64__) || defined(_M_X64)
bool bit(unsigned value, int index) { return (value >> index) & 1u; }

uint64_t readXcr0() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (uint64_t{edx} << 32) | eax;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  const unsigned leaf1Ecx = ecx;
  if (bit(leaf1Ecx, 20)) f.set(Feature::kSse42);

  const bool osxsave = bit(leaf1Ecx, 27);
  const uint64_t xcr0 = osxsave ? readXcr0() : 0;
  const bool osAvx = (xcr0 & 0x6) == 0x6;            // SSE and AVX (YMM) state
  const bool osAvx512 = osAvx && (xcr0 & 0xE0) == 0xE0;  // opmask, ZMM_Hi256, Hi16_ZMM
  const bool osAmx = (xcr0 & 0x60000) == 0x60000;    // XTILECFG, XTILEDATA

  if (osAvx && bit(leaf1Ecx, 28)) f.set(Feature::kAvx);
  if (osAvx && bit(leaf1Ecx, 12)) f.set(Feature::kFma);
  if (osAvx && bit(leaf1Ecx, 29)) f.set(Feature::kF16c);

  unsigned maxLeaf = __get_cpuid_max(0, nullptr);
  if (maxLeaf < 7) return f;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  if (osAvx && bit(ebx, 5)) f.set(Feature::kAvx2);
  if (osAvx512) {
    if (bit(ebx, 16)) f.set(Feature::kAvx512f);
    if (bit(ebx, 17)) f.set(Feature::kAvx512dq);
    if (bit(ebx, 28)) f.set(Feature::kAvx512cd);
    if (bit(ebx, 30)) f.set(Feature::kAvx512bw);
    if (bit(ebx, 31)) f.set(Feature::kAvx512vl);
    if (bit(ecx, 11)) f.set(Feature::kAvx512vnni);
  }
  // Counted only where its AVX-512 form can run: the kernels that use it are AVX-512 ones.
  if (osAvx512 && bit(ecx, 8)) f.set(Feature::kGfni);
  if (osAmx) {
    if (bit(edx, 24)) f.set(Feature::kAmxTile);
    if (bit(edx, 25)) f.set(Feature::kAmxInt8);
    if (bit(edx, 22)) f.set(Feature::kAmxBf16);
  }
  const unsigned subleaves = eax;
  if (subleaves >= 1) {
    __cpuid_count(7, 1, eax, ebx, ecx, edx);
    if (osAvx && bit(eax, 4)) f.set(Feature::kAvxVnni);
    if (osAvx512 && bit(eax, 5)) f.set(Feature::kAvx512bf16);
  }
  return f;
}
#elif defined(__aarch64__) && defined(__linux__)
CpuFeatures detect() {
  CpuFeatures f;
  const unsigned long hw = getauxval(AT_HWCAP);
  const unsigned long hw2 = getauxval(AT_HWCAP2);
  if (hw & HWCAP_ASIMD) f.set(Feature::kNeon);
  if (hw & HWCAP_ASIMDDP) f.set(Feature::kDotprod);
  if (hw & HWCAP_SVE) f.set(Feature::kSve);
#ifdef HWCAP2_SVE2
  if (hw2 & HWCAP2_SVE2) f.set(Feature::kSve2);
#endif
#ifdef HWCAP2_I8MM
  if (hw2 & HWCAP2_I8MM) f.set(Feature::kI8mm);
#endif
#ifdef HWCAP2_BF16
  if (hw2 & HWCAP2_BF16) f.set(Feature::kArmBf16);
#endif
  (void)hw2;
  return f;
}
#else
CpuFeatures detect() { return CpuFeatures{}; }
#endif

}  // namespace

const CpuFeatures& cpuFeatures() {
  static const CpuFeatures detected = detect();
  return detected;
}

namespace {

// Family and model of an AMD CPU (CPUID leaf 1, extended fields folded in); family 0 elsewhere.
struct AmdModel {
  unsigned family = 0, model = 0;
};

AmdModel amdModel() {
  AmdModel m;
#if defined(__x86_64__) || defined(_M_X64)
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return m;
  const bool amd = ebx == 0x68747541u && edx == 0x69746e65u && ecx == 0x444d4163u;  // "AuthenticAMD"
  if (!amd || !__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return m;
  const unsigned baseFamily = (eax >> 8) & 0xfu;
  m.family = baseFamily == 0xfu ? baseFamily + ((eax >> 20) & 0xffu) : baseFamily;
  m.model = ((eax >> 4) & 0xfu) | (baseFamily == 0xfu ? ((eax >> 12) & 0xf0u) : 0u);
#endif
  return m;
}

// Family 1Ah is Zen 5 (and Zen 5c), every model.
bool isZen5(const AmdModel& m) { return m.family == 0x1a; }

// Family 19h: Zen 3 is models 00h-0Fh and 20h-5Fh, Zen 4 10h-1Fh, 60h-7Fh and A0h-AFh.
bool isZen4(const AmdModel& m) {
  return m.family == 0x19 && ((m.model >= 0x10 && m.model < 0x20) || (m.model >= 0x60 && m.model < 0x80) ||
                              (m.model >= 0xa0 && m.model < 0xb0));
}

}  // namespace

bool slowCrossLanePermute() {
  static const bool slow = [] {
    const AmdModel m = amdModel();
    if (m.family == 0) return false;
    if (m.family < 0x19) return true;  // Bulldozer to Zen 2
    return m.family == 0x19 && (m.model < 0x10 || (m.model >= 0x20 && m.model < 0x60));
  }();
  return slow;
}

bool streamsOnHardwarePrefetch() {
  static const bool zen4Or5 = isZen4(amdModel()) || isZen5(amdModel());
  return zen4Or5;
}

bool avx2StreamsOnHardwarePrefetch() {
  static const bool zen5 = isZen5(amdModel());
  return zen5;
}

bool scaledPlanes() {
  static const bool zen4 = isZen4(amdModel());
  return zen4;
}

const char* buildArchitecture() {
#if defined(__x86_64__) || defined(_M_X64)
  return "x86_64";
#elif defined(__aarch64__)
  return "aarch64";
#else
  return "other";
#endif
}

}  // namespace bitbench

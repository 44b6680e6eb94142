#include "amx-permission.h"

#include <cerrno>
#include <cstring>

#if defined(__linux__) && (defined(__x86_64__) || defined(_M_X64))
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace bitbench {

namespace {

std::string request() {
#if defined(__linux__) && (defined(__x86_64__) || defined(_M_X64))
  constexpr long kArchReqXcompPerm = 0x1023;  // asm/prctl.h, not in every libc's headers
  constexpr long kXfeatureXtileData = 18;
  if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtileData) == 0) return "";
  return std::string("AMX tile data permission (arch_prctl ARCH_REQ_XCOMP_PERM refused: ") + std::strerror(errno) + ")";
#else
  return "AMX tile data permission (asked for on Linux x86-64 only)";
#endif
}

}  // namespace

const std::string& amxPermissionRefusal() {
  static const std::string refusal = request();
  return refusal;
}

}  // namespace bitbench

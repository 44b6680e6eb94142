// AMX tile data is the one register state Linux (5.16 and later) hands to a process only when
// asked: without arch_prctl(ARCH_REQ_XCOMP_PERM, XTILEDATA) the first tile load is a SIGILL,
// even where CPUID and XCR0 say AMX is there.
#pragma once
#include <string>

namespace bitbench {

// Asks once per process. Empty when granted; otherwise what is missing and why, in words for
// a result ("AMX tile data permission (... refused: ...)").
const std::string& amxPermissionRefusal();

}  // namespace bitbench

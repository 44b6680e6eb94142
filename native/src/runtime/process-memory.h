// The process's peak resident memory, for the model benchmark's "peak RSS" figure.
#pragma once

namespace bitbench {

// Starts a new peak: Linux's VmHWM is reset through /proc/self/clear_refs, so a run's peak is
// not an earlier allocation's (the bandwidth probe's buffer, a previous trial's model).
// Elsewhere a no-op.
void resetPeakRss();

// Bytes: VmHWM since the last reset on Linux; elsewhere the process's lifetime peak.
double peakRssBytes();

}  // namespace bitbench

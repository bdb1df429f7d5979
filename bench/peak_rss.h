#pragma once
// The process's peak resident memory (VmHWM in /proc/self/status), resettable through
// /proc/self/clear_refs: how the benchmarks and the malformed-file test measure memory.
#include <cstdlib>
#include <fstream>
#include <string>

namespace qs::measure {

inline double peak_rss_mb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  }
  return 0;
}

inline void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

}  // namespace qs::measure

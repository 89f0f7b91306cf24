#pragma once
// Peak resident memory of this process, for the programs' reports, and the memory the machine
// has available, for checks before large allocations.

#include <fstream>
#include <string>

namespace autorec {

/// VmHWM from /proc/self/status in MiB (Linux); -1 where it is not available.
inline double peak_resident_mib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      double kib = 0;
      status >> kib;
      return kib / 1024.0;
    }
    status.ignore(1 << 20, '\n');
  }
  return -1;
}

/// MemAvailable from /proc/meminfo in bytes (Linux); -1 where it is not available.
inline double available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  while (meminfo >> key) {
    if (key == "MemAvailable:") {
      double kib = 0;
      meminfo >> kib;
      return kib * 1024.0;
    }
    meminfo.ignore(1 << 20, '\n');
  }
  return -1;
}

}  // namespace autorec

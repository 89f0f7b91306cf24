#pragma once
// Peak resident memory of this process, for the programs' reports, and the memory the machine
// has available, for checks before large allocations.

#include <fstream>
#include <string>

namespace autorec {

namespace detail {
// The number after `key` in a /proc file of "Key: value kB" lines; -1 when absent.
inline double proc_field(const char* file, const std::string& key) {
  std::ifstream in(file);
  std::string name;
  while (in >> name) {
    if (name == key) {
      double value = 0;
      in >> value;
      return value;
    }
    in.ignore(1 << 20, '\n');
  }
  return -1;
}
}  // namespace detail

/// VmHWM from /proc/self/status in MiB (Linux); -1 where it is not available.
inline double peak_resident_mib() {
  const double kib = detail::proc_field("/proc/self/status", "VmHWM:");
  return kib < 0 ? -1 : kib / 1024.0;
}

/// MemAvailable from /proc/meminfo in bytes (Linux); -1 where it is not available.
inline double available_memory_bytes() {
  const double kib = detail::proc_field("/proc/meminfo", "MemAvailable:");
  return kib < 0 ? -1 : kib * 1024.0;
}

}  // namespace autorec

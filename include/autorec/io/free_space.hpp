#pragma once
// Checking, before a long run, that an output's file system has room for it: a model written
// after hours of training onto a full disk is lost with the hours (POSIX statvfs).

#include <sys/statvfs.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "autorec/io/atomic_file.hpp"

namespace autorec {

namespace detail {
// "31.4 MB (31400000 bytes)": a size for a message, in both units.
inline std::string describe_bytes(std::uintmax_t bytes) {
  char text[64];
  std::snprintf(text, sizeof text, "%.1f MB (%ju bytes)", double(bytes) / 1e6, bytes);
  return text;
}
}  // namespace detail

/// The bytes free to this user on the file system that would hold `path` (its folder's):
/// f_bavail * f_frsize. Throws, naming the folder, when it cannot be asked.
inline std::uintmax_t free_space_for(const std::string& path) {
  const std::string folder = detail::folder_of(path).string();
  struct statvfs info {};
  if (statvfs(folder.c_str(), &info) != 0)
    throw std::runtime_error(path + ": cannot read the free space of " + folder + " (" + detail::errno_text() + ")");
  return std::uintmax_t(info.f_bavail) * std::uintmax_t(info.f_frsize);
}

/// Throws, giving both figures, unless the file system of `path` has at least `bytes` free:
/// for refusing an output before a long run that would end writing it onto a full disk. A
/// path written in place (a device, a FIFO, /dev/stdout: writes_in_place) is not checked.
inline void check_free_space(const std::string& path, std::uintmax_t bytes, const std::string& what = "the output") {
  if (writes_in_place(path)) return;
  const std::uintmax_t free = free_space_for(path);
  if (free < bytes)
    throw std::runtime_error(path + ": " + what + " needs about " + detail::describe_bytes(bytes) +
                             ", and its file system has " + detail::describe_bytes(free) + " free");
}

}  // namespace autorec

#pragma once
// Writing output files so that nothing is lost or hijacked: a file is either its old self or
// the whole new content, never a part, and a symlink or file planted at a guessable temporary
// name cannot redirect the write (POSIX).

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace autorec {

namespace detail {
inline std::string errno_text() { return std::strerror(errno); }

// A new file with an unguessable name beside `path`, created exclusively (mkstemp, O_EXCL).
inline int create_beside(const std::string& path, std::string& temporary) {
  const std::filesystem::path target(path);
  const std::filesystem::path folder = target.has_parent_path() ? target.parent_path() : ".";
  temporary = (folder / ("." + target.filename().string() + ".XXXXXX")).string();
  const int fd = mkstemp(temporary.data());
  if (fd < 0) throw std::runtime_error(path + ": cannot create a file in " + folder.string() + " (" + errno_text() + ")");
  return fd;
}
}  // namespace detail

/// Writes `bytes` to `path`: into a new temporary file beside it (unguessable name, created
/// exclusively, mode 0644 less the umask), flushed to disk, then renamed over `path`. On any
/// failure the temporary file is removed and `path` keeps its old content. A symlink at
/// `path` is replaced by the file, never followed.
inline void write_file_atomically(const std::string& path, std::string_view bytes) {
  std::string temporary;
  const int fd = detail::create_beside(path, temporary);
  auto fail = [&](const std::string& what) {
    const std::string reason = detail::errno_text();
    close(fd);
    std::remove(temporary.c_str());
    throw std::runtime_error(path + ": " + what + " (" + reason + ")");
  };
  const mode_t mask = umask(0);
  umask(mask);
  if (fchmod(fd, 0644 & ~mask) != 0) fail("cannot set permissions");
  for (std::size_t written = 0; written < bytes.size();) {
    const ssize_t n = write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("write failed (disk full?)");
    written += std::size_t(n);
  }
  if (fsync(fd) != 0) fail("cannot flush to disk");
  if (close(fd) != 0) {
    const std::string reason = detail::errno_text();
    std::remove(temporary.c_str());
    throw std::runtime_error(path + ": write failed (" + reason + ")");
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string reason = detail::errno_text();
    std::remove(temporary.c_str());
    throw std::runtime_error(path + ": cannot replace the file (" + reason + ")");
  }
}

/// Throws, naming the reason, unless a file could be written at `path` now: for checking
/// every output before a long run rather than after it.
inline void check_writable(const std::string& path) {
  if (std::filesystem::is_directory(path)) throw std::runtime_error(path + ": is a directory, not a file name");
  std::string temporary;
  close(detail::create_beside(path, temporary));
  std::remove(temporary.c_str());
}

/// Whether `a` and `b` name the same existing file (through links, relative paths or
/// symlinks).
inline bool same_file(const std::string& a, const std::string& b) {
  std::error_code error;
  return std::filesystem::equivalent(a, b, error) && !error;
}

}  // namespace autorec

#pragma once
// Writing output files so that nothing is lost or hijacked: a file is either its old self or
// the whole new content, never a part, and a symlink or file planted at a guessable temporary
// name cannot redirect the write (POSIX). Special files (devices, FIFOs, /dev/stdout) are
// written into, never replaced; temporaries of killed writers are cleared on the next write.

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
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

// Temporaries beside a target are named ".NAME.tmp-PID-XXXXXX" (PID: the writer's), so that
// one left by a writer killed mid-write can be told from one being written now.
inline std::string temporary_prefix(const std::string& name) { return "." + name + ".tmp-"; }

// The folder that holds `path`: its parent, or "." for a bare file name.
inline std::filesystem::path folder_of(const std::string& path) {
  const std::filesystem::path target(path);
  return target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
}

// Whether `text` is one or more decimal digits.
inline bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The writer's pid when `file` is a temporary of `name` (".NAME.tmp-PID-XXXXXX"), else 0.
inline pid_t temporary_writer(const std::string& file, const std::string& name) {
  const std::string prefix = temporary_prefix(name);
  if (file.size() < prefix.size() + 8 || file.compare(0, prefix.size(), prefix) != 0) return 0;
  const std::size_t dash = file.size() - 7;  // before mkstemp's six letters and digits
  if (file[dash] != '-' || dash - prefix.size() > 9) return 0;
  long pid = 0;
  for (std::size_t c = prefix.size(); c < dash; ++c) {
    if (file[c] < '0' || file[c] > '9') return 0;
    pid = pid * 10 + (file[c] - '0');
  }
  for (std::size_t c = dash + 1; c < file.size(); ++c)
    if (!std::isalnum(static_cast<unsigned char>(file[c]))) return 0;
  return pid_t(pid);
}

// Whether the file named `file` in a folder is a temporary of any target (".X.tmp-PID-XXXXXX").
inline bool is_temporary(const std::string& file) {
  const std::size_t tmp = file.rfind(".tmp-");
  return !file.empty() && file[0] == '.' && tmp != std::string::npos && tmp > 1 &&
         temporary_writer(file, file.substr(1, tmp - 1)) > 0;
}

// Removes the temporaries of `path` left by writers no longer running (kill(pid, 0): ESRCH);
// nothing else, and no temporary of a live process.
inline void remove_stale_temporaries(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path folder = folder_of(path);
  const std::string name = fs::path(path).filename().string();
  std::error_code error, ignored;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    const pid_t writer = temporary_writer(it->path().filename().string(), name);
    if (writer > 0 && it->symlink_status(ignored).type() == fs::file_type::regular && kill(writer, 0) != 0 &&
        errno == ESRCH)
      fs::remove(it->path(), ignored);
  }
}

// A new file with an unguessable name beside `path`, created exclusively (mkstemp, O_EXCL).
inline int create_beside(const std::string& path, std::string& temporary) {
  const std::filesystem::path folder = folder_of(path);
  temporary = (folder / (temporary_prefix(std::filesystem::path(path).filename().string()) + std::to_string(getpid()) + "-XXXXXX")).string();
  const int fd = mkstemp(temporary.data());
  if (fd < 0) throw std::runtime_error(path + ": cannot create a file in " + folder.string() + " (" + errno_text() + ")");
  return fd;
}

// The descriptor that /dev/stdout, /dev/stderr, /dev/fd/N or /proc/self/fd/N names: -1 for
// any other path. Writing to it directly keeps its offset and needs no permission to reopen.
inline int named_descriptor(const std::string& path) {
  if (path == "/dev/stdout") return STDOUT_FILENO;
  if (path == "/dev/stderr") return STDERR_FILENO;
  for (const char* prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    const std::string_view p(prefix);
    if (path.size() <= p.size() + 6 && path.compare(0, p.size(), p) == 0 &&
        all_digits(std::string_view(path).substr(p.size())))
      return std::stoi(path.substr(p.size()));
  }
  return -1;
}

// Whether `path` lies under /dev/ (but for /dev/shm/, an ordinary file system) or /proc/.
inline bool in_special_folder(const std::string& path) {
  std::error_code error;
  const std::string absolute = std::filesystem::absolute(path, error).lexically_normal().string();
  auto under = [&](const char* folder) { return absolute.rfind(folder, 0) == 0; };
  return !error && (under("/dev/") || under("/proc/")) && !under("/dev/shm/");
}

// Writes all of `bytes` to the open `fd`, retrying after signals; false on an error (errno).
inline bool write_all(int fd, std::string_view bytes) {
  for (std::size_t written = 0; written < bytes.size();) {
    const ssize_t n = write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += std::size_t(n);
  }
  return true;
}

// Refuses a block device (a disk): a model written onto it, through a symlink planted at
// an output path say, would destroy what it holds.
inline void refuse_block_device(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) == 0 && S_ISBLK(info.st_mode))
    throw std::runtime_error(path + ": is a block device (a disk), not a file to write");
}

// Writes `bytes` straight into the special file at `path` (a device, a FIFO, /dev/stdout):
// opened for writing without creating it (a regular file reached under /dev/ or /proc/ is
// appended to, never truncated), and never renamed over. An fsync that the file cannot do
// (EINVAL, ENOTSUP, EROFS) is no error.
inline void write_in_place(const std::string& path, std::string_view bytes) {
  refuse_block_device(path);
  const int named = named_descriptor(path);
  struct stat info {};
  const bool regular = stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
  const int fd = named >= 0 ? fcntl(named, F_DUPFD_CLOEXEC, 0)
                            : open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY | (regular ? O_APPEND : 0));
  if (fd < 0) throw std::runtime_error(path + ": cannot open for writing (" + errno_text() + ")");
  std::fflush(nullptr);  // what the program printed first comes first when `path` is its stdout
  if (!write_all(fd, bytes) || (fsync(fd) != 0 && errno != EINVAL && errno != ENOTSUP && errno != EROFS)) {
    const std::string reason = errno_text();
    close(fd);
    throw std::runtime_error(path + ": write failed (" + reason + ")");
  }
  if (close(fd) != 0) throw std::runtime_error(path + ": write failed (" + errno_text() + ")");
}
}  // namespace detail

/// Whether write_file_atomically writes straight into `path` rather than replacing it: when
/// `path` exists and, following links, is neither a regular file nor a folder (a device, a
/// FIFO, a socket), or lies under /dev/ (but for /dev/shm/) or /proc/ (/dev/stdout).
inline bool writes_in_place(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) == 0 && !S_ISREG(info.st_mode) && !S_ISDIR(info.st_mode)) return true;
  return detail::in_special_folder(path);
}

/// Writes `bytes` to `path`: into a new temporary file beside it (unguessable name that
/// carries this process's pid, created exclusively, mode 0644 less the umask), flushed to
/// disk, then renamed over `path`. On any failure the temporary file is removed and `path`
/// keeps its old content. A symlink at `path` is replaced by the file, not followed, unless
/// it leads to a special file. Temporaries of `path` left by writers that are no longer
/// running are removed first. A special file (writes_in_place: a character device, a FIFO,
/// /dev/stdout) is written into instead, never replaced; a folder or a block device is an
/// error.
inline void write_file_atomically(const std::string& path, std::string_view bytes) {
  if (writes_in_place(path)) return detail::write_in_place(path, bytes);
  detail::remove_stale_temporaries(path);
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
  if (!detail::write_all(fd, bytes)) fail("write failed (disk full?)");
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
/// every output before a long run rather than after it. A special file (writes_in_place) is
/// opened for writing and closed, never truncated; a FIFO only has its permission checked,
/// since opening it would wait for a reader (and closing it would end that reader's input).
inline void check_writable(const std::string& path) {
  if (std::filesystem::is_directory(path)) throw std::runtime_error(path + ": is a directory, not a file name");
  if (writes_in_place(path)) {
    detail::refuse_block_device(path);
    const int named = detail::named_descriptor(path);
    if (named >= 0) {
      const int flags = fcntl(named, F_GETFL);
      if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY)
        throw std::runtime_error(path + ": descriptor " + std::to_string(named) + " is not open for writing");
      return;
    }
    struct stat info {};
    const bool fifo = stat(path.c_str(), &info) == 0 && S_ISFIFO(info.st_mode);
    const int fd = fifo ? (faccessat(AT_FDCWD, path.c_str(), W_OK, AT_EACCESS) == 0 ? -2 : -1)
                        : open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd == -1) throw std::runtime_error(path + ": cannot open for writing (" + detail::errno_text() + ")");
    if (fd >= 0) close(fd);
    return;
  }
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

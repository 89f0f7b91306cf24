// Output files written atomically (or into special files), free space for them, checkpoint
// folders, learning-curve files and item titles.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "autorec/data/titles.hpp"
#include "autorec/io/atomic_file.hpp"
#include "autorec/io/checkpoint.hpp"
#include "autorec/io/free_space.hpp"
#include "autorec/io/learning_curve.hpp"
#include "temp_file.hpp"

using namespace autorec;
using autorec::testing::TempFile;

namespace {
namespace fs = std::filesystem;

// A fresh folder under the temporary directory, removed with everything in it at the end.
class TempFolder {
 public:
  explicit TempFolder(const std::string& name)
      : path_(fs::temp_directory_path() / ("autorec-" + name + "-" + std::to_string(getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempFolder() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}
std::vector<EpochReport> sample_history() {
  std::vector<EpochReport> history(3);
  for (int e = 0; e < 3; ++e) {
    history[std::size_t(e)].epoch = e + 1;
    history[std::size_t(e)].train_rmse = 1.0 - 0.1 * e;
    history[std::size_t(e)].validation_rmse = e == 1 ? 0.85 : 0.9;
    history[std::size_t(e)].best = e == 1;
    history[std::size_t(e)].seconds = 0.5;
  }
  return history;
}
}  // namespace

TEST_CASE("The learning curve CSV has a header and one row per epoch") {
  TempFile file("", ".csv");
  write_curve_csv(file.path(), sample_history());
  CHECK(read_text(file.path()) ==
        "epoch,train_rmse,validation_rmse,seconds\n1,1,0.9,0.5\n2,0.9,0.85,0.5\n3,0.8,0.9,0.5\n");
}

TEST_CASE("The learning curve SVG draws both curves and marks the kept epoch") {
  TempFile file("", ".svg");
  write_curve_svg(file.path(), sample_history(), "test curve");
  const std::string svg = read_text(file.path());
  CHECK(svg.rfind("<svg xmlns='http://www.w3.org/2000/svg'", 0) == 0);
  CHECK(svg.find("</svg>") != std::string::npos);
  CHECK(svg.find("test curve") != std::string::npos);
  size_t polylines = 0;
  for (size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1)) ++polylines;
  CHECK(polylines == 2);
  CHECK(svg.find("<circle") != std::string::npos);
}

TEST_CASE("Titles load from movies.csv with quoted titles, movies.dat and u.item") {
  TempFile csv("movieId,title,genres\r\n1,Toy Story (1995),Adventure|Animation\r\n"
               "11,\"American President, The (1995)\",Comedy\r\n12,\"A \"\"quoted\"\" title\",Drama\r\n", ".csv");
  const auto from_csv = load_titles(csv.path());
  CHECK(from_csv.size() == 3);
  CHECK(from_csv.at("1") == "Toy Story (1995)");
  CHECK(from_csv.at("11") == "American President, The (1995)");
  CHECK(from_csv.at("12") == "A \"quoted\" title");
  TempFile dat("1::Toy Story (1995)::Animation|Children's|Comedy\n", ".dat");
  CHECK(load_titles(dat.path()).at("1") == "Toy Story (1995)");
  TempFile item("1|Toy Story (1995)|01-Jan-1995||http://example|0|0\n", ".item");
  CHECK(load_titles(item.path()).at("1") == "Toy Story (1995)");
}

TEST_CASE("A malformed titles line is an error naming its line") {
  TempFile csv("movieId,title,genres\n1,\"unterminated\n", ".csv");
  CHECK_THROWS_WITH_AS(load_titles(csv.path()), (csv.path() + ":2: unterminated quoted title").c_str(),
                       std::runtime_error);
}

TEST_CASE("An atomic write replaces a symlink at the path instead of following it") {
  TempFile victim("precious");
  const std::string link = victim.path() + ".link";
  std::filesystem::create_symlink(victim.path(), link);
  write_file_atomically(link, "new content");
  CHECK(read_text(victim.path()) == "precious");
  CHECK_FALSE(std::filesystem::is_symlink(link));
  CHECK(read_text(link) == "new content");
  std::filesystem::remove(link);
}

TEST_CASE("A failed atomic write leaves no file behind and says why") {
  const std::string path = (std::filesystem::temp_directory_path() / "no-such-dir-autorec" / "out.bin").string();
  CHECK_THROWS_WITH_AS(write_file_atomically(path, "x"), doctest::Contains("cannot create a file in"), std::runtime_error);
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK_THROWS_AS(check_writable(path), std::runtime_error);
  CHECK_THROWS_WITH_AS(check_writable(std::filesystem::temp_directory_path().string()),
                       doctest::Contains("is a directory"), std::runtime_error);
}

TEST_CASE("An atomic write leaves only the target in its folder") {
  const auto folder = std::filesystem::temp_directory_path() / ("autorec-atomic-" + std::to_string(getpid()));
  std::filesystem::create_directories(folder);
  write_file_atomically((folder / "a.bin").string(), "one");
  write_file_atomically((folder / "a.bin").string(), "two");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) files += entry.is_regular_file();
  CHECK(files == 1);
  CHECK(read_text((folder / "a.bin").string()) == "two");
  std::filesystem::remove_all(folder);
}

TEST_CASE("same_file sees through another spelling of a path") {
  TempFile file("x");
  const auto path = std::filesystem::path(file.path());
  CHECK(same_file(file.path(), (path.parent_path() / "." / path.filename()).string()));
  CHECK_FALSE(same_file(file.path(), file.path() + ".other"));
}

// --- Outputs onto special files: written into, never replaced ------------------------------

TEST_CASE("An output onto a FIFO is written into it and the FIFO stays a FIFO") {
  TempFolder folder("fifo");
  const std::string fifo = (folder.path() / "out.pipe").string();
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  // The reader opens first, without waiting for a writer: the bytes (fewer than a pipe holds)
  // then wait in the pipe, and a write that replaced the FIFO leaves it empty instead of hanging.
  const int reader = open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  REQUIRE(reader >= 0);
  write_file_atomically(fifo, "through the pipe");
  char buffer[64];
  const ssize_t got = read(reader, buffer, sizeof buffer);
  close(reader);
  CHECK(std::string(buffer, std::size_t(std::max<ssize_t>(got, 0))) == "through the pipe");
  CHECK(fs::is_fifo(fifo));
}

TEST_CASE("An output onto a character device is written into it and it stays a device") {
  // A copy of /dev/null where mknod is allowed (as root), so that a broken write could only
  // replace the copy; elsewhere /dev/null itself, whose folder such a user cannot write.
  TempFolder folder("device");
  std::string device = (folder.path() / "null").string();
  if (mknod(device.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) device = "/dev/null";
  write_file_atomically(device, "into the device");
  CHECK(fs::is_character_file(device));
  CHECK(read_text(device).empty());
}

TEST_CASE("An output onto a block device is refused, and the node stays") {
  // A node of an unassigned major number (240: local use), so that no disk is ever at risk.
  TempFolder folder("block");
  const std::string node = (folder.path() / "disk").string();
  if (mknod(node.c_str(), S_IFBLK | 0600, makedev(240, 0)) != 0) {
    MESSAGE("skipped: mknod needs privileges here");
    return;
  }
  CHECK_THROWS_WITH_AS(write_file_atomically(node, "x"),
                       (node + ": is a block device (a disk), not a file to write").c_str(), std::runtime_error);
  CHECK_THROWS_WITH_AS(check_writable(node), doctest::Contains("is a block device"), std::runtime_error);
  CHECK(fs::is_block_file(node));
}

TEST_CASE("check_writable accepts a FIFO without waiting for a reader") {
  TempFolder folder("fifo-check");
  const std::string fifo = (folder.path() / "out.pipe").string();
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_NOTHROW(check_writable(fifo));
  CHECK(fs::is_fifo(fifo));
}

TEST_CASE("check_writable accepts a character device") {
  CHECK_NOTHROW(check_writable("/dev/null"));
  CHECK(fs::is_character_file("/dev/null"));
}

TEST_CASE("check_writable leaves a regular file's content as it was") {
  TempFile file("kept");
  check_writable(file.path());
  CHECK(read_text(file.path()) == "kept");
}

// --- Temporaries of killed writers ----------------------------------------------------------

TEST_CASE("An atomic write removes a dead writer's temporary of its target and keeps a live one's") {
  TempFolder folder("stale");
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) _exit(0);
  REQUIRE(waitpid(child, nullptr, 0) == child);  // reaped: its pid names no process now
  const fs::path dead = folder.path() / (".a.bin.tmp-" + std::to_string(child) + "-Ab12Cd");
  const fs::path live = folder.path() / (".a.bin.tmp-" + std::to_string(getpid()) + "-Ab12Cd");
  const fs::path other_target = folder.path() / (".b.bin.tmp-" + std::to_string(child) + "-Ab12Cd");
  for (const fs::path& planted : {dead, live, other_target}) write_text(planted, "partial");
  write_file_atomically((folder.path() / "a.bin").string(), "whole");
  CHECK_FALSE(fs::exists(dead));
  CHECK(fs::exists(live));
  CHECK(fs::exists(other_target));
  CHECK(read_text((folder.path() / "a.bin").string()) == "whole");
}

TEST_CASE("An atomic write's temporary name carries the writer's pid") {
  TempFolder folder("tmpname");
  std::string temporary;
  close(detail::create_beside((folder.path() / "a.bin").string(), temporary));
  CHECK(fs::path(temporary).filename().string().rfind(".a.bin.tmp-" + std::to_string(getpid()) + "-", 0) == 0);
}

// --- Checkpoint folders: only the epochs a run wrote are removed ---------------------------

namespace {
// Commits epoch 3 of a run in `folder` (whose shards are written): older epochs of ours go.
void commit_epoch_3(const fs::path& folder) {
  fs::create_directories(folder / "epoch-3");
  const CheckpointDirectory checkpoints(folder.string(), "run");
  checkpoints.commit(3, sample_history());
}
}  // namespace

TEST_CASE("Committing a checkpoint removes an older epoch folder of checkpoint files") {
  TempFolder folder("ckpt-old");
  fs::create_directories(folder.path() / "epoch-1");
  write_text(folder.path() / "epoch-1" / "shard-0.ckpt", "x");
  write_text(folder.path() / "epoch-1" / "progress.ckpt", "x");
  commit_epoch_3(folder.path());
  CHECK_FALSE(fs::exists(folder.path() / "epoch-1"));
  CHECK(fs::exists(folder.path() / "epoch-3" / "progress.ckpt"));
}

TEST_CASE("Committing a checkpoint leaves a user's folder named epoch-photos alone") {
  TempFolder folder("ckpt-photos");
  fs::create_directories(folder.path() / "epoch-photos");
  write_text(folder.path() / "epoch-photos" / "beach.jpg", "jpeg");
  commit_epoch_3(folder.path());
  CHECK(fs::exists(folder.path() / "epoch-photos" / "beach.jpg"));
}

TEST_CASE("Committing a checkpoint leaves an epoch-N folder holding other files alone") {
  TempFolder folder("ckpt-foreign");
  fs::create_directories(folder.path() / "epoch-2");
  write_text(folder.path() / "epoch-2" / "shard-0.ckpt", "x");
  write_text(folder.path() / "epoch-2" / "notes.txt", "mine");
  commit_epoch_3(folder.path());
  CHECK(fs::exists(folder.path() / "epoch-2" / "notes.txt"));
}

// --- Free space before a long run -------------------------------------------------------------

TEST_CASE("check_free_space refuses more bytes than any disk has, giving both figures") {
  TempFolder folder("space");
  const std::string path = (folder.path() / "model.bin").string();
  const std::uintmax_t huge = std::uintmax_t(1) << 62;
  try {
    check_free_space(path, huge, "the model file");
    FAIL("no error was thrown");
  } catch (const std::runtime_error& error) {
    const std::string what = error.what();
    CHECK(what.rfind(path + ": the model file needs about ", 0) == 0);
    CHECK(what.find("(" + std::to_string(huge) + " bytes)") != std::string::npos);
    CHECK(what.find("bytes), and its file system has ") != std::string::npos);  // the free space changes
    CHECK(what.find(" bytes) free") != std::string::npos);
  }
}

TEST_CASE("check_free_space accepts a size that fits") {
  TempFolder folder("space-fits");
  CHECK_NOTHROW(check_free_space((folder.path() / "model.bin").string(), 1));
}

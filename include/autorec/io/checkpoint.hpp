#pragma once
// Checkpoints of a distributed run, in a directory:
//   epoch-E/shard-S.ckpt   one per shard: its ShardState after epoch E (written by its rank)
//   epoch-E/progress.ckpt  the epochs' reports up to E (written by rank 0)
//   latest                 "E": the newest complete checkpoint
// Every rank writes its shards, all ranks meet, then rank 0 writes the progress and moves
// `latest` to E, and only then removes older epochs: a rank killed at any moment leaves
// `latest` naming a checkpoint whose files are all there. Only epoch folders of ours are
// removed (epoch-<digits>, holding *.ckpt files alone): a user's epoch-photos/ stays. Files
// are per shard, not per rank, so a run may resume on another number of ranks. Each file
// carries the run's key (what must match to resume: data, network, options) and a checksum.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "autorec/sharding/shard_state.hpp"
#include "autorec/io/atomic_file.hpp"
#include "autorec/io/model_file.hpp"
#include "autorec/report.hpp"

namespace autorec {

class CheckpointDirectory {
 public:
  /// `key` names the run; a checkpoint with another key is refused.
  CheckpointDirectory(std::string directory, std::string key)
      : directory_(std::move(directory)), key_(std::move(key)) {}

  const std::string& path() const { return directory_; }

  /// The epoch of the newest complete checkpoint, if any.
  std::optional<int> latest() const {
    std::ifstream in(directory_ + "/latest");
    if (!in) return std::nullopt;
    int epoch = 0;
    if (!(in >> epoch) || epoch < 1) throw ModelFileError(directory_ + "/latest", "corrupted: not an epoch number");
    return epoch;
  }

  template <typename Scalar>
  void write_shard(int epoch, int shard, const ShardState<Scalar>& state) const {
    std::filesystem::create_directories(epoch_directory(epoch));
    detail::Writer out = header(epoch);
    out.put(std::int32_t(shard));
    out.put(std::uint64_t(state.noise_step));
    out.put(std::uint64_t(state.optimizer.size()));
    out.put(std::uint64_t(state.replicated_optimizer.size()));
    put_vector(out, state.parameters);
    put_vector(out, state.best);
    for (const Vector<Scalar>& v : state.optimizer) put_vector(out, v);
    for (const Vector<Scalar>& v : state.replicated_optimizer) put_vector(out, v);
    finish(out, shard_path(epoch, shard));
  }

  template <typename Scalar>
  ShardState<Scalar> read_shard(int epoch, int shard) const {
    const std::string path = shard_path(epoch, shard);
    const std::string bytes = read_checked(path);
    detail::Reader in(path, bytes, 0, bytes.size() - sizeof(std::uint64_t));
    check_header(in, path, epoch);
    if (in.get<std::int32_t>("shard") != shard) throw ModelFileError(path, "holds another shard");
    ShardState<Scalar> state;
    state.noise_step = in.get<std::uint64_t>("noise step");
    const auto optimizer = in.get<std::uint64_t>("optimizer vector count");
    const auto replicated = in.get<std::uint64_t>("replicated optimizer vector count");
    // At most L-BFGS's 2 x 1000 curvature vectors and its counters (each vector's own size is
    // checked against the bytes left as it is read).
    constexpr std::uint64_t kMostVectors = 2 * 1000 + 1;
    if (optimizer > kMostVectors || replicated > kMostVectors)
      throw ModelFileError(path, "corrupted: " + std::to_string(optimizer) + " and " + std::to_string(replicated) +
                                     " optimizer vectors");
    state.parameters = get_vector<Scalar>(in, path);
    state.best = get_vector<Scalar>(in, path);
    for (std::uint64_t v = 0; v < optimizer; ++v) state.optimizer.push_back(get_vector<Scalar>(in, path));
    for (std::uint64_t v = 0; v < replicated; ++v) state.replicated_optimizer.push_back(get_vector<Scalar>(in, path));
    return state;
  }

  /// Rank 0, once every rank has written its shards of `epoch`: the reports, then `latest`,
  /// then older epochs go.
  void commit(int epoch, const std::vector<EpochReport>& history) const {
    detail::Writer out = header(epoch);
    out.put(std::uint64_t(history.size()));
    for (const EpochReport& e : history) {
      out.put(std::int32_t(e.epoch));
      out.put(e.train_rmse);
      out.put(e.validation_rmse);
      out.put(e.seconds);
      out.put(std::uint8_t(e.best));
    }
    finish(out, epoch_directory(epoch) + "/progress.ckpt");
    write_file_atomically(directory_ + "/latest", std::to_string(epoch) + "\n");
    namespace fs = std::filesystem;
    for (const fs::directory_entry& entry : fs::directory_iterator(directory_)) {
      const std::string name = entry.path().filename().string();
      if (name != "epoch-" + std::to_string(epoch) && is_ours(entry)) fs::remove_all(entry.path());
    }
  }

  std::vector<EpochReport> read_history(int epoch) const {
    const std::string path = epoch_directory(epoch) + "/progress.ckpt";
    const std::string bytes = read_checked(path);
    detail::Reader in(path, bytes, 0, bytes.size() - sizeof(std::uint64_t));
    check_header(in, path, epoch);
    const auto count = in.get<std::uint64_t>("epoch count");
    if (count != std::uint64_t(epoch)) throw ModelFileError(path, "corrupted: " + std::to_string(count) + " epochs");
    std::vector<EpochReport> history(count);
    for (EpochReport& e : history) {
      e.epoch = in.get<std::int32_t>("epoch");
      e.train_rmse = in.get<double>("train RMSE");
      e.validation_rmse = in.get<double>("validation RMSE");
      e.seconds = in.get<double>("seconds");
      e.best = in.get<std::uint8_t>("best") != 0;
    }
    return history;
  }

 private:
  static constexpr char kMagic[8] = {'A', 'R', 'C', 'K', 'P', 'T', '1', '\0'};

  // Whether `entry` is an epoch folder this code wrote: a real folder (not a link) named
  // exactly epoch-<digits> that holds only regular files named *.ckpt or their temporaries
  // (of a write that was killed). Anything else in the checkpoint directory is left alone.
  static bool is_ours(const std::filesystem::directory_entry& entry) {
    namespace fs = std::filesystem;
    const std::string name = entry.path().filename().string();
    if (name.rfind("epoch-", 0) != 0 || !detail::all_digits(std::string_view(name).substr(6))) return false;
    std::error_code error;
    if (entry.symlink_status(error).type() != fs::file_type::directory) return false;
    for (fs::directory_iterator it(entry.path(), error), end; !error && it != end; it.increment(error)) {
      const std::string file = it->path().filename().string();
      const bool checkpoint = file.size() > 5 && file.compare(file.size() - 5, 5, ".ckpt") == 0;
      if (it->symlink_status(error).type() != fs::file_type::regular || !(checkpoint || detail::is_temporary(file)))
        return false;
    }
    return !error;
  }

  std::string epoch_directory(int epoch) const { return directory_ + "/epoch-" + std::to_string(epoch); }
  std::string shard_path(int epoch, int shard) const {
    return epoch_directory(epoch) + "/shard-" + std::to_string(shard) + ".ckpt";
  }

  detail::Writer header(int epoch) const {
    detail::Writer out;
    out.put_bytes(kMagic, sizeof kMagic);
    out.put_string(key_);
    out.put(std::int32_t(epoch));
    return out;
  }
  void check_header(detail::Reader& in, const std::string& path, int epoch) const {
    char magic[sizeof kMagic];
    in.get_bytes(magic, sizeof magic, "the header");
    if (!std::equal(magic, magic + sizeof magic, kMagic)) throw ModelFileError(path, "not an autorec checkpoint");
    const std::string key = in.get_string("the run's key");
    if (key != key_)
      throw ModelFileError(path, "belongs to another run (" + key + "), not to this one (" + key_ +
                                     "): give another --checkpoint directory, or the options of that run");
    if (in.get<std::int32_t>("epoch") != epoch) throw ModelFileError(path, "holds another epoch");
  }
  static void finish(detail::Writer& out, const std::string& path) {
    const std::uint64_t sum = detail::fnv1a(out.bytes().data(), out.bytes().size());
    out.put(sum);
    write_file_atomically(path, out.bytes());
  }
  static std::string read_checked(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ModelFileError(path, "cannot open: " + detail::errno_text());
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string bytes = buffer.str();
    std::uint64_t sum = 0;
    if (bytes.size() < sizeof sum) throw ModelFileError(path, "truncated");
    std::memcpy(&sum, bytes.data() + bytes.size() - sizeof sum, sizeof sum);
    if (sum != detail::fnv1a(bytes.data(), bytes.size() - sizeof sum))
      throw ModelFileError(path, "corrupted: the checksum does not match");
    return bytes;
  }
  template <typename Scalar>
  static void put_vector(detail::Writer& out, const Vector<Scalar>& v) {
    out.put(std::uint64_t(v.size()));
    out.put_bytes(v.data(), std::size_t(v.size()) * sizeof(Scalar));
  }
  template <typename Scalar>
  static Vector<Scalar> get_vector(detail::Reader& in, const std::string& path) {
    const auto size = in.get<std::uint64_t>("vector size");
    if (size > in.remaining() / sizeof(Scalar)) throw ModelFileError(path, "truncated: a vector is cut short");
    Vector<Scalar> v(static_cast<Index>(size));
    in.get_bytes(v.data(), std::size_t(size) * sizeof(Scalar), "a vector");
    return v;
  }

  std::string directory_;
  std::string key_;
};

}  // namespace autorec

#pragma once
// Model files: everything needed to predict with a trained network, in one versioned binary.
//
// Layout of version 2 (little-endian; all integers fixed width):
//   magic        8 bytes  "AUTOREC\0"
//   version      u32      2
//   scalar       u32      4 (float) or 8 (double)
//   variant      u32      0 item, 1 user
//   architecture          the network's shape (model/architecture.hpp):
//     inputs        i64   d
//     first width   i64   outputs of the sparse-input layer
//     input dropout f64
//     stages        u32 count, then per stage: kind (string), size i64, rate f64
//     output activation   string
//   lambda       f64
//   seed         u64
//   rules        3 x f32  min rating, max rating, default rating
//   users        u64 count, then per id: a string
//   items        likewise
//   parameters   u64 count, then count scalars: the network's flat vector, in the layout
//                the network derives from its architecture
//   checksum     u64      FNV-1a of every byte before it
// A string is u32 length + bytes. Version 1 (AutoRec only) had `hidden` (i64) in place of the
// architecture; it is still read, as the one-hidden-layer sigmoid network.
// Loading checks each of these and fails with a message that says what is wrong.

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "autorec/data/id_map.hpp"
#include "autorec/data/rating_matrix.hpp"
#include "autorec/eval/predict.hpp"
#include "autorec/model/architecture.hpp"
#include "autorec/model/autorec.hpp"

namespace autorec {

inline constexpr std::uint32_t kModelFileVersion = 2;
inline constexpr std::uint32_t kOldestModelFileVersion = 1;
inline constexpr char kModelFileMagic[8] = {'A', 'U', 'T', 'O', 'R', 'E', 'C', '\0'};

/// A trained network with what gives its rows and columns meaning.
template <typename Scalar>
struct SavedModel {
  Network<Scalar> model;
  Variant variant;
  PredictionRules rules;
  IdMap users;
  IdMap items;
};

class ModelFileError : public std::runtime_error {
 public:
  ModelFileError(const std::string& path, const std::string& message)
      : std::runtime_error(path + ": " + message) {}
};

namespace detail {

inline std::uint64_t fnv1a(const char* data, std::size_t size) {
  std::uint64_t hash = 14695981039346656037ull;
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= static_cast<unsigned char>(data[i]);
    hash *= 1099511628211ull;
  }
  return hash;
}

class Writer {
 public:
  template <typename T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  void put_bytes(const void* data, std::size_t size) { bytes_.append(static_cast<const char*>(data), size); }
  void put_string(const std::string& text) {
    put(std::uint32_t(text.size()));
    put_bytes(text.data(), text.size());
  }
  void put_ids(const IdMap& ids) {
    put(std::uint64_t(ids.size()));
    for (const std::string& id : ids.raw_ids()) put_string(id);
  }
  std::string& bytes() { return bytes_; }

 private:
  std::string bytes_;
};

class Reader {
 public:
  Reader(const std::string& path, const std::string& bytes, std::size_t begin, std::size_t end)
      : path_(path), bytes_(bytes), end_(end), offset_(begin) {}
  template <typename T>
  T get(const char* what) {
    T value;
    get_bytes(&value, sizeof(T), what);
    return value;
  }
  void get_bytes(void* out, std::size_t size, const char* what) {
    if (size > end_ - offset_)
      throw ModelFileError(path_, std::string("truncated: the file ends inside ") + what);
    std::memcpy(out, bytes_.data() + offset_, size);
    offset_ += size;
  }
  std::string get_string(const char* what) {
    const auto length = get<std::uint32_t>(what);
    if (length > end_ - offset_) throw ModelFileError(path_, std::string("truncated: the file ends inside ") + what);
    std::string text(bytes_.data() + offset_, length);
    offset_ += length;
    return text;
  }
  IdMap get_ids(const char* what) {
    const auto count = get<std::uint64_t>(what);
    if (count > end_ - offset_) throw ModelFileError(path_, std::string("corrupted: impossible ") + what + " count");
    IdMap ids;
    for (std::uint64_t i = 0; i < count; ++i) {
      if (ids.insert(get_string(what)) != static_cast<int>(i))
        throw ModelFileError(path_, std::string("corrupted: repeated id in ") + what);
    }
    return ids;
  }
  std::size_t remaining() const { return end_ - offset_; }

 private:
  const std::string& path_;
  const std::string& bytes_;
  std::size_t end_;
  std::size_t offset_;
};

}  // namespace detail

/// Writes `saved` to `path` (replacing it only once the whole file is written).
template <typename Scalar>
void save_model(const std::string& path, const SavedModel<Scalar>& saved) {
  const auto& options = saved.model.options();
  detail::Writer out;
  out.put_bytes(kModelFileMagic, sizeof kModelFileMagic);
  out.put(kModelFileVersion);
  out.put(std::uint32_t(sizeof(Scalar)));
  out.put(std::uint32_t(saved.variant == Variant::item ? 0 : 1));
  const Architecture& architecture = saved.model.architecture();
  out.put(std::int64_t(architecture.inputs));
  out.put(std::int64_t(architecture.first_width));
  out.put(double(architecture.input_dropout));
  out.put(std::uint32_t(architecture.stages.size()));
  for (const LayerSpec& stage : architecture.stages) {
    out.put_string(stage.kind);
    out.put(std::int64_t(stage.size));
    out.put(double(stage.rate));
  }
  out.put_string(architecture.output_activation);
  out.put(double(options.lambda));
  out.put(std::uint64_t(options.seed));
  out.put(saved.rules.min_rating);
  out.put(saved.rules.max_rating);
  out.put(saved.rules.default_rating);
  out.put_ids(saved.users);
  out.put_ids(saved.items);
  const Vector<Scalar>& parameters = saved.model.parameters();
  out.put(std::uint64_t(parameters.size()));
  out.put_bytes(parameters.data(), sizeof(Scalar) * std::size_t(parameters.size()));
  out.put(detail::fnv1a(out.bytes().data(), out.bytes().size()));

  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) throw ModelFileError(path, "cannot open for writing");
    file.write(out.bytes().data(), std::streamsize(out.bytes().size()));
    if (!file.flush()) throw ModelFileError(path, "write failed (disk full?)");
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw ModelFileError(path, "cannot replace the file");
  }
}

/// Reads a model file written by save_model with the same Scalar type.
template <typename Scalar>
SavedModel<Scalar> load_model(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw ModelFileError(path, "cannot open the model file (missing or unreadable)");
  std::ostringstream buffer;
  buffer << file.rdbuf();
  const std::string bytes = std::move(buffer).str();

  constexpr std::size_t kChecksumSize = sizeof(std::uint64_t);
  if (bytes.size() < sizeof kModelFileMagic || std::memcmp(bytes.data(), kModelFileMagic, sizeof kModelFileMagic) != 0)
    throw ModelFileError(path, "not an autorec model file (bad magic number)");
  constexpr std::size_t kHeaderSize = sizeof kModelFileMagic + sizeof(std::uint32_t);
  if (bytes.size() < kHeaderSize) throw ModelFileError(path, "truncated: the file ends inside the version");
  std::uint32_t version;
  std::memcpy(&version, bytes.data() + sizeof kModelFileMagic, sizeof version);
  if (version < kOldestModelFileVersion || version > kModelFileVersion)
    throw ModelFileError(path, "model file version " + std::to_string(version) +
                                   " is not supported (this build reads versions " +
                                   std::to_string(kOldestModelFileVersion) + " to " +
                                   std::to_string(kModelFileVersion) + ")");
  if (bytes.size() < kHeaderSize + kChecksumSize)
    throw ModelFileError(path, "truncated: no room for the checksum");
  std::uint64_t stored_checksum;
  std::memcpy(&stored_checksum, bytes.data() + bytes.size() - kChecksumSize, kChecksumSize);
  if (stored_checksum != detail::fnv1a(bytes.data(), bytes.size() - kChecksumSize))
    throw ModelFileError(path, "checksum mismatch: the file is truncated or corrupted");

  detail::Reader in(path, bytes, kHeaderSize, bytes.size() - kChecksumSize);
  const auto scalar_size = in.get<std::uint32_t>("the scalar size");
  if (scalar_size != sizeof(Scalar))
    throw ModelFileError(path, "holds " + std::to_string(scalar_size * 8) + "-bit parameters, expected " +
                                   std::to_string(sizeof(Scalar) * 8) + "-bit");
  const auto variant = in.get<std::uint32_t>("the variant");
  if (variant > 1) throw ModelFileError(path, "corrupted: unknown variant " + std::to_string(variant));
  Architecture architecture;
  architecture.inputs = in.get<std::int64_t>("the input size");
  if (version == 1) {
    architecture = Architecture::stack(architecture.inputs, in.get<std::int64_t>("the hidden size"), "sigmoid");
  } else {
    architecture.first_width = in.get<std::int64_t>("the first hidden width");
    architecture.input_dropout = in.get<double>("the input dropout");
    const auto stages = in.get<std::uint32_t>("the stage count");
    if (stages > in.remaining()) throw ModelFileError(path, "corrupted: impossible stage count");
    for (std::uint32_t s = 0; s < stages; ++s) {
      LayerSpec stage;
      stage.kind = in.get_string("a stage kind");
      stage.size = in.get<std::int64_t>("a stage size");
      stage.rate = in.get<double>("a stage rate");
      architecture.stages.push_back(std::move(stage));
    }
    architecture.output_activation = in.get_string("the output activation");
  }
  typename Network<Scalar>::Options options;
  options.lambda = static_cast<Scalar>(in.get<double>("lambda"));
  options.seed = in.get<std::uint64_t>("the seed");
  PredictionRules rules;
  rules.min_rating = in.get<float>("the rating range");
  rules.max_rating = in.get<float>("the rating range");
  rules.default_rating = in.get<float>("the default rating");
  IdMap users = in.get_ids("the user ids");
  IdMap items = in.get_ids("the item ids");
  const auto count = in.get<std::uint64_t>("the parameter count");
  if (in.remaining() != count * sizeof(Scalar) || count > in.remaining())
    throw ModelFileError(path, "corrupted: the parameters do not fill the rest of the file");
  const Index expected_inputs = variant == 0 ? users.size() : items.size();
  if (architecture.inputs != expected_inputs)
    throw ModelFileError(path, "corrupted: the input size does not match the id maps");
  // Every layer's weights lie inside the stored parameters, so no width can exceed their
  // count: checked before the network allocates anything.
  const auto fits = [count](std::int64_t a, std::int64_t b) {
    return a > 0 && b > 0 && std::uint64_t(a) <= count / std::uint64_t(b);
  };
  bool sizes_fit = fits(architecture.inputs, architecture.first_width);
  std::int64_t width = architecture.first_width;
  for (const LayerSpec& stage : architecture.stages)
    if (stage.kind == "dense") {
      sizes_fit = sizes_fit && fits(width, stage.size);
      width = stage.size;
    }
  if (!sizes_fit) throw ModelFileError(path, "corrupted: the layer sizes do not match the parameter count");
  std::optional<Network<Scalar>> network;
  try {
    network.emplace(architecture, options);
  } catch (const std::exception& error) {
    throw ModelFileError(path, std::string("corrupted architecture: ") + error.what());
  }
  if (std::uint64_t(network->parameters().size()) != count)
    throw ModelFileError(path, "corrupted: " + std::to_string(count) + " parameters stored, the architecture (" +
                                   architecture.describe() + ") has " + std::to_string(network->parameters().size()));
  SavedModel<Scalar> saved{std::move(*network), variant == 0 ? Variant::item : Variant::user, rules, std::move(users),
                           std::move(items)};
  in.get_bytes(saved.model.parameters().data(), count * sizeof(Scalar), "the parameters");
  return saved;
}

}  // namespace autorec

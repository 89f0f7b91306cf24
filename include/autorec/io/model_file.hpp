#pragma once
// Model files: everything needed to predict with a trained network, in one versioned binary.
//
// Layout of version 4 (little-endian; all integers fixed width):
//   magic        8 bytes  "AUTOREC\0"
//   version      u32      4
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
//   rules        4 x f32  min rating, max rating, default rating, scale (eval/predict.hpp)
//   users        u64 count, then per id: a string
//   items        likewise
//   biases       of the rules' fallback: u64 count (0, or the number of users), then count
//                f32 user biases; the same for items
//   training     the training matrix in the model's layout (rating_matrix), which prediction
//                reads, in network units (ratings / scale): rows i64, cols i64, nnz u64, then cols + 1 column starts (i32), nnz
//                row indices (i32), nnz values (f32)
//   fingerprint  u64      of the ratings file it was trained from (data/fingerprint.hpp)
//   parameters   u64 count, then count scalars: the network's flat vector, in the layout
//                the network derives from its architecture
//   checksum     u64      FNV-1a of every byte before it
// A string is u32 length + bytes. Version 3 had no scale (it is 1) and no biases. Version 2 had no training matrix and no fingerprint: it is
// still read, and serving it needs the training ratings from elsewhere. Version 1 (AutoRec
// only) had `hidden` (i64) in place of the architecture; it is read as the one-hidden-layer
// sigmoid network.
//
// Why the training matrix and not the encoded codes: serving needs it anyway, to leave out
// the items each user rated and to fold new users in, and it is smaller than the codes
// (8 bytes per rating against 4 k bytes per encoded vector: 7.2 MB against 7.4 MB for
// ML-1M's I-AutoRec at k = 500, and the codes grow with k). The Scorer encodes it once on
// loading (serve/scorer.hpp).
// Loading checks each of these and fails with a message that says what is wrong.

#include <cmath>
#include <cstdint>
#include <limits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "autorec/data/fingerprint.hpp"
#include "autorec/data/id_map.hpp"
#include "autorec/data/rating_matrix.hpp"
#include "autorec/io/atomic_file.hpp"
#include "autorec/eval/predict.hpp"
#include "autorec/model/architecture.hpp"
#include "autorec/model/autorec.hpp"

namespace autorec {

inline constexpr std::uint32_t kModelFileVersion = 4;
inline constexpr std::uint32_t kOldestModelFileVersion = 1;
inline constexpr char kModelFileMagic[8] = {'A', 'U', 'T', 'O', 'R', 'E', 'C', '\0'};

/// A trained network with what gives its rows and columns meaning and what prediction reads:
/// everything a Scorer needs, with no ratings file.
template <typename Scalar>
struct SavedModel {
  Network<Scalar> model;
  Variant variant;
  PredictionRules rules;
  IdMap users;
  IdMap items;
  /// The training ratings in the model's layout and units (input_matrix): the input that
  /// predictions reconstruct. Empty (0 x 0) only in a file of version 2 or older.
  SparseColumns<Scalar> training{};
  /// Of the ratings file the model was trained from (data/fingerprint.hpp); 0 when unknown.
  std::uint64_t fingerprint = 0;

  /// Whether the training matrix is here, so the model can serve on its own.
  bool self_contained() const { return training.rows() == model.inputs() && training.cols() > 0; }
};

/// A SavedModel of `model` trained on `training` (indices into `data`'s id maps), with the
/// fingerprint of all of `data`'s ratings (the file it came from).
template <typename Scalar>
SavedModel<Scalar> saved_model(Network<Scalar> model, Variant variant, const PredictionRules& rules,
                               const RatingData& data, const std::vector<Rating>& training) {
  SavedModel<Scalar> saved{std::move(model), variant, rules, data.users, data.items, {}, fingerprint(data)};
  saved.training = input_matrix<Scalar>(training, data.users.size(), data.items.size(), variant, rules);
  return saved;
}

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
    if (size == 0) return;  // `out` may be null then (an empty matrix), and memcpy(null, ., 0) is undefined
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
  /// A u64 count, then that many f32: the count must be 0 or `expected`.
  std::vector<float> get_floats(std::size_t expected, const char* what) {
    const auto count = get<std::uint64_t>(what);
    if (count != 0 && count != expected)
      throw ModelFileError(path_, std::string("corrupted: ") + std::to_string(count) + " " + what + " for " +
                                      std::to_string(expected) + " ids");
    std::vector<float> values(count);
    get_bytes(values.data(), count * sizeof(float), what);
    return values;
  }
  std::size_t remaining() const { return end_ - offset_; }

 private:
  const std::string& path_;
  const std::string& bytes_;
  std::size_t end_;
  std::size_t offset_;
};

// The training matrix of a version 3 file: sizes checked against the bytes left before
// anything is allocated, then a valid compressed matrix (sorted rows, finite values) or an error.
template <typename Scalar>
SparseColumns<Scalar> read_training(const std::string& path, Reader& in, InputShape shape) {
  const auto rows = in.get<std::int64_t>("the training matrix");
  const auto cols = in.get<std::int64_t>("the training matrix");
  const auto nnz = in.get<std::uint64_t>("the training matrix");
  if (rows != shape.rows || cols != shape.cols)
    throw ModelFileError(path, "corrupted: the training matrix is " + std::to_string(rows) + " x " +
                                   std::to_string(cols) + ", the id maps make it " + std::to_string(shape.rows) +
                                   " x " + std::to_string(shape.cols));
  // 4 bytes per column start, then 8 per rating (row index and value)
  if (std::uint64_t(cols) + 1 > in.remaining() / 4 || nnz > (in.remaining() - 4 * (std::uint64_t(cols) + 1)) / 8 ||
      nnz > std::uint64_t(std::numeric_limits<int>::max()))
    throw ModelFileError(path, "corrupted: impossible training matrix size");
  SparseColumns<Scalar> matrix(rows, cols);
  matrix.resizeNonZeros(Index(nnz));
  in.get_bytes(matrix.outerIndexPtr(), sizeof(int) * std::size_t(cols + 1), "the training matrix");
  in.get_bytes(matrix.innerIndexPtr(), sizeof(int) * std::size_t(nnz), "the training matrix");
  const int* outer = matrix.outerIndexPtr();
  const int* inner = matrix.innerIndexPtr();
  bool ok = outer[0] == 0 && std::uint64_t(outer[cols]) == nnz;
  for (Index j = 0; ok && j < cols; ++j) {
    ok = outer[j] <= outer[j + 1] && std::uint64_t(outer[j + 1]) <= nnz;  // a column may not end past the ratings
    for (int p = outer[j]; ok && p < outer[j + 1]; ++p)
      ok = inner[p] >= 0 && inner[p] < rows && (p == outer[j] || inner[p - 1] < inner[p]);
  }
  for (std::uint64_t p = 0; ok && p < nnz; ++p) {
    const float value = in.get<float>("the training matrix");
    ok = std::isfinite(value);
    matrix.valuePtr()[p] = static_cast<Scalar>(value);
  }
  if (!ok) throw ModelFileError(path, "corrupted: the training matrix is not a valid sparse matrix of finite ratings");
  return matrix;
}

}  // namespace detail

/// Writes `saved` to `path` (replacing it only once the whole file is written).
template <typename Scalar>
void save_model(const std::string& path, const SavedModel<Scalar>& saved) {
  const auto& options = saved.model.options();
  // A file that load_model would reject is never written.
  const InputShape shape = input_shape(saved.users.size(), saved.items.size(), saved.variant);
  if (shape.rows != saved.model.inputs())
    throw ModelFileError(path, "cannot save: the network has " + std::to_string(saved.model.inputs()) +
                                   " inputs but the " + (saved.variant == Variant::item ? "user" : "item") +
                                   " id map holds " + std::to_string(shape.rows) +
                                   " ids (for data without raw ids, use IdMap::indices(n))");
  if (saved.training.rows() != shape.rows || saved.training.cols() != shape.cols)
    throw ModelFileError(path, "cannot save: the training matrix is " + std::to_string(saved.training.rows()) + " x " +
                                   std::to_string(saved.training.cols()) + ", the id maps make it " +
                                   std::to_string(shape.rows) + " x " + std::to_string(shape.cols) +
                                   " (build it with input_matrix, or the SavedModel with saved_model)");
  if (!saved.training.isCompressed()) throw ModelFileError(path, "cannot save: the training matrix is not compressed");
  if ((!saved.rules.user_bias.empty() && saved.rules.user_bias.size() != std::size_t(saved.users.size())) ||
      (!saved.rules.item_bias.empty() && saved.rules.item_bias.size() != std::size_t(saved.items.size())))
    throw ModelFileError(path, "cannot save: " + std::to_string(saved.rules.user_bias.size()) + " user and " +
                                   std::to_string(saved.rules.item_bias.size()) + " item biases for " +
                                   std::to_string(saved.users.size()) + " users and " +
                                   std::to_string(saved.items.size()) + " items");
  if (!valid(saved.rules))
    throw ModelFileError(path, "cannot save: invalid prediction rules (clip range [" +
                                   std::to_string(saved.rules.min_rating) + ", " +
                                   std::to_string(saved.rules.max_rating) + "], default " +
                                   std::to_string(saved.rules.default_rating) + ", scale " +
                                   std::to_string(saved.rules.scale) + ")");
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
  out.put(saved.rules.scale);
  out.put_ids(saved.users);
  out.put_ids(saved.items);
  for (const std::vector<float>* bias : {&saved.rules.user_bias, &saved.rules.item_bias}) {
    out.put(std::uint64_t(bias->size()));
    out.put_bytes(bias->data(), sizeof(float) * bias->size());
  }
  const SparseColumns<Scalar>& training = saved.training;
  out.put(std::int64_t(training.rows()));
  out.put(std::int64_t(training.cols()));
  out.put(std::uint64_t(training.nonZeros()));
  out.put_bytes(training.outerIndexPtr(), sizeof(int) * std::size_t(training.cols() + 1));
  out.put_bytes(training.innerIndexPtr(), sizeof(int) * std::size_t(training.nonZeros()));
  for (Index p = 0; p < training.nonZeros(); ++p) out.put(float(training.valuePtr()[p]));
  out.put(saved.fingerprint);
  const Vector<Scalar>& parameters = saved.model.parameters();
  out.put(std::uint64_t(parameters.size()));
  out.put_bytes(parameters.data(), sizeof(Scalar) * std::size_t(parameters.size()));
  out.put(detail::fnv1a(out.bytes().data(), out.bytes().size()));

  try {
    write_file_atomically(path, out.bytes());
  } catch (const std::runtime_error& error) {
    throw ModelFileError(path, std::string(error.what()).substr(path.size() + 2));
  }
}

template <typename Scalar>
SavedModel<Scalar> parse_model(const std::string& bytes, const std::string& path);

/// Reads a model file written by save_model with the same Scalar type.
template <typename Scalar>
SavedModel<Scalar> load_model(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw ModelFileError(path, "cannot open the model file (missing or unreadable)");
  std::ostringstream buffer;
  buffer << file.rdbuf();
  return parse_model<Scalar>(std::move(buffer).str(), path);
}

/// The model in `bytes` (a whole model file; `path` names it in errors).
template <typename Scalar>
SavedModel<Scalar> parse_model(const std::string& bytes, const std::string& path) {
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
  if (version >= 4) rules.scale = in.get<float>("the rating scale");
  IdMap users = in.get_ids("the user ids");
  IdMap items = in.get_ids("the item ids");
  if (version >= 4) {
    rules.user_bias = in.get_floats(std::size_t(users.size()), "user biases");
    rules.item_bias = in.get_floats(std::size_t(items.size()), "item biases");
  }
  if (!valid(rules)) throw ModelFileError(path, "corrupted: invalid prediction rules (NaN, an inverted clip range, a scale not above 0 or a NaN bias)");
  SparseColumns<Scalar> training{};
  std::uint64_t data_fingerprint = 0;
  if (version >= 3) {
    training = detail::read_training<Scalar>(path, in, input_shape(users.size(), items.size(), variant == 0 ? Variant::item : Variant::user));
    data_fingerprint = in.get<std::uint64_t>("the fingerprint");
  }
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
                           std::move(items), std::move(training), data_fingerprint};
  in.get_bytes(saved.model.parameters().data(), count * sizeof(Scalar), "the parameters");
  if (!saved.model.parameters().allFinite())
    throw ModelFileError(path, "corrupted: the parameters hold NaN or infinite values");
  return saved;
}

}  // namespace autorec

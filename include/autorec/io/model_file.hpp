#pragma once
// Model files: everything needed to predict with a trained network, in one versioned binary.
//
// Layout of version 7 (little-endian; all integers fixed width):
//   magic        8 bytes  "AUTOREC\0"
//   version      u32      7
//   scalar       u32      4 (float) or 8 (double)
//   variant      u32      0 item, 1 user
//   rules        4 x f32  min rating, max rating, default rating, scale (eval/predict.hpp)
//   users        u64 count, then per id: a string
//   items        likewise
//   biases       of the rules' fallback: u64 count (0, or the number of users), then count
//                f32 user biases; the same for items
//   training     the training matrix in the model's layout (rating_matrix), which prediction
//                reads, in network units (ratings / scale): rows i64, cols i64, nnz u64, then
//                cols + 1 column starts (i32), nnz row indices (i32), nnz values (f32)
//   fingerprint  u64      of the ratings file it was trained from (data/fingerprint.hpp)
//   networks     u32 count (1, or an ensemble's members), then per network:
//     architecture        the network's shape (model/architecture.hpp):
//       inputs        i64   d
//       first width   i64   outputs of the sparse-input layer
//       input dropout f64
//       stages        u32 count, then per stage: kind (string), size i64, rate f64,
//                     kernel size i64 (0: not kernelised; layers/local_kernel.hpp)
//       output activation   string
//       kernel sizes  i64 x 2: of the sparse-input and the observed-output layer
//       output loss   string  (loss/output_losses.hpp: "squared-error", "multinomial")
//       normalised    u8      1: input columns scaled to unit norm first
//     lambda     f64
//     kernel lambda f64    lambda_s of the kernelised layers
//     seed       u64
//     parameters u64 count, then count scalars: the network's flat vector, in the layout
//                the network derives from its architecture
//   checksum     u64      FNV-1a of every byte before it
// A string is u32 length + bytes. Version 6 had no output loss (squared error) and no
// normalisation (none). Version 5 had no kernel sizes and no kernel lambda (none
// kernelised). Version 4 held one network: its architecture, lambda and
// seed after the variant, its parameters last. Version 3 had no scale (it is 1) and no biases. Version 2 had no training matrix and no fingerprint: it is
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

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/data/fingerprint.hpp"
#include "autorec/data/id_map.hpp"
#include "autorec/data/rating_matrix.hpp"
#include "autorec/io/atomic_file.hpp"
#include "autorec/io/model_file_parts.hpp"
#include "autorec/eval/predict.hpp"
#include "autorec/model/architecture.hpp"
#include "autorec/model/autorec.hpp"
#include "autorec/model/ensemble.hpp"

namespace autorec {

inline constexpr std::uint32_t kModelFileVersion = 7;
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
  /// An ensemble's members after the first (`model`); empty for one network. A Scorer
  /// predicts their mean.
  std::vector<Network<Scalar>> other_members{};

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
/// The same for an ensemble: one file holds all its members.
template <typename Scalar>
SavedModel<Scalar> saved_model(const Ensemble<Scalar>& ensemble, Variant variant, const PredictionRules& rules,
                               const RatingData& data, const std::vector<Rating>& training) {
  if (ensemble.size() == 0) throw std::invalid_argument("saved_model: an ensemble with no members");
  SavedModel<Scalar> saved = saved_model(ensemble.member(0), variant, rules, data, training);
  for (std::size_t m = 1; m < ensemble.size(); ++m) saved.other_members.push_back(ensemble.member(m));
  return saved;
}

/// Writes `saved` to `path` (replacing it only once the whole file is written).
template <typename Scalar>
void save_model(const std::string& path, const SavedModel<Scalar>& saved) {
  // A file that load_model would reject is never written.
  const InputShape shape = input_shape(saved.users.size(), saved.items.size(), saved.variant);
  for (const Network<Scalar>& member : saved.other_members)
    if (member.inputs() != saved.model.inputs())
      throw ModelFileError(path, "cannot save: an ensemble member has " + std::to_string(member.inputs()) +
                                     " inputs, the first network " + std::to_string(saved.model.inputs()));
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
  out.put(std::uint32_t(1 + saved.other_members.size()));
  detail::put_network(out, saved.model);
  for (const Network<Scalar>& member : saved.other_members) detail::put_network(out, member);
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
  std::string bytes;
  std::error_code error;
  if (std::filesystem::is_regular_file(path, error)) {  // read at its size: the bytes held once
    const std::uintmax_t size = std::filesystem::file_size(path, error);
    if (error) throw ModelFileError(path, "cannot read the model file's size: " + error.message());
    bytes.resize(std::size_t(size));
    if (!file.read(bytes.data(), std::streamsize(bytes.size()))) throw ModelFileError(path, "cannot read the model file");
  } else {  // a pipe or a device: read to its end
    bytes.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  }
  return parse_model<Scalar>(bytes, path);
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
  std::optional<detail::NetworkHead> head;  // before the rules up to version 4
  if (version <= 4) head = detail::read_network_head(path, in, version);
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
  const Index expected_inputs = variant == 0 ? users.size() : items.size();
  std::vector<Network<Scalar>> networks;
  if (version <= 4) {
    networks.push_back(detail::read_network<Scalar>(path, in, *head, expected_inputs));
  } else {
    const auto count = in.get<std::uint32_t>("the network count");
    if (count == 0 || count > in.remaining()) throw ModelFileError(path, "corrupted: impossible network count");
    for (std::uint32_t n = 0; n < count; ++n) {
      const detail::NetworkHead member = detail::read_network_head(path, in, version);
      networks.push_back(detail::read_network<Scalar>(path, in, member, expected_inputs));
    }
  }
  if (in.remaining() != 0) throw ModelFileError(path, "corrupted: the parameters do not fill the rest of the file");
  SavedModel<Scalar> saved{std::move(networks.front()), variant == 0 ? Variant::item : Variant::user, rules,
                           std::move(users), std::move(items), std::move(training), data_fingerprint};
  saved.other_members.assign(std::make_move_iterator(networks.begin() + 1), std::make_move_iterator(networks.end()));
  return saved;
}

}  // namespace autorec

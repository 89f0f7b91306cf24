#pragma once
// Model files: everything needed to predict with a trained network, in one versioned binary.
//
// Layout of version 8 (little-endian; all integers fixed width):
//   magic        8 bytes  "AUTOREC\0"
//   version      u32      8
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
//   model kind   u32      0: networks, as below; 1: EASE (model/ease.hpp), in the user layout
//                with implicit_rules: lambda f64, items i64 n, then B, n x n scalars by columns;
//                2: a blend (model/blend.hpp), in the user layout with implicit_rules: u32
//                member count, then per member: weight f64, member kind u32 (0 one network,
//                1 EASE), then the network as below (architecture to parameters) or EASE as above
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
// A string is u32 length + bytes. Version 7 had no model kind (networks). Version 6 had no output loss (squared error) and no
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

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <variant>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/data/fingerprint.hpp"
#include "autorec/data/id_map.hpp"
#include "autorec/data/implicit.hpp"
#include "autorec/data/rating_matrix.hpp"
#include "autorec/io/atomic_file.hpp"
#include "autorec/io/model_file_parts.hpp"
#include "autorec/eval/predict.hpp"
#include "autorec/model/architecture.hpp"
#include "autorec/model/autorec.hpp"
#include "autorec/model/blend.hpp"
#include "autorec/model/ease.hpp"
#include "autorec/model/ensemble.hpp"

namespace autorec {

inline constexpr std::uint32_t kModelFileVersion = 8;
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

/// An EASE model (model/ease.hpp) with its users, items and training events: what a Scorer of
/// it needs (serve/scorer.hpp), with no events file. Its rules are implicit_rules().
template <typename Scalar>
struct SavedEase {
  Ease<Scalar> model;
  IdMap users;
  IdMap items;
  /// The training users' item vectors, items x users, each event 1 (the user layout).
  SparseColumns<Scalar> training;
  std::uint64_t fingerprint = 0;
};

/// A blend of implicit-feedback models (model/blend.hpp: each member's scores standardised per
/// user, then weighted) with what a Scorer of it needs (serve/scorer.hpp). Members are single
/// networks over items (Mult-DAE, Mult-VAE) or EASE, all trained on `training`; its rules are
/// implicit_rules().
template <typename Scalar>
struct SavedBlend {
  struct Member {
    double weight = 0;
    std::variant<Network<Scalar>, Ease<Scalar>> model;
  };
  std::vector<Member> members;
  IdMap users;
  IdMap items;
  /// The training users' item vectors, items x users, each event 1 (the user layout).
  SparseColumns<Scalar> training;
  std::uint64_t fingerprint = 0;
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

namespace detail {

// What every model file must hold to be read back: a compressed training matrix, biases that
// match the ids, valid rules.
template <typename Scalar>
void check_common(const std::string& path, const PredictionRules& rules, const IdMap& users, const IdMap& items,
                  const SparseColumns<Scalar>& training) {
  if (!training.isCompressed()) throw ModelFileError(path, "cannot save: the training matrix is not compressed");
  if ((!rules.user_bias.empty() && rules.user_bias.size() != std::size_t(users.size())) ||
      (!rules.item_bias.empty() && rules.item_bias.size() != std::size_t(items.size())))
    throw ModelFileError(path, "cannot save: " + std::to_string(rules.user_bias.size()) + " user and " +
                                   std::to_string(rules.item_bias.size()) + " item biases for " +
                                   std::to_string(users.size()) + " users and " + std::to_string(items.size()) +
                                   " items");
  if (!valid(rules))
    throw ModelFileError(path, "cannot save: invalid prediction rules (clip range [" +
                                   std::to_string(rules.min_rating) + ", " + std::to_string(rules.max_rating) +
                                   "], default " + std::to_string(rules.default_rating) + ", scale " +
                                   std::to_string(rules.scale) + ")");
}

// Everything from the magic number to the fingerprint.
template <typename Scalar>
void put_common(Writer& out, Variant variant, const PredictionRules& rules, const IdMap& users, const IdMap& items,
                const SparseColumns<Scalar>& training, std::uint64_t fingerprint) {
  out.put_bytes(kModelFileMagic, sizeof kModelFileMagic);
  out.put(kModelFileVersion);
  out.put(std::uint32_t(sizeof(Scalar)));
  out.put(std::uint32_t(variant == Variant::item ? 0 : 1));
  out.put(rules.min_rating);
  out.put(rules.max_rating);
  out.put(rules.default_rating);
  out.put(rules.scale);
  out.put_ids(users);
  out.put_ids(items);
  for (const std::vector<float>* bias : {&rules.user_bias, &rules.item_bias}) {
    out.put(std::uint64_t(bias->size()));
    out.put_bytes(bias->data(), sizeof(float) * bias->size());
  }
  out.put(std::int64_t(training.rows()));
  out.put(std::int64_t(training.cols()));
  out.put(std::uint64_t(training.nonZeros()));
  out.put_bytes(training.outerIndexPtr(), sizeof(int) * std::size_t(training.cols() + 1));
  out.put_bytes(training.innerIndexPtr(), sizeof(int) * std::size_t(training.nonZeros()));
  for (Index p = 0; p < training.nonZeros(); ++p) out.put(float(training.valuePtr()[p]));
  out.put(fingerprint);
}

// The checksum, then the bytes to `path`, atomically.
inline void finish_and_write(const std::string& path, Writer& out) {
  out.put(fnv1a(out.bytes().data(), out.bytes().size()));
  try {
    write_file_atomically(path, out.bytes());
  } catch (const std::runtime_error& error) {
    throw ModelFileError(path, std::string(error.what()).substr(path.size() + 2));
  }
}

}  // namespace detail

/// The training users' item vectors of an implicit split, items x users, each event 1: the
/// training matrix of an implicit model's file.
template <typename Scalar>
SparseColumns<Scalar> implicit_training_matrix(const ImplicitData& data) {
  return data.train.template columns<Scalar>(data.catalogue(), 0, data.train.rows());
}
/// The training users of an implicit split as an id map.
inline IdMap implicit_training_users(const ImplicitData& data) {
  IdMap users;
  for (const std::string& id : data.train_users) users.insert(id);
  return users;
}

/// A SavedModel of a network trained on implicit feedback (train/implicit_trainer.hpp): the
/// user layout, implicit_rules, the training users and the catalogue of `data`.
template <typename Scalar>
SavedModel<Scalar> saved_model(Network<Scalar> model, const ImplicitData& data) {
  return SavedModel<Scalar>{std::move(model), Variant::user, implicit_rules(), implicit_training_users(data),
                            data.items, implicit_training_matrix<Scalar>(data), data.source_fingerprint};
}
/// The same for EASE fitted on `data`.
template <typename Scalar>
SavedEase<Scalar> saved_model(Ease<Scalar> model, const ImplicitData& data) {
  return SavedEase<Scalar>{std::move(model), implicit_training_users(data), data.items,
                           implicit_training_matrix<Scalar>(data), data.source_fingerprint};
}

/// A blend of models fitted on `data`: `members` as (weight, network or EASE).
template <typename Scalar>
SavedBlend<Scalar> saved_blend(std::vector<typename SavedBlend<Scalar>::Member> members, const ImplicitData& data) {
  return SavedBlend<Scalar>{std::move(members), implicit_training_users(data), data.items,
                            implicit_training_matrix<Scalar>(data), data.source_fingerprint};
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
  detail::check_common(path, saved.rules, saved.users, saved.items, saved.training);
  detail::Writer out;
  detail::put_common(out, saved.variant, saved.rules, saved.users, saved.items, saved.training, saved.fingerprint);
  out.put(std::uint32_t(0));  // networks
  out.put(std::uint32_t(1 + saved.other_members.size()));
  detail::put_network(out, saved.model);
  for (const Network<Scalar>& member : saved.other_members) detail::put_network(out, member);
  detail::finish_and_write(path, out);
}

namespace detail {

// EASE's checks before saving: its size matches the items and the training matrix.
template <typename Scalar>
void check_ease(const std::string& path, const Ease<Scalar>& model, const IdMap& users, const IdMap& items,
                const SparseColumns<Scalar>& training) {
  const Index n = model.items();
  if (items.size() != n)
    throw ModelFileError(path, "cannot save: EASE has " + std::to_string(n) + " items, the item id map " +
                                   std::to_string(items.size()));
  if (training.rows() != n || training.cols() != users.size())
    throw ModelFileError(path, "cannot save: the training matrix is " + std::to_string(training.rows()) + " x " +
                                   std::to_string(training.cols()) + ", the id maps make it " +
                                   std::to_string(n) + " x " + std::to_string(users.size()) +
                                   " (items x users: ItemSets::columns of the training rows)");
  if (!model.weights().allFinite()) throw ModelFileError(path, "cannot save: EASE's weights hold NaN or infinite values");
}

template <typename Scalar>
void put_ease(Writer& out, const Ease<Scalar>& model) {
  const Index n = model.items();
  out.put(model.lambda());
  out.put(std::int64_t(n));
  out.put_bytes(model.weights().data(), sizeof(Scalar) * std::size_t(n) * std::size_t(n));
}

}  // namespace detail

/// Writes an EASE model to `path` (replacing it only once the whole file is written).
template <typename Scalar>
void save_model(const std::string& path, const SavedEase<Scalar>& saved) {
  detail::check_ease(path, saved.model, saved.users, saved.items, saved.training);
  const PredictionRules rules = implicit_rules();
  detail::check_common(path, rules, saved.users, saved.items, saved.training);
  detail::Writer out;
  detail::put_common(out, Variant::user, rules, saved.users, saved.items, saved.training, saved.fingerprint);
  out.put(std::uint32_t(1));  // EASE
  detail::put_ease(out, saved.model);
  detail::finish_and_write(path, out);
}

/// Writes a blend to `path` (replacing it only once the whole file is written).
template <typename Scalar>
void save_model(const std::string& path, const SavedBlend<Scalar>& saved) {
  if (saved.members.empty()) throw ModelFileError(path, "cannot save: a blend of no models");
  for (const auto& member : saved.members) {
    if (!std::isfinite(member.weight)) throw ModelFileError(path, "cannot save: a blend weight is not finite");
    if (const auto* ease = std::get_if<Ease<Scalar>>(&member.model)) {
      detail::check_ease(path, *ease, saved.users, saved.items, saved.training);
    } else if (const Index inputs = std::get<Network<Scalar>>(member.model).inputs(); inputs != saved.items.size() ||
               saved.training.rows() != inputs || saved.training.cols() != saved.users.size()) {
      throw ModelFileError(path, "cannot save: a blended network has " + std::to_string(inputs) + " inputs, for " +
                                     std::to_string(saved.items.size()) + " items and a training matrix of " +
                                     std::to_string(saved.training.rows()) + " x " +
                                     std::to_string(saved.training.cols()) + " (items x users)");
    }
  }
  const PredictionRules rules = implicit_rules();
  detail::check_common(path, rules, saved.users, saved.items, saved.training);
  detail::Writer out;
  detail::put_common(out, Variant::user, rules, saved.users, saved.items, saved.training, saved.fingerprint);
  out.put(std::uint32_t(2));  // a blend
  out.put(std::uint32_t(saved.members.size()));
  for (const auto& member : saved.members) {
    out.put(member.weight);
    if (const auto* ease = std::get_if<Ease<Scalar>>(&member.model)) {
      out.put(std::uint32_t(1));
      detail::put_ease(out, *ease);
    } else {
      out.put(std::uint32_t(0));
      detail::put_network(out, std::get<Network<Scalar>>(member.model));
    }
  }
  detail::finish_and_write(path, out);
}

/// What a model file holds: networks, EASE, or a blend.
template <typename Scalar>
using ModelFileContents = std::variant<SavedModel<Scalar>, SavedEase<Scalar>, SavedBlend<Scalar>>;

/// The model in `bytes` (a whole model file; `path` names it in errors), of either kind.
template <typename Scalar>
ModelFileContents<Scalar> parse_model_file(const std::string& bytes, const std::string& path);

/// The most bytes read from a model "file" that is not a regular file (a pipe, a device),
/// whose size is not known beforehand: 16 GiB, far above any model this library writes
/// (ML-20M's EASE in float is 1.6 GB), so that a stream without end is refused, not read on.
inline constexpr std::uint64_t kMaxStreamedModelBytes = std::uint64_t(16) << 30;

/// The bytes of the file at `path`: refused after its first 8 bytes when they are not a model
/// file's magic number (so /dev/zero or a text file is not read on), read at its size when it
/// is a regular file, and refused past `stream_limit` bytes when it is not.
inline std::string read_model_bytes(const std::string& path, std::uint64_t stream_limit = kMaxStreamedModelBytes) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw ModelFileError(path, "cannot open the model file (missing or unreadable)");
  std::string bytes(sizeof kModelFileMagic, '\0');
  if (!file.read(bytes.data(), std::streamsize(bytes.size())) ||
      std::memcmp(bytes.data(), kModelFileMagic, sizeof kModelFileMagic) != 0)
    throw ModelFileError(path, "not an autorec model file (bad magic number)");
  std::error_code error;
  if (std::filesystem::is_regular_file(path, error)) {  // read at its size: the bytes held once
    const std::uintmax_t size = std::filesystem::file_size(path, error);
    if (error) throw ModelFileError(path, "cannot read the model file's size: " + error.message());
    bytes.resize(std::max<std::size_t>(std::size_t(size), bytes.size()));
    const std::streamsize rest = std::streamsize(bytes.size() - sizeof kModelFileMagic);
    if (!file.read(bytes.data() + sizeof kModelFileMagic, rest)) throw ModelFileError(path, "cannot read the model file");
    return bytes;
  }
  std::vector<char> chunk(std::size_t(1) << 20);  // a pipe or a device: to its end, within the limit
  while (file) {
    file.read(chunk.data(), std::streamsize(chunk.size()));
    bytes.append(chunk.data(), std::size_t(file.gcount()));
    if (bytes.size() > stream_limit)
      throw ModelFileError(path, "longer than " + std::to_string(stream_limit) +
                                     " bytes without an end: not a model file (a device or an endless stream?)");
  }
  if (file.bad()) throw ModelFileError(path, "cannot read the model file");
  return bytes;
}

/// The networks in `bytes`; a file of EASE is refused (parse_model_file reads either).
template <typename Scalar>
SavedModel<Scalar> parse_model(const std::string& bytes, const std::string& path) {
  ModelFileContents<Scalar> contents = parse_model_file<Scalar>(bytes, path);
  if (auto* networks = std::get_if<SavedModel<Scalar>>(&contents)) return std::move(*networks);
  throw ModelFileError(path, std::holds_alternative<SavedEase<Scalar>>(contents)
                                 ? "holds an EASE model, not networks: load it with load_ease, or serve it with "
                                   "load_scorer (serve/scorer.hpp)"
                                 : "holds a blend, not networks: serve it with load_scorer (serve/scorer.hpp)");
}

/// Reads a model file of networks written by save_model with the same Scalar type.
template <typename Scalar>
SavedModel<Scalar> load_model(const std::string& path) {
  return parse_model<Scalar>(read_model_bytes(path), path);
}

/// Reads a model file of EASE written by save_model with the same Scalar type.
template <typename Scalar>
SavedEase<Scalar> load_ease(const std::string& path) {
  ModelFileContents<Scalar> contents = parse_model_file<Scalar>(read_model_bytes(path), path);
  if (auto* ease = std::get_if<SavedEase<Scalar>>(&contents)) return std::move(*ease);
  throw ModelFileError(path, std::holds_alternative<SavedModel<Scalar>>(contents)
                                 ? "holds networks, not EASE: load it with load_model"
                                 : "holds a blend, not EASE alone: serve it with load_scorer (serve/scorer.hpp)");
}

namespace detail {

// EASE's lambda, item count and B, which the file holds `n` x `n` for the `n` item ids.
template <typename Scalar>
Ease<Scalar> read_ease(const std::string& path, Reader& in, Index n_items) {
  const auto lambda = in.get<double>("EASE's lambda");
  if (!(lambda > 0) || !std::isfinite(lambda)) throw ModelFileError(path, "corrupted: EASE's lambda is not positive");
  const auto n = in.get<std::int64_t>("EASE's item count");
  if (n != n_items) throw ModelFileError(path, "corrupted: EASE's item count does not match the item ids");
  if (std::uint64_t(n) * std::uint64_t(n) > in.remaining() / sizeof(Scalar))
    throw ModelFileError(path, "corrupted: EASE's weights do not fill the rest of the file");
  Matrix<Scalar> weights(n, n);
  in.get_bytes(weights.data(), sizeof(Scalar) * std::size_t(n) * std::size_t(n), "EASE's weights");
  if (!weights.allFinite()) throw ModelFileError(path, "corrupted: EASE's weights hold NaN or infinite values");
  return Ease<Scalar>(std::move(weights), lambda);
}

// A blend's members (the model kind 2), each trained on the file's `items` items.
template <typename Scalar>
std::vector<typename SavedBlend<Scalar>::Member> read_blend(const std::string& path, Reader& in, Index items,
                                                            std::uint32_t version) {
  const auto count = in.get<std::uint32_t>("the blend's member count");
  if (count == 0 || count > in.remaining()) throw ModelFileError(path, "corrupted: impossible blend member count");
  std::vector<typename SavedBlend<Scalar>::Member> members;
  for (std::uint32_t m = 0; m < count; ++m) {
    const auto weight = in.get<double>("a blend weight");
    if (!std::isfinite(weight)) throw ModelFileError(path, "corrupted: a blend weight is not finite");
    const auto kind = in.get<std::uint32_t>("a blend member's kind");
    if (kind > 1) throw ModelFileError(path, "corrupted: unknown blend member kind " + std::to_string(kind));
    if (kind == 1) {
      members.push_back({weight, read_ease<Scalar>(path, in, items)});
    } else {
      const NetworkHead head = read_network_head(path, in, version);
      members.push_back({weight, read_network<Scalar>(path, in, head, items)});
    }
  }
  return members;
}

}  // namespace detail

template <typename Scalar>
SavedModel<Scalar> parse_model(const std::string& bytes, const std::string& path);

template <typename Scalar>
ModelFileContents<Scalar> parse_model_file(const std::string& bytes, const std::string& path) {
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
  const std::uint32_t kind = version >= 8 ? in.get<std::uint32_t>("the model kind") : 0;
  if (kind > 2) throw ModelFileError(path, "corrupted: unknown model kind " + std::to_string(kind));
  if (kind == 1 || kind == 2) {
    if (variant != 1 || rules.predicts_ratings())
      throw ModelFileError(path, std::string("corrupted: ") + (kind == 1 ? "an EASE model" : "a blend") +
                                     " in the item layout or with a rating range");
    auto whole = [&](auto saved) -> ModelFileContents<Scalar> {
      if (in.remaining() != 0)
        throw ModelFileError(path, kind == 1 ? "corrupted: EASE's weights do not fill the rest of the file"
                                             : "corrupted: the blend's models do not fill the rest of the file");
      return saved;
    };
    if (kind == 1)
      return whole(SavedEase<Scalar>{detail::read_ease<Scalar>(path, in, items.size()), std::move(users),
                                     std::move(items), std::move(training), data_fingerprint});
    return whole(SavedBlend<Scalar>{detail::read_blend<Scalar>(path, in, items.size(), version), std::move(users),
                                    std::move(items), std::move(training), data_fingerprint});
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

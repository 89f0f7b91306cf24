#pragma once
// Serving: scores and top-N lists from a trained network, with no ratings file and no
// re-encoding per call.
//
// Let E be the encoded vectors (items for I-AutoRec, users for U-AutoRec) and O the outputs
// (users, or items). On construction the training matrix is encoded once: C = code(X), kn x |E|.
// Then the predicted rating of a pair (o, e) is one dot product,
//   R(o, e) = clip(f(W(o, :) C(:, e) + b(o))),
// the same number predict_ratings gives, and a user's scores over the catalogue are one
// matrix-vector product: I-AutoRec C^T W(u, :)^T + b(u) (|items| x kn), U-AutoRec
// W C(:, u) + b (|items| x kn). Many users at once are a GEMM.
//
// An ensemble's Scorer keeps each member's network and codes and predicts the members' mean
// f(...), clipped after averaging: the numbers Ensemble::predict gives.
//
// The arithmetic above is each model's decode step (serve/decoder.hpp): I-AutoRec's, that of
// networks over user vectors (U-AutoRec, Mult-DAE, Mult-VAE) and EASE's. The Scorer keeps the
// training matrix, the id maps and the rules, averages its decoders' scores and makes lists.
// A model of implicit feedback (implicit_rules) reports ranking scores, unclipped, and folds
// a new user in from a list of items (fold_in_items).
//
// A Scorer is immutable once built: every method is const and touches no shared state, so
// any number of threads may call it at once (tests/test_scorer.cpp does).

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "autorec/data/id_map.hpp"
#include "autorec/data/printable.hpp"
#include "autorec/data/rating_matrix.hpp"
#include "autorec/eval/predict.hpp"
#include "autorec/io/model_file.hpp"
#include "autorec/model/ensemble.hpp"
#include "autorec/model/network.hpp"
#include "autorec/parallel.hpp"
#include "autorec/serve/blend_decoder.hpp"
#include "autorec/serve/decoder.hpp"
#include "autorec/serve/ease_decoder.hpp"
#include "autorec/serve/fold_in.hpp"
#include "autorec/serve/item_layout_decoder.hpp"
#include "autorec/serve/user_layout_decoder.hpp"
#include "autorec/eval/top_n.hpp"

namespace autorec {

/// A raw id, an index or a rating that the model cannot serve (HTTP: 404 or 422).
class UnknownId : public std::out_of_range {
 public:
  using std::out_of_range::out_of_range;
};

template <typename Scalar = float>
class Scorer {
 public:
  /// One decode step per model (serve/decoder.hpp); shared, since they are immutable.
  using Decoders = std::vector<std::shared_ptr<const Decoder<Scalar>>>;

  /// From a model file of version 3 or later (it holds the training matrix); an ensemble's
  /// file gives the Scorer of its members' mean.
  explicit Scorer(const SavedModel<Scalar>& saved)
      : Scorer(Parts{copies(members_of(saved)), {}, saved.variant, saved.rules, require_training(saved), saved.users,
                     saved.items}) {}
  /// The same, taking over the model's networks and training matrix instead of copying them.
  explicit Scorer(SavedModel<Scalar>&& saved) : Scorer(parts_of(std::move(saved))) {}
  /// From an EASE model file: scores are x B, the rules implicit_rules().
  explicit Scorer(SavedEase<Scalar> saved)
      : Scorer(Parts{{}, {std::make_shared<const EaseDecoder<Scalar>>(std::move(saved.model))}, Variant::user,
                     implicit_rules(), std::move(saved.training), std::move(saved.users), std::move(saved.items)}) {}
  /// From a blend's model file: every member decodes the user, and their scores are
  /// standardised and weighted (model/blend.hpp); the rules implicit_rules().
  explicit Scorer(SavedBlend<Scalar> saved)
      : Scorer(Parts{{}, {blend_of(std::move(saved.members), saved.training)}, Variant::user, implicit_rules(),
                     std::move(saved.training), std::move(saved.users), std::move(saved.items)}) {}

  /// From a network and the training matrix it predicts from (rating_matrix of the training
  /// ratings in the network's layout). Id maps are optional: without them raw ids are indices.
  Scorer(const Network<Scalar>& network, Variant variant, const PredictionRules& rules,
         const SparseColumns<Scalar>& training, IdMap users = {}, IdMap items = {})
      : Scorer(Parts{copies({&network}), {}, variant, rules, training, std::move(users), std::move(items)}) {}
  /// From an ensemble: scores are the members' mean prediction, clipped after averaging.
  Scorer(const Ensemble<Scalar>& ensemble, Variant variant, const PredictionRules& rules,
         const SparseColumns<Scalar>& training, IdMap users = {}, IdMap items = {})
      : Scorer(Parts{copies(members_of(ensemble)), {}, variant, rules, training, std::move(users), std::move(items)}) {}
  /// From an EASE model and its training users' item vectors (items x users, each event 1).
  Scorer(const Ease<Scalar>& ease, const SparseColumns<Scalar>& training, IdMap users = {}, IdMap items = {})
      : Scorer(Parts{{}, {std::make_shared<const EaseDecoder<Scalar>>(ease)}, Variant::user, implicit_rules(), training,
                     std::move(users), std::move(items)}) {}
  /// From decode steps of your own (serve/decoder.hpp), whose mean is scored.
  Scorer(Decoders decoders, Variant variant, const PredictionRules& rules, const SparseColumns<Scalar>& training,
         IdMap users = {}, IdMap items = {})
      : Scorer(Parts{{}, std::move(decoders), variant, rules, training, std::move(users), std::move(items)}) {}

  Variant variant() const { return variant_; }
  const PredictionRules& rules() const { return rules_; }
  /// Whether scores are ratings (a model of explicit feedback) or ranking scores (implicit).
  bool predicts_ratings() const { return rules_.predicts_ratings(); }
  /// The items with training ratings: those a top-N list can hold (the catalogue that
  /// ranking metrics' coverage is a share of).
  long catalogue() const {
    const std::vector<char>& seen = item_seen();
    return long(std::count(seen.begin(), seen.end(), char(1)));
  }
  /// The models whose scores are averaged: one, or an ensemble's members.
  std::size_t network_count() const { return decoders_.size(); }
  /// A member's network; std::logic_error for a model without one (EASE).
  const Network<Scalar>& network(std::size_t member = 0) const {
    const Network<Scalar>* network = decoders_.at(member)->network();
    if (network == nullptr) throw std::logic_error("Scorer: " + decoders_.at(member)->describe() + " has no network");
    return *network;
  }
  /// The model in words: its first member's description, and the member count of an ensemble.
  std::string describe() const {
    return decoders_.front()->describe() +
           (decoders_.size() > 1 ? " (an ensemble of " + std::to_string(decoders_.size()) + ")" : std::string());
  }
  const IdMap& user_ids() const { return users_; }
  const IdMap& item_ids() const { return items_; }
  int user_count() const { return int(variant_ == Variant::item ? training_.rows() : training_.cols()); }
  int item_count() const { return int(variant_ == Variant::item ? training_.cols() : training_.rows()); }

  /// Index of a raw id; UnknownId if the model has none.
  int user(std::string_view raw) const { return find(users_, raw, "user"); }
  int item(std::string_view raw) const { return find(items_, raw, "item"); }
  /// The items `user` rated in training, sorted.
  std::vector<int> rated_items(int user) const {
    check(user, user_count(), "user");
    const int* begin = rated_.data() + rated_start_[std::size_t(user)];
    return {begin, rated_.data() + rated_start_[std::size_t(user) + 1]};
  }
  /// Whether a user or an item had training ratings (without, its score is the rules' fallback).
  bool user_has_ratings(int user) const { return seen_user(check(user, user_count(), "user")); }
  bool item_has_ratings(int item) const { return seen_item(check(item, item_count(), "item")); }

  /// The predicted rating of (user, item), by index or by raw id.
  float score(int user, int item) const {
    check(user, user_count(), "user");
    check(item, item_count(), "item");
    if (!seen_user(user) || !seen_item(item)) return rules_.fallback(user, item);
    Scalar sum = 0;
    for (const auto& decoder : decoders_) sum += decoder->score(training_, user, item);
    return rules_.rating(float(sum / Scalar(decoders_.size())));
  }
  float score(std::string_view user_id, std::string_view item_id) const { return score(user(user_id), item(item_id)); }
  /// Many pairs (user, item), in order.
  std::vector<float> score(const std::vector<std::pair<int, int>>& pairs) const {
    std::vector<float> scores(pairs.size());
    for (std::size_t p = 0; p < pairs.size(); ++p) scores[p] = score(pairs[p].first, pairs[p].second);
    return scores;
  }

  /// The predicted ratings of every item for `user` (the rules' fallback for items without ratings).
  std::vector<float> scores(int user) const { return predictions(user, true); }
  /// The same before clipping to the rating range: what top-N lists are ordered by, so that
  /// the items predicted above the top of the range keep their order instead of tying.
  std::vector<float> ranking_scores(int user) const { return predictions(user, false); }

  /// Top-N for one user (by index or raw id): the best items that had training ratings, by
  /// default leaving out those the user rated, ordered by ranking_scores and reported with
  /// their (clipped) predicted ratings. Empty for a user without training ratings.
  std::vector<Recommendation> recommend(int user, const TopN& request = {}) const {
    if (!user_has_ratings(user)) return {};
    return top(ranking_scores(user), request, rated_.data() + rated_start_[std::size_t(user)],
               rated_start_[std::size_t(user) + 1] - rated_start_[std::size_t(user)]);
  }
  std::vector<Recommendation> recommend(std::string_view user_id, const TopN& request = {}) const {
    return recommend(user(user_id), request);
  }

  /// Top-N for many users: their scores come from GEMMs over blocks of users, the blocks in
  /// parallel. result[i] is users[i]'s list.
  std::vector<std::vector<Recommendation>> recommend(const std::vector<int>& users, const TopN& request = {}) const {
    for (int u : users) check(u, user_count(), "user");
    check_request(request);  // here: an exception may not leave the parallel loop below
    std::vector<std::vector<Recommendation>> result(users.size());
    constexpr Index kBlock = 64;
    const Index blocks = (Index(users.size()) + kBlock - 1) / kBlock;
    AUTOREC_PARALLEL_FOR
    for (Index block = 0; block < blocks; ++block) {
      const Index first = block * kBlock, n = std::min<Index>(kBlock, Index(users.size()) - first);
      Matrix<Scalar> mean = Matrix<Scalar>::Zero(item_count(), n), member;  // one column per user
      for (const auto& decoder : decoders_) {
        decoder->scores(training_, users.data() + first, n, member);
        mean += member;
      }
      mean /= Scalar(decoders_.size());
      std::vector<float> all(static_cast<std::size_t>(item_count()));
      for (Index i = 0; i < n; ++i) {
        const int u = users[std::size_t(first + i)];
        if (!seen_user(u)) continue;
        finish(mean.col(i), u, false, all);
        result[std::size_t(first + i)] = top(all, request, rated_.data() + rated_start_[std::size_t(u)],
                                             rated_start_[std::size_t(u) + 1] - rated_start_[std::size_t(u)]);
      }
    }
    return result;
  }

  /// Fits a user the model never saw to their ratings (item index, rating), with no
  /// retraining (serve/fold_in.hpp). Ratings must lie in the model's rating range; a model of
  /// implicit feedback takes each item with the value 1 (or fold_in(items) below).
  FoldedUser<Scalar> fold_in(const std::vector<std::pair<int, float>>& ratings, const FoldInOptions& options = {}) const {
    FoldedUser<Scalar> folded;
    std::vector<std::pair<int, float>> sorted = ratings;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t r = 0; r < sorted.size(); ++r) {
      const auto [item, value] = sorted[r];
      check(item, item_count(), "item");
      if (r > 0 && sorted[r - 1].first == item)
        throw std::invalid_argument("fold-in: item '" + items_.raw(item) + "' is " +
                                    (predicts_ratings() ? "rated" : "listed") + " twice");
      check_value(item, value);
      folded.rated.push_back(item);
      folded.ratings.push_back(value);
    }
    if (folded.rated.empty()) return folded;  // scores of nobody: recommend() returns nothing
    const Index m = Index(folded.rated.size());
    const Vector<Scalar> values =  // in model units
        Eigen::Map<const Eigen::VectorXf>(folded.ratings.data(), m).template cast<Scalar>() / Scalar(rules_.scale);
    for (const auto& decoder : decoders_) folded.fits.push_back(decoder->fold_in(training_, folded.rated, values, options));
    return folded;
  }
  /// The same by raw item ids.
  FoldedUser<Scalar> fold_in(const std::vector<std::pair<std::string, float>>& ratings,
                             const FoldInOptions& options = {}) const {
    std::vector<std::pair<int, float>> indexed;
    for (const auto& [id, value] : ratings) indexed.emplace_back(item(id), value);
    return fold_in(indexed, options);
  }
  /// Folds a user in from the items they interacted with, a repeated item counting once (a
  /// model of implicit feedback only: a rating model needs their ratings).
  FoldedUser<Scalar> fold_in_items(std::vector<int> items) const {
    if (predicts_ratings())
      throw std::invalid_argument("fold-in: this model predicts ratings; fold a user in from their ratings, "
                                  "not from a list of items");
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    std::vector<std::pair<int, float>> events;
    for (int item : items) events.emplace_back(item, 1.0f);
    return fold_in(events);
  }
  /// The same by raw item ids.
  FoldedUser<Scalar> fold_in_items(const std::vector<std::string>& items) const {
    std::vector<int> indexed;
    for (const std::string& id : items) indexed.push_back(item(id));
    return fold_in_items(indexed);
  }
  /// The same for a braced list of indices: fold_in_items({3, 8}).
  FoldedUser<Scalar> fold_in_items(std::initializer_list<int> items) const {
    return fold_in_items(std::vector<int>(items));
  }
  /// The same for a braced list of raw ids: fold_in_items({"item0", "item1"}).
  FoldedUser<Scalar> fold_in_items(std::initializer_list<std::string_view> items) const {
    std::vector<int> indexed;
    for (std::string_view id : items) indexed.push_back(item(id));
    return fold_in_items(indexed);
  }

  /// A folded-in user's predicted rating of every item.
  std::vector<float> scores(const FoldedUser<Scalar>& folded) const { return predictions(folded, true); }
  /// Their top-N, as recommend(user) orders it. Folded in from one rating (or only equal
  /// ratings), an I-AutoRec user gets the same prediction for every item: the most-rated come first.
  std::vector<Recommendation> recommend(const FoldedUser<Scalar>& folded, const TopN& request = {}) const {
    if (folded.rated.empty()) return {};
    return top(predictions(folded, false), request, folded.rated.data(), folded.rated.size());
  }

 private:
  static std::vector<const Network<Scalar>*> members_of(const Ensemble<Scalar>& ensemble) {
    std::vector<const Network<Scalar>*> networks;
    for (std::size_t m = 0; m < ensemble.size(); ++m) networks.push_back(&ensemble.member(m));
    return networks;
  }
  static std::vector<const Network<Scalar>*> members_of(const SavedModel<Scalar>& saved) {
    std::vector<const Network<Scalar>*> networks{&saved.model};
    for (const Network<Scalar>& member : saved.other_members) networks.push_back(&member);
    return networks;
  }
  // What a Scorer is built from: the networks it owns (each gets the decoder of the variant)
  // and decoders built already, their variant, rules, training matrix and id maps.
  struct Parts {
    std::vector<Network<Scalar>> networks;
    Decoders decoders;
    Variant variant;
    PredictionRules rules;
    SparseColumns<Scalar> training;
    IdMap users, items;
  };
  static Parts parts_of(SavedModel<Scalar>&& saved) {
    require_training(saved);
    Parts parts{{}, {}, saved.variant, saved.rules, std::move(saved.training), std::move(saved.users), std::move(saved.items)};
    parts.networks.push_back(std::move(saved.model));
    for (Network<Scalar>& member : saved.other_members) parts.networks.push_back(std::move(member));
    return parts;
  }
  static std::vector<Network<Scalar>> copies(const std::vector<const Network<Scalar>*>& networks) {
    std::vector<Network<Scalar>> fresh;
    for (const Network<Scalar>* network : networks) fresh.push_back(network->prediction_copy());
    return fresh;
  }
  // The decode step of a network in `variant`'s layout, encoding `training` once.
  static std::shared_ptr<const Decoder<Scalar>> decoder_of(Network<Scalar> network, Variant variant,
                                                           const SparseColumns<Scalar>& training) {
    if (variant == Variant::item) return std::make_shared<const ItemLayoutDecoder<Scalar>>(std::move(network), training);
    return std::make_shared<const UserLayoutDecoder<Scalar>>(std::move(network), training);
  }
  // The blend's decode step: each member's own, over the blend's training matrix.
  static std::shared_ptr<const Decoder<Scalar>> blend_of(std::vector<typename SavedBlend<Scalar>::Member> members,
                                                         const SparseColumns<Scalar>& training) {
    std::vector<typename BlendDecoder<Scalar>::Member> decoders;
    auto check_items = [&training](Index items) {
      if (items != training.rows())
        throw std::invalid_argument("Scorer: a blended model has " + std::to_string(items) +
                                    " items, the training matrix " + std::to_string(training.rows()));
    };
    for (auto& member : members) {
      if (auto* ease = std::get_if<Ease<Scalar>>(&member.model)) {
        check_items(ease->items());
        decoders.push_back({std::make_shared<const EaseDecoder<Scalar>>(std::move(*ease)), member.weight});
      } else {
        Network<Scalar>& network = std::get<Network<Scalar>>(member.model);
        check_items(network.inputs());
        decoders.push_back({decoder_of(std::move(network), Variant::user, training), member.weight});
      }
    }
    return std::make_shared<const BlendDecoder<Scalar>>(std::move(decoders));
  }
  explicit Scorer(Parts parts)
      : decoders_(std::move(parts.decoders)),
        variant_(parts.variant),
        rules_(std::move(parts.rules)),
        training_(std::move(parts.training)),
        users_(std::move(parts.users)),
        items_(std::move(parts.items)) {
    std::vector<Network<Scalar>>& networks = parts.networks;
    if (networks.empty() && decoders_.empty()) throw std::invalid_argument("Scorer: an ensemble with no networks");
    for (const Network<Scalar>& network : networks)
      if (training_.rows() != network.inputs())
        throw std::invalid_argument("Scorer: the training matrix has " + std::to_string(training_.rows()) +
                                    " rows, the network " + std::to_string(network.inputs()) + " inputs");
    for (const auto& decoder : decoders_)
      if (decoder == nullptr) throw std::invalid_argument("Scorer: a null decoder");
    if (!valid(rules_)) throw std::invalid_argument("Scorer: invalid prediction rules");
    training_.makeCompressed();
    const InputShape shape = input_shape(user_count(), item_count(), variant_);
    if (users_.size() == 0) users_ = IdMap::indices(int(variant_ == Variant::item ? shape.rows : shape.cols));
    if (items_.size() == 0) items_ = IdMap::indices(int(variant_ == Variant::item ? shape.cols : shape.rows));
    if (input_shape(users_.size(), items_.size(), variant_).rows != shape.rows ||
        input_shape(users_.size(), items_.size(), variant_).cols != shape.cols)
      throw std::invalid_argument("Scorer: the id maps do not match the training matrix");
    for (Network<Scalar>& network : networks) decoders_.push_back(decoder_of(std::move(network), variant_, training_));
    const Coverage coverage(training_);
    output_seen_ = coverage.row;
    encoded_seen_ = coverage.col;
    item_ratings_ = item_rating_counts(training_, variant_);
    index_rated_items();
  }

  // A fold-in value the model can take: a rating in its range, or 1 for implicit feedback.
  void check_value(int item, float value) const {
    if (!predicts_ratings()) {
      if (value != 1.0f)
        throw std::invalid_argument("fold-in: item '" + items_.raw(item) + "' comes with the value " +
                                    std::to_string(value) + "; a model of implicit feedback takes items without "
                                    "ratings, each event counting 1");
      return;
    }
    if (!(value >= rules_.min_rating && value <= rules_.max_rating))
      throw std::invalid_argument("fold-in: rating " + std::to_string(value) + " of item '" + items_.raw(item) +
                                  "' lies outside the model's range [" + std::to_string(rules_.min_rating) + ", " +
                                  std::to_string(rules_.max_rating) + "]");
  }

  std::vector<float> predictions(int user, bool clip) const {
    check(user, user_count(), "user");
    std::vector<float> result(static_cast<std::size_t>(item_count()));
    if (!seen_user(user)) {
      for (std::size_t i = 0; i < result.size(); ++i) result[i] = rules_.fallback(user, int(i));
      return result;
    }
    Matrix<Scalar> mean = Matrix<Scalar>::Zero(item_count(), 1), member;
    for (const auto& decoder : decoders_) {
      decoder->scores(training_, &user, 1, member);
      mean += member;
    }
    mean /= Scalar(decoders_.size());
    finish(mean.col(0), user, clip, result);
    return result;
  }
  std::vector<float> predictions(const FoldedUser<Scalar>& folded, bool clip) const {
    std::vector<float> result(static_cast<std::size_t>(item_count()));
    if (folded.rated.empty()) {  // a new user: the fallback without a user bias
      for (std::size_t i = 0; i < result.size(); ++i) result[i] = rules_.fallback(-1, int(i));
      return result;
    }
    if (folded.fits.size() != decoders_.size())
      throw std::invalid_argument("Scorer: a user folded in with " + std::to_string(folded.fits.size()) +
                                  " networks, this Scorer has " + std::to_string(decoders_.size()));
    Vector<Scalar> mean = Vector<Scalar>::Zero(item_count()), member;
    for (std::size_t n = 0; n < decoders_.size(); ++n) {
      decoders_[n]->scores(folded.fits[n], folded.rated, member);
      mean += member;
    }
    mean /= Scalar(decoders_.size());
    finish(mean, -1, clip, result);
    return result;
  }
  // The best of `unclipped` (one per item) for a request, each reported as its predicted rating;
  // ties go to the more-rated item.
  std::vector<Recommendation> top(const std::vector<float>& unclipped, const TopN& request, const int* rated,
                                  std::size_t rated_count) const {
    std::vector<Recommendation> best =
        detail::select_top(unclipped, item_seen(), request, rated, rated_count, &item_ratings_);
    for (Recommendation& r : best) r.rating = rules_.clip(r.rating);
    return best;
  }
  void check_request(const TopN& request) const {
    for (const std::vector<int>* items : {&request.candidates, &request.exclude})
      for (int item : *items) check(item, item_count(), "item");
  }
  static const SparseColumns<Scalar>& require_training(const SavedModel<Scalar>& saved) {
    if (!saved.self_contained())
      throw std::invalid_argument(
          "Scorer: this model file holds no training matrix (written before model file version 3); "
          "build the Scorer from the network and the training matrix, or save the model again");
    return saved.training;
  }
  static int find(const IdMap& ids, std::string_view raw, const char* what) {
    const int index = ids.find(raw);
    if (index < 0) throw UnknownId(std::string("unknown ") + what + " '" + printable(raw) + "'");
    return index;
  }
  static int check(int index, int count, const char* what) {
    if (index < 0 || index >= count)
      throw UnknownId(std::string(what) + " index " + std::to_string(index) + " is outside [0, " +
                      std::to_string(count) + ")");
    return index;
  }
  bool seen_user(int u) const {
    return (variant_ == Variant::item ? output_seen_ : encoded_seen_)[std::size_t(u)] != 0;
  }
  bool seen_item(int i) const {
    return (variant_ == Variant::item ? encoded_seen_ : output_seen_)[std::size_t(i)] != 0;
  }
  const std::vector<char>& item_seen() const { return variant_ == Variant::item ? encoded_seen_ : output_seen_; }

  // the networks' mean f(...) (item_count) -> predictions, clipped or not; items without
  // training ratings get the fallback for `user` (-1: a folded-in user).
  template <typename Column>
  void finish(const Column& mean, int user, bool clip, std::vector<float>& result) const {
    for (Index i = 0; i < mean.size(); ++i)
      result[std::size_t(i)] = !seen_item(int(i)) ? rules_.fallback(user, int(i))
                               : clip             ? rules_.rating(float(mean(i)))
                                                  : float(mean(i)) * rules_.scale;
  }

  // rated_[rated_start_[u] .. rated_start_[u + 1]) are the items user u rated, sorted.
  void index_rated_items() {
    const int users = user_count();
    rated_start_.assign(std::size_t(users) + 1, 0);
    const int* inner = training_.innerIndexPtr();
    const int* outer = training_.outerIndexPtr();
    rated_.resize(std::size_t(training_.nonZeros()));
    if (variant_ == Variant::user) {  // column u holds user u's items, sorted
      for (int u = 0; u <= users; ++u) rated_start_[std::size_t(u)] = std::size_t(outer[u]);
      std::copy(inner, inner + training_.nonZeros(), rated_.begin());
      return;
    }
    for (Index p = 0; p < training_.nonZeros(); ++p) ++rated_start_[std::size_t(inner[p]) + 1];
    for (int u = 0; u < users; ++u) rated_start_[std::size_t(u) + 1] += rated_start_[std::size_t(u)];
    std::vector<std::size_t> next(rated_start_.begin(), rated_start_.end() - 1);
    for (Index item = 0; item < training_.cols(); ++item)  // items in order: each list sorted
      for (int p = outer[item]; p < outer[item + 1]; ++p) rated_[next[std::size_t(inner[p])]++] = int(item);
  }

  Decoders decoders_;
  Variant variant_;
  PredictionRules rules_;
  SparseColumns<Scalar> training_;
  IdMap users_, items_;
  std::vector<char> output_seen_, encoded_seen_;
  std::vector<int> item_ratings_;  // training ratings per item: ties in top-N go to the most rated
  std::vector<std::size_t> rated_start_;
  std::vector<int> rated_;
};

/// A Scorer of the model file at `path`, whichever kind it holds: networks (an ensemble's
/// members), EASE or a blend.
template <typename Scalar = float>
Scorer<Scalar> load_scorer(const std::string& path) {
  ModelFileContents<Scalar> contents = parse_model_file<Scalar>(read_model_bytes(path), path);
  return std::visit([](auto&& saved) { return Scorer<Scalar>(std::move(saved)); }, std::move(contents));
}

}  // namespace autorec

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
// A Scorer is immutable once built: every method is const and touches no shared state, so
// any number of threads may call it at once (tests/test_scorer.cpp does).

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "autorec/data/id_map.hpp"
#include "autorec/data/printable.hpp"
#include "autorec/data/rating_matrix.hpp"
#include "autorec/eval/predict.hpp"
#include "autorec/io/model_file.hpp"
#include "autorec/model/ensemble.hpp"
#include "autorec/model/network.hpp"
#include "autorec/parallel.hpp"
#include "autorec/serve/fold_in.hpp"
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
  /// From a model file of version 3 or later (it holds the training matrix); an ensemble's
  /// file gives the Scorer of its members' mean.
  explicit Scorer(const SavedModel<Scalar>& saved)
      : Scorer(Parts{copies(members_of(saved)), saved.variant, saved.rules, require_training(saved), saved.users,
                     saved.items}) {}
  /// The same, taking over the model's networks and training matrix instead of copying them.
  explicit Scorer(SavedModel<Scalar>&& saved) : Scorer(parts_of(std::move(saved))) {}

  /// From a network and the training matrix it predicts from (rating_matrix of the training
  /// ratings in the network's layout). Id maps are optional: without them raw ids are indices.
  Scorer(const Network<Scalar>& network, Variant variant, const PredictionRules& rules,
         const SparseColumns<Scalar>& training, IdMap users = {}, IdMap items = {})
      : Scorer(Parts{copies({&network}), variant, rules, training, std::move(users), std::move(items)}) {}
  /// From an ensemble: scores are the members' mean prediction, clipped after averaging.
  Scorer(const Ensemble<Scalar>& ensemble, Variant variant, const PredictionRules& rules,
         const SparseColumns<Scalar>& training, IdMap users = {}, IdMap items = {})
      : Scorer(Parts{copies(members_of(ensemble)), variant, rules, training, std::move(users), std::move(items)}) {}

  Variant variant() const { return variant_; }
  const PredictionRules& rules() const { return rules_; }
  /// The networks whose predictions are averaged: one, or an ensemble's members.
  std::size_t network_count() const { return members_.size(); }
  const Network<Scalar>& network(std::size_t member = 0) const { return members_.at(member).network; }
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
    const int o = variant_ == Variant::item ? user : item, e = variant_ == Variant::item ? item : user;
    Scalar sum = 0;
    for (const Member& m : members_) {
      Scalar value = m.network.output_weights().row(o).dot(m.codes.col(e)) + m.network.output_bias()(o);
      m.network.output_activation().forward_values(&value, &value, 1);
      sum += value;
    }
    return rules_.rating(float(sum / Scalar(members_.size())));
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
    std::vector<std::vector<Recommendation>> result(users.size());
    constexpr Index kBlock = 64;
    const Index blocks = (Index(users.size()) + kBlock - 1) / kBlock;
    AUTOREC_PARALLEL_FOR
    for (Index block = 0; block < blocks; ++block) {
      const Index first = block * kBlock, n = std::min<Index>(kBlock, Index(users.size()) - first);
      Matrix<Scalar> mean = Matrix<Scalar>::Zero(item_count(), n);  // f(raw scores), one column per user
      for (const Member& m : members_) {
        const auto W = m.network.output_weights();
        Matrix<Scalar> block_scores(item_count(), n);
        if (variant_ == Variant::item) {
          Matrix<Scalar> rows(n, W.cols());
          for (Index i = 0; i < n; ++i) rows.row(i) = W.row(users[std::size_t(first + i)]);
          block_scores.noalias() = m.codes.transpose() * rows.transpose();
        } else {
          Matrix<Scalar> cols(m.codes.rows(), n);
          for (Index i = 0; i < n; ++i) cols.col(i) = m.codes.col(users[std::size_t(first + i)]);
          block_scores.noalias() = W * cols;
        }
        for (Index i = 0; i < n; ++i) {
          const int u = users[std::size_t(first + i)];
          auto column = block_scores.col(i);
          add_bias_and_activate(m.network, variant_ == Variant::item ? m.network.output_bias()(u) : Scalar(0), column);
        }
        mean += block_scores;
      }
      mean /= Scalar(members_.size());
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
  /// retraining (serve/fold_in.hpp). Ratings must lie in the model's rating range.
  FoldedUser<Scalar> fold_in(const std::vector<std::pair<int, float>>& ratings, const FoldInOptions& options = {}) const {
    FoldedUser<Scalar> folded;
    std::vector<std::pair<int, float>> sorted = ratings;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t r = 0; r < sorted.size(); ++r) {
      const auto [item, value] = sorted[r];
      check(item, item_count(), "item");
      if (r > 0 && sorted[r - 1].first == item)
        throw std::invalid_argument("fold-in: item '" + items_.raw(item) + "' is rated twice");
      if (!(value >= rules_.min_rating && value <= rules_.max_rating))
        throw std::invalid_argument("fold-in: rating " + std::to_string(value) + " of item '" + items_.raw(item) +
                                    "' lies outside the model's range [" + std::to_string(rules_.min_rating) + ", " +
                                    std::to_string(rules_.max_rating) + "]");
      folded.rated.push_back(item);
      folded.ratings.push_back(value);
    }
    if (folded.rated.empty()) return folded;  // scores of nobody: recommend() returns nothing
    const Index m = Index(folded.rated.size());
    const Vector<Scalar> r =  // in network units
        Eigen::Map<const Eigen::VectorXf>(folded.ratings.data(), m).template cast<Scalar>() / Scalar(rules_.scale);
    for (const Member& member : members_) {
      FoldedFit<Scalar>& fit = folded.fits.emplace_back();
      if (variant_ == Variant::user) {  // the new user's vector is one more input column
        SparseColumns<Scalar> column(training_.rows(), 1);
        column.reserve(Eigen::VectorXi::Constant(1, int(m)));
        for (Index j = 0; j < m; ++j) column.insert(folded.rated[std::size_t(j)], 0) = r(j);
        column.makeCompressed();
        Matrix<Scalar> code;
        member.network.encode(column, code);
        fit.code = code.col(0);
        continue;
      }
      // I-AutoRec: fit (w, c), and v with fit_encoder, from the rated items' cached codes.
      Matrix<Scalar> codes(member.codes.rows(), m);
      for (Index j = 0; j < m; ++j) codes.col(j) = member.codes.col(folded.rated[std::size_t(j)]);
      detail::fit_new_input(
          member.network, codes, r,
          [&](Matrix<Scalar>& P) { member.network.first_layer(gather_columns(training_, folded.rated), P); }, options,
          fit);
    }
    return folded;
  }
  /// The same by raw item ids.
  FoldedUser<Scalar> fold_in(const std::vector<std::pair<std::string, float>>& ratings,
                             const FoldInOptions& options = {}) const {
    std::vector<std::pair<int, float>> indexed;
    for (const auto& [id, value] : ratings) indexed.emplace_back(item(id), value);
    return fold_in(indexed, options);
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
  // What a Scorer is built from: the networks it owns, their variant, rules, training matrix
  // and id maps.
  struct Parts {
    std::vector<Network<Scalar>> networks;
    Variant variant;
    PredictionRules rules;
    SparseColumns<Scalar> training;
    IdMap users, items;
  };
  static Parts parts_of(SavedModel<Scalar>&& saved) {
    require_training(saved);
    Parts parts{{}, saved.variant, saved.rules, std::move(saved.training), std::move(saved.users), std::move(saved.items)};
    parts.networks.push_back(std::move(saved.model));
    for (Network<Scalar>& member : saved.other_members) parts.networks.push_back(std::move(member));
    return parts;
  }
  static std::vector<Network<Scalar>> copies(const std::vector<const Network<Scalar>*>& networks) {
    std::vector<Network<Scalar>> fresh;
    for (const Network<Scalar>* network : networks) fresh.push_back(network->prediction_copy());
    return fresh;
  }
  explicit Scorer(Parts parts)
      : variant_(parts.variant),
        rules_(std::move(parts.rules)),
        training_(std::move(parts.training)),
        users_(std::move(parts.users)),
        items_(std::move(parts.items)) {
    std::vector<Network<Scalar>>& networks = parts.networks;
    if (networks.empty()) throw std::invalid_argument("Scorer: an ensemble with no networks");
    for (const Network<Scalar>& network : networks)
      if (training_.rows() != network.inputs())
        throw std::invalid_argument("Scorer: the training matrix has " + std::to_string(training_.rows()) +
                                    " rows, the network " + std::to_string(network.inputs()) + " inputs");
    if (!valid(rules_)) throw std::invalid_argument("Scorer: invalid prediction rules");
    training_.makeCompressed();
    const InputShape shape = input_shape(user_count(), item_count(), variant_);
    if (users_.size() == 0) users_ = IdMap::indices(int(variant_ == Variant::item ? shape.rows : shape.cols));
    if (items_.size() == 0) items_ = IdMap::indices(int(variant_ == Variant::item ? shape.cols : shape.rows));
    if (input_shape(users_.size(), items_.size(), variant_).rows != shape.rows ||
        input_shape(users_.size(), items_.size(), variant_).cols != shape.cols)
      throw std::invalid_argument("Scorer: the id maps do not match the training matrix");
    for (Network<Scalar>& network : networks) {
      Member& m = members_.emplace_back(Member{std::move(network), {}});
      m.network.encode(training_, m.codes);
    }
    const Coverage coverage(training_);
    output_seen_ = coverage.row;
    encoded_seen_ = coverage.col;
    item_ratings_ = item_rating_counts(training_, variant_);
    index_rated_items();
  }

  std::vector<float> predictions(int user, bool clip) const {
    check(user, user_count(), "user");
    std::vector<float> result(static_cast<std::size_t>(item_count()));
    if (!seen_user(user)) {
      for (std::size_t i = 0; i < result.size(); ++i) result[i] = rules_.fallback(user, int(i));
      return result;
    }
    Vector<Scalar> mean = Vector<Scalar>::Zero(item_count()), raw;
    for (const Member& m : members_) {
      if (variant_ == Variant::item)
        raw.noalias() = m.codes.transpose() * m.network.output_weights().row(user).transpose();
      else
        raw.noalias() = m.network.output_weights() * m.codes.col(user);
      add_bias_and_activate(m.network, variant_ == Variant::item ? m.network.output_bias()(user) : Scalar(0), raw);
      mean += raw;
    }
    mean /= Scalar(members_.size());
    finish(mean, user, clip, result);
    return result;
  }
  std::vector<float> predictions(const FoldedUser<Scalar>& folded, bool clip) const {
    std::vector<float> result(static_cast<std::size_t>(item_count()));
    if (folded.rated.empty()) {  // a new user: the fallback without a user bias
      for (std::size_t i = 0; i < result.size(); ++i) result[i] = rules_.fallback(-1, int(i));
      return result;
    }
    if (folded.fits.size() != members_.size())
      throw std::invalid_argument("Scorer: a user folded in with " + std::to_string(folded.fits.size()) +
                                  " networks, this Scorer has " + std::to_string(members_.size()));
    Vector<Scalar> mean = Vector<Scalar>::Zero(item_count()), raw;
    for (std::size_t n = 0; n < members_.size(); ++n) {
      const Member& m = members_[n];
      const FoldedFit<Scalar>& fit = folded.fits[n];
      if (variant_ == Variant::item) {
        raw.noalias() = m.codes.transpose() * fit.weights;
        // the rated items' codes moved with the new user's ratings
        for (std::size_t r = 0; r < folded.rated.size(); ++r)
          raw(folded.rated[r]) = fit.rated_codes.col(Index(r)).dot(fit.weights);
      } else {
        raw.noalias() = m.network.output_weights() * fit.code;
      }
      add_bias_and_activate(m.network, variant_ == Variant::item ? fit.bias : Scalar(0), raw);
      mean += raw;
    }
    mean /= Scalar(members_.size());
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

  // raw (item_count, one network's pre-activation without the per-user bias) -> f(raw + bias)
  template <typename Column>
  void add_bias_and_activate(const Network<Scalar>& network, Scalar user_bias, Column&& raw) const {
    if (variant_ == Variant::item)
      raw.array() += user_bias;
    else
      raw += network.output_bias();
    network.output_activation().forward_values(raw.data(), raw.data(), raw.size());
  }
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

  struct Member {
    Network<Scalar> network;
    Matrix<Scalar> codes;  // kn x |E|
  };
  std::vector<Member> members_;
  Variant variant_;
  PredictionRules rules_;
  SparseColumns<Scalar> training_;
  IdMap users_, items_;
  std::vector<char> output_seen_, encoded_seen_;
  std::vector<int> item_ratings_;  // training ratings per item: ties in top-N go to the most rated
  std::vector<std::size_t> rated_start_;
  std::vector<int> rated_;
};

}  // namespace autorec

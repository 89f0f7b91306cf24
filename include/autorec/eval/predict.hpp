#pragma once
// Predicting ratings with a trained network (or an ensemble: any model with predict_at), and
// scoring them. R(u, i) is read off the
// reconstruction of the *training* vector (item i's for I-AutoRec, user u's for U-AutoRec):
// the test ratings are never the model's input. Predictions are clipped to the training
// rating range; a user or item with no training rating gets a default rating.

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/data/rating_matrix.hpp"
#include "autorec/data/ratings.hpp"

namespace autorec {

struct PredictionRules {
  float min_rating = 1;      ///< predictions are clipped to [min_rating, max_rating]
  float max_rating = 5;
  /// For a pair the network cannot reconstruct (its user or item has no training rating):
  /// default_rating + user_bias[user] + item_bias[item], clipped, where a bias vector that is
  /// empty, or has no entry for the index, adds 0. The paper used 3 with no biases;
  /// fitted_rules gives the training mean with a bias model.
  float default_rating = 3;
  std::vector<float> user_bias{}, item_bias{};
  /// One network unit is `scale` ratings: the network reads and reconstructs rating / scale
  /// (input_matrix), so that its initialisation, optimizer steps and lambda fit any scale.
  float scale = 1;

  float clip(float value) const { return std::clamp(value, min_rating, max_rating); }
  /// False for a model of implicit feedback (implicit_rules): its scores rank items and are
  /// not ratings, nothing is clipped, and a new user is folded in from a list of items.
  bool predicts_ratings() const {
    return !(min_rating == std::numeric_limits<float>::lowest() && max_rating == std::numeric_limits<float>::max());
  }
  /// The prediction for the network's output `output` (network units).
  float rating(float output) const { return clip(output * scale); }
  /// The prediction for (user, item) without the network (either index may be -1: unknown).
  float fallback(int user, int item) const {
    return clip(default_rating + entry(user_bias, user) + entry(item_bias, item));
  }

 private:
  static float entry(const std::vector<float>& bias, int index) {
    return index >= 0 && std::size_t(index) < bias.size() ? bias[std::size_t(index)] : 0.0f;
  }
};

/// Finite values, min_rating <= max_rating and a positive scale.
inline bool valid(const PredictionRules& rules) {
  auto finite = [](const std::vector<float>& values) {
    return std::all_of(values.begin(), values.end(), [](float v) { return std::isfinite(v); });
  };
  return std::isfinite(rules.min_rating) && std::isfinite(rules.max_rating) && std::isfinite(rules.default_rating) &&
         rules.min_rating <= rules.max_rating && std::isfinite(rules.scale) && rules.scale > 0 &&
         finite(rules.user_bias) && finite(rules.item_bias);
}

/// Rules for a model of implicit feedback (EASE, Mult-DAE, Mult-VAE): scores are the model's
/// ranking scores as they are (no clipping, scale 1), 0 for an item without training events,
/// and every training or folded-in event has the value 1.
inline PredictionRules implicit_rules() {
  PredictionRules rules;
  rules.min_rating = std::numeric_limits<float>::lowest();
  rules.max_rating = std::numeric_limits<float>::max();
  rules.default_rating = 0;
  return rules;
}

/// Rules whose range is that of `train` (the paper clips to the training min and max), in
/// ratings as they are (scale 1).
inline PredictionRules rules_from(const std::vector<Rating>& train, float default_rating) {
  PredictionRules rules;
  rules.default_rating = default_rating;
  if (train.empty()) return rules;
  const auto [lo, hi] = std::minmax_element(train.begin(), train.end(),
      [](const Rating& a, const Rating& b) { return a.value < b.value; });
  rules.min_rating = lo->value;
  rules.max_rating = hi->value;
  return rules;
}

/// Rules fitted to any rating scale from `train` (indices below `users` and `items`): its
/// range; for pairs the network cannot reconstruct, a bias model, the training mean plus a
/// user and an item bias, each a mean residual shrunk towards 0 as if 10 more ratings of 0
/// residual had been seen (items first, then users on what items leave); and the scale that
/// brings the largest |rating| to 5, the top of the MovieLens scales the defaults were tuned
/// on (1 for them, 20 for ratings of 1-100). docs/results.md measures each choice.
inline PredictionRules fitted_rules(const std::vector<Rating>& train, Index users, Index items) {
  if (train.empty()) throw std::invalid_argument("fitted_rules: no training ratings");
  constexpr double kShrinkage = 10;
  double sum = 0, largest = 0;
  for (const Rating& r : train) {
    sum += r.value;
    largest = std::max(largest, double(std::abs(r.value)));
  }
  const double mean = sum / double(train.size());
  PredictionRules rules = rules_from(train, float(mean));
  if (largest > 0) rules.scale = float(largest / 5);
  auto fit_biases = [&](auto index_of, Index count, auto residual) {
    std::vector<double> total(std::size_t(count), 0), seen(std::size_t(count), 0);
    for (const Rating& r : train) {
      const int i = index_of(r);
      if (i < 0 || i >= count) throw std::out_of_range("fitted_rules: a rating's index is out of range");
      total[std::size_t(i)] += residual(r);
      seen[std::size_t(i)] += 1;
    }
    std::vector<float> bias(total.size());
    for (std::size_t i = 0; i < bias.size(); ++i) bias[i] = float(total[i] / (seen[i] + kShrinkage));
    return bias;
  };
  rules.item_bias = fit_biases([](const Rating& r) { return r.item; }, items,
                               [&](const Rating& r) { return double(r.value) - mean; });
  rules.user_bias = fit_biases([](const Rating& r) { return r.user; }, users, [&](const Rating& r) {
    return double(r.value) - mean - double(rules.item_bias[std::size_t(r.item)]);
  });
  return rules;
}

/// The network's input: rating_matrix of `ratings` in network units (values / rules.scale).
template <typename Scalar>
SparseColumns<Scalar> input_matrix(const std::vector<Rating>& ratings, Index users, Index items, Variant variant,
                                   const PredictionRules& rules) {
  SparseColumns<Scalar> matrix = rating_matrix<Scalar>(ratings, users, items, variant);
  if (rules.scale != 1) matrix.coeffs() /= Scalar(rules.scale);
  return matrix;
}

/// Which input rows and columns of `input` hold at least one training rating.
struct Coverage {
  std::vector<char> row, col;
  template <typename Scalar>
  explicit Coverage(const SparseColumns<Scalar>& input)
      : row(static_cast<std::size_t>(input.rows()), 0), col(static_cast<std::size_t>(input.cols()), 0) {
    for (Index j = 0; j < input.cols(); ++j)
      for (typename SparseColumns<Scalar>::InnerIterator it(input, j); it; ++it) {
        row[static_cast<std::size_t>(it.row())] = 1;
        col[static_cast<std::size_t>(j)] = 1;
      }
  }
  bool covers(Entry e) const {
    return e.row >= 0 && e.col >= 0 && std::size_t(e.row) < row.size() &&
           std::size_t(e.col) < col.size() && row[std::size_t(e.row)] && col[std::size_t(e.col)];
  }
};

/// The pairs to predict, sorted once against a training input: those whose user and item
/// have training ratings are gathered into `pattern` (the input's shape); `pair_of_entry[p]`
/// is the pair at pattern's p-th stored entry. The others, `cold` (their index, user and
/// item), get the rules' fallback. Training
/// predicts the same validation pairs every epoch, so it builds this once.
template <typename Scalar>
struct PredictionPlan {
  std::size_t pairs = 0;
  SparseColumns<Scalar> pattern;
  std::vector<std::size_t> pair_of_entry;
  struct Cold {
    std::size_t pair;
    int user, item;
  };
  std::vector<Cold> cold;

  PredictionPlan(const SparseColumns<Scalar>& input, const std::vector<Rating>& ratings, Variant variant)
      : pairs(ratings.size()), pattern(input.rows(), input.cols()) {
    if (ratings.empty()) return;  // e.g. training without validation: no O(nnz) coverage scan
    const Coverage coverage(input);
    std::vector<Rating> warm;
    std::vector<std::size_t> warm_index;
    for (std::size_t i = 0; i < ratings.size(); ++i)
      if (coverage.covers(entry_of(ratings[i], variant))) {
        warm.push_back(ratings[i]);
        warm_index.push_back(i);
      } else {
        cold.push_back({i, ratings[i].user, ratings[i].item});
      }
    if (warm.empty()) return;
    const Index users = variant == Variant::item ? input.rows() : input.cols();
    const Index items = variant == Variant::item ? input.cols() : input.rows();
    std::vector<std::size_t> position;
    pattern = rating_matrix<Scalar>(warm, users, items, variant, &position);
    pair_of_entry.resize(position.size());
    for (std::size_t p = 0; p < position.size(); ++p) pair_of_entry[p] = warm_index[position[p]];
  }
};

/// The prediction protocol with the reconstruction left to `reconstruct_at`:
/// `reconstruct_at(plan.pattern)` returns the model's outputs at the pattern's entries, in its
/// storage order; those are clipped, and the pairs outside it get the rules' fallback. CPU and
/// GPU predictions share this.
template <typename Scalar, typename ReconstructAt>
std::vector<float> predict_ratings_with(ReconstructAt&& reconstruct_at, const PredictionPlan<Scalar>& plan,
                                        const PredictionRules& rules) {
  std::vector<float> predictions(plan.pairs);
  for (const auto& cold : plan.cold) predictions[cold.pair] = rules.fallback(cold.user, cold.item);
  if (plan.pair_of_entry.empty()) return predictions;
  const auto values = reconstruct_at(plan.pattern);
  for (std::size_t p = 0; p < plan.pair_of_entry.size(); ++p)
    predictions[plan.pair_of_entry[p]] = rules.rating(static_cast<float>(values[Index(p)]));
  return predictions;
}

/// Predicted ratings for the plan's pairs, in order. `input` is the training matrix the plan
/// was made from. Only the requested entries are reconstructed: O((nnz(input) + pairs) k).
template <typename Model, typename Scalar>
std::vector<float> predict_ratings(const Model& model, const SparseColumns<Scalar>& input,
                                   const PredictionPlan<Scalar>& plan, const PredictionRules& rules) {
  return predict_ratings_with(
      [&](const SparseColumns<Scalar>& pattern) {
        Vector<Scalar> values;
        model.predict_at(input, pattern, values);
        return values;
      },
      plan, rules);
}

/// Predicted ratings for each (user, item) of `pairs` (their values are ignored), in order.
/// `input` is the training matrix in the model's layout (rating_matrix of the training set).
template <typename Model, typename Scalar>
std::vector<float> predict_ratings(const Model& model, const SparseColumns<Scalar>& input,
                                   const std::vector<Rating>& pairs, Variant variant,
                                   const PredictionRules& rules) {
  return predict_ratings(model, input, PredictionPlan<Scalar>(input, pairs, variant), rules);
}

/// Pooled errors over all scored ratings (cold-start ones included); NaN when there were none.
struct Metrics {
  double rmse = std::numeric_limits<double>::quiet_NaN();
  double mae = std::numeric_limits<double>::quiet_NaN();
  long count = 0;
};

inline Metrics score(const std::vector<Rating>& truth, const std::vector<float>& predictions) {
  if (predictions.size() != truth.size())
    throw std::invalid_argument("score: " + std::to_string(predictions.size()) + " predictions for " +
                                std::to_string(truth.size()) + " ratings");
  Metrics metrics;
  double squared = 0, absolute = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const double error = double(predictions[i]) - double(truth[i].value);
    squared += error * error;
    absolute += std::abs(error);
  }
  metrics.count = static_cast<long>(truth.size());
  if (metrics.count > 0) {
    metrics.rmse = std::sqrt(squared / double(metrics.count));
    metrics.mae = absolute / double(metrics.count);
  }
  return metrics;
}

/// predict_ratings then score.
template <typename Model, typename Scalar>
Metrics evaluate(const Model& model, const SparseColumns<Scalar>& input,
                 const std::vector<Rating>& truth, Variant variant, const PredictionRules& rules) {
  return score(truth, predict_ratings(model, input, truth, variant, rules));
}

}  // namespace autorec

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
  float default_rating = 3;  ///< for a user or item without training ratings (the paper's 3)

  float clip(float value) const { return std::clamp(value, min_rating, max_rating); }
};

/// Finite values and min_rating <= max_rating.
inline bool valid(const PredictionRules& rules) {
  return std::isfinite(rules.min_rating) && std::isfinite(rules.max_rating) && std::isfinite(rules.default_rating) &&
         rules.min_rating <= rules.max_rating;
}

/// Rules whose range is that of `train` (the paper clips to the training min and max).
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
/// is the pair at pattern's p-th stored entry. The others get the default rating. Training
/// predicts the same validation pairs every epoch, so it builds this once.
template <typename Scalar>
struct PredictionPlan {
  std::size_t pairs = 0;
  SparseColumns<Scalar> pattern;
  std::vector<std::size_t> pair_of_entry;

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
/// storage order; those are clipped, and the pairs outside it get the default rating. CPU and
/// GPU predictions share this.
template <typename Scalar, typename ReconstructAt>
std::vector<float> predict_ratings_with(ReconstructAt&& reconstruct_at, const PredictionPlan<Scalar>& plan,
                                        const PredictionRules& rules) {
  std::vector<float> predictions(plan.pairs, rules.default_rating);
  if (plan.pair_of_entry.empty()) return predictions;
  const auto values = reconstruct_at(plan.pattern);
  for (std::size_t p = 0; p < plan.pair_of_entry.size(); ++p)
    predictions[plan.pair_of_entry[p]] = rules.clip(static_cast<float>(values[Index(p)]));
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

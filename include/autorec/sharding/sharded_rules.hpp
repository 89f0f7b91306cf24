#pragma once
// What a distributed run computes from all ratings when each rank holds only its shards' rows
// of them: the prediction rules (fitted_rules, eval/predict.hpp) and which columns have
// training ratings. Every sum is taken per shard, then over shards in shard order
// (ShardReducer), so every rank gets the same result for any number of ranks; it equals the
// single-process one up to rounding.

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "autorec/data/ratings.hpp"
#include "autorec/sharding/reducer.hpp"
#include "autorec/eval/predict.hpp"

namespace autorec {

/// Per index (user or item) of all shards' ratings: the sums of `value(rating)` and the counts.
template <typename IndexOf, typename Value>
Matrix<float> sums_over_shards(const std::vector<std::vector<Rating>>& parts, Index count, IndexOf&& index_of,
                               Value&& value, ShardReducer<float>& reducer) {
  std::vector<Matrix<float>> own;
  for (const std::vector<Rating>& part : parts) {
    std::vector<double> total(static_cast<std::size_t>(count), 0), seen(static_cast<std::size_t>(count), 0);
    for (const Rating& r : part) {
      const int i = index_of(r);
      if (i < 0 || i >= count) throw std::out_of_range("sums_over_shards: a rating's index is out of range");
      total[std::size_t(i)] += value(r);
      seen[std::size_t(i)] += 1;
    }
    Matrix<float>& m = own.emplace_back(2, count);
    for (Index i = 0; i < count; ++i) m(0, i) = float(total[std::size_t(i)]), m(1, i) = float(seen[std::size_t(i)]);
  }
  Matrix<float> all;
  reducer.sum(own, all);
  return all;
}

/// fitted_rules of the ratings `parts` (owned shard i's training ratings, global indices
/// below `users` and `items`), on every rank alike.
inline PredictionRules fitted_rules_sharded(const std::vector<std::vector<Rating>>& parts, Index users, Index items,
                                            ShardReducer<float>& reducer) {
  constexpr double kShrinkage = 10;  // as fitted_rules
  std::vector<double> sums, counts;
  double largest = 0, lowest = std::numeric_limits<double>::infinity(), highest = -lowest;
  for (const std::vector<Rating>& part : parts) {
    double sum = 0;
    for (const Rating& r : part) {
      sum += r.value;
      largest = std::max(largest, double(std::abs(r.value)));
      lowest = std::min(lowest, double(r.value));
      highest = std::max(highest, double(r.value));
    }
    sums.push_back(sum);
    counts.push_back(double(part.size()));
  }
  const double n = reducer.sum(counts);
  if (n == 0) throw std::invalid_argument("fitted_rules: no training ratings");
  const double mean = reducer.sum(sums) / n;
  PredictionRules rules;
  rules.default_rating = float(mean);
  rules.min_rating = float(-reducer.maximum(-lowest));
  rules.max_rating = float(reducer.maximum(highest));
  largest = reducer.maximum(largest);
  if (largest > 0) rules.scale = float(largest / 5);
  auto biases = [](const Matrix<float>& sums) {
    std::vector<float> bias(static_cast<std::size_t>(sums.cols()));
    for (Index i = 0; i < sums.cols(); ++i) bias[std::size_t(i)] = float(double(sums(0, i)) / (double(sums(1, i)) + kShrinkage));
    return bias;
  };
  rules.item_bias = biases(sums_over_shards(parts, items, [](const Rating& r) { return r.item; },
                                            [&](const Rating& r) { return double(r.value) - mean; }, reducer));
  rules.user_bias = biases(sums_over_shards(parts, users, [](const Rating& r) { return r.user; },
                                            [&](const Rating& r) {
                                              return double(r.value) - mean - double(rules.item_bias[std::size_t(r.item)]);
                                            },
                                            reducer));
  return rules;
}

}  // namespace autorec

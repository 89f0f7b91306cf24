#pragma once
// Synthetic rating sets with the shape of real ones (users, items, number of ratings, rating
// distribution, long-tailed activity and popularity), for benchmarks at sizes whose real
// data may not be shipped (ML-10M, Netflix). O(ratings) time and no dense matrix.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "autorec/data/ratings.hpp"
#include "autorec/random.hpp"

namespace autorec {

struct RatingShape {
  int users = 0;
  int items = 0;
  long ratings = 0;
  /// (rating value, probability) pairs; probabilities are normalised.
  std::vector<std::pair<float, double>> distribution;
};

/// MovieLens 1M: 6,040 x 3,706, 1,000,209 ratings of 1..5 stars.
inline RatingShape movielens_1m_shape() {
  return {6040, 3706, 1000209, {{1.f, 56174}, {2.f, 107557}, {3.f, 261197}, {4.f, 348971}, {5.f, 226310}}};
}
/// MovieLens 10M: 69,878 x 10,677, 10,000,054 ratings of 0.5..5 in half stars.
inline RatingShape movielens_10m_shape() {
  return {69878, 10677, 10000054,
          {{0.5f, 94988}, {1.f, 384180}, {1.5f, 118278}, {2.f, 790306}, {2.5f, 370178},
           {3.f, 2356676}, {3.5f, 879764}, {4.f, 2875850}, {4.5f, 585022}, {5.f, 1544812}}};
}
/// Netflix Prize: 480,189 x 17,770, 100,480,507 ratings of 1..5 stars.
inline RatingShape netflix_shape() {
  return {480189, 17770, 100480507,
          {{1.f, 4617990}, {2.f, 10132080}, {3.f, 28811247}, {4.f, 33750958}, {5.f, 23168232}}};
}

namespace detail {
// Draws an index with probability proportional to `cumulative` increments (binary search).
inline int draw(const std::vector<double>& cumulative, Random& random) {
  const double x = random.uniform() * cumulative.back();
  return int(std::upper_bound(cumulative.begin(), cumulative.end(), x) - cumulative.begin());
}
// Zipf-like weights 1 / (rank + 10)^exponent, shuffled so popularity is not ordered by index.
inline std::vector<double> long_tail_weights(int n, double exponent, Random& random) {
  std::vector<double> weights(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) weights[std::size_t(i)] = 1.0 / std::pow(double(i) + 10.0, exponent);
  random.shuffle(weights);
  return weights;
}
}  // namespace detail

/// Exactly shape.ratings distinct (user, item) pairs, with every user and every item rated
/// at least once when ratings >= max(users, items); values drawn from shape.distribution.
/// Users' activity and items' popularity are long-tailed as in MovieLens and Netflix.
inline std::vector<Rating> generate_ratings(const RatingShape& shape, std::uint64_t seed) {
  if (shape.users <= 0 || shape.items <= 0 || shape.ratings <= 0 || shape.distribution.empty())
    throw std::invalid_argument("generate_ratings: empty shape");
  if (double(shape.ratings) > 0.5 * double(shape.users) * double(shape.items))
    throw std::invalid_argument("generate_ratings: more than half of the matrix would be rated");
  Random random(seed);
  // Ratings per user: one each, the rest spread by long-tailed activity (capped at half the
  // items so that distinct items can always be found quickly).
  const std::vector<double> activity = detail::long_tail_weights(shape.users, 0.8, random);
  double activity_sum = 0;
  for (double a : activity) activity_sum += a;
  const long cap = std::max(1, shape.items / 2);
  std::vector<long> per_user(static_cast<std::size_t>(shape.users), 1);
  long assigned = shape.users;
  for (int u = 0; u < shape.users && assigned < shape.ratings; ++u) {
    const long extra = std::min<long>(cap - 1, long(double(shape.ratings - shape.users) * activity[std::size_t(u)] / activity_sum));
    per_user[std::size_t(u)] += extra;
    assigned += extra;
  }
  for (int u = 0; assigned < shape.ratings; u = (u + 1) % shape.users)  // rounding remainder
    if (per_user[std::size_t(u)] < cap) ++per_user[std::size_t(u)], ++assigned;

  std::vector<double> popularity = detail::long_tail_weights(shape.items, 0.9, random);
  for (std::size_t i = 1; i < popularity.size(); ++i) popularity[i] += popularity[i - 1];
  std::vector<double> values;
  for (const auto& [value, p] : shape.distribution) values.push_back((values.empty() ? 0.0 : values.back()) + p);

  std::vector<Rating> ratings;
  ratings.reserve(std::size_t(shape.ratings));
  std::vector<char> item_rated(static_cast<std::size_t>(shape.items), 0);
  int next_unrated_item = 0;
  std::unordered_set<int> chosen;
  for (int u = 0; u < shape.users; ++u) {
    chosen.clear();
    while (long(chosen.size()) < per_user[std::size_t(u)]) {
      // Give items nobody has rated yet a turn first, so that every item appears.
      while (next_unrated_item < shape.items && item_rated[std::size_t(next_unrated_item)]) ++next_unrated_item;
      const bool cover = next_unrated_item < shape.items &&
                         long(shape.items - next_unrated_item) >= long(shape.users - u) &&
                         !chosen.count(next_unrated_item);
      const int item = cover ? next_unrated_item : detail::draw(popularity, random);
      if (!chosen.insert(item).second) continue;
      item_rated[std::size_t(item)] = 1;
      ratings.push_back({u, item, shape.distribution[std::size_t(detail::draw(values, random))].first});
    }
  }
  return ratings;
}

}  // namespace autorec

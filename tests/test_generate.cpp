// The synthetic rating generator used by the benchmarks.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "autorec/data/generate.hpp"

using namespace autorec;

TEST_CASE("Generated ML-1M-shaped ratings have the requested shape and rating distribution") {
  const RatingShape shape = movielens_1m_shape();
  const std::vector<Rating> ratings = generate_ratings(shape, 3);
  CHECK(long(ratings.size()) == shape.ratings);
  std::vector<int> per_user(std::size_t(shape.users), 0), per_item(std::size_t(shape.items), 0);
  std::set<std::pair<int, int>> pairs;
  std::map<float, long> counts;
  for (const Rating& r : ratings) {
    REQUIRE((r.user >= 0 && r.user < shape.users && r.item >= 0 && r.item < shape.items));
    ++per_user[std::size_t(r.user)];
    ++per_item[std::size_t(r.item)];
    pairs.insert({r.user, r.item});
    ++counts[r.value];
  }
  CHECK(pairs.size() == ratings.size());  // no duplicate (user, item)
  CHECK(*std::min_element(per_user.begin(), per_user.end()) >= 1);
  CHECK(*std::min_element(per_item.begin(), per_item.end()) >= 1);
  CHECK(*std::max_element(per_item.begin(), per_item.end()) > 20 * shape.ratings / shape.items / 10);  // long tail
  double total = 0;
  for (const auto& [value, weight] : shape.distribution) total += weight;
  for (const auto& [value, weight] : shape.distribution)
    CHECK(double(counts[value]) / double(ratings.size()) == doctest::Approx(weight / total).epsilon(0.01));
}

TEST_CASE("The generator is deterministic for a seed") {
  RatingShape shape{50, 40, 300, {{1.f, 1}, {5.f, 1}}};
  const auto a = generate_ratings(shape, 9), b = generate_ratings(shape, 9), c = generate_ratings(shape, 10);
  auto same = [](const std::vector<Rating>& x, const std::vector<Rating>& y) {
    return std::equal(x.begin(), x.end(), y.begin(), y.end(), [](const Rating& p, const Rating& q) {
      return p.user == q.user && p.item == q.item && p.value == q.value;
    });
  };
  CHECK(same(a, b));
  CHECK_FALSE(same(a, c));
}

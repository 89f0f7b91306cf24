// Rating splits and the sparse input matrices built from ratings.
#include <doctest/doctest.h>

#include <set>

#include "autorec/data/rating_matrix.hpp"
#include "autorec/data/split.hpp"

using namespace autorec;

namespace {
std::vector<Rating> grid_ratings(int users, int items) {
  std::vector<Rating> ratings;
  for (int u = 0; u < users; ++u)
    for (int i = 0; i < items; ++i)
      if ((u + 2 * i) % 3 != 0) ratings.push_back({u, i, float(1 + (u * i) % 5)});
  return ratings;
}
std::set<std::pair<int, int>> pairs_of(const std::vector<Rating>& ratings) {
  std::set<std::pair<int, int>> pairs;
  for (const Rating& r : ratings) pairs.insert({r.user, r.item});
  return pairs;
}
}  // namespace

TEST_CASE("A rating split is disjoint, complete and of the requested size") {
  const std::vector<Rating> ratings = grid_ratings(30, 20);
  const RatingSplit split = split_ratings(ratings, 0.1, 7);
  CHECK(split.test.size() == std::size_t(std::llround(0.1 * double(ratings.size()))));
  CHECK(split.train.size() + split.test.size() == ratings.size());
  const auto train = pairs_of(split.train), test = pairs_of(split.test);
  for (const auto& pair : test) CHECK(train.count(pair) == 0);
  CHECK(train.size() + test.size() == pairs_of(ratings).size());
}

TEST_CASE("The same seed gives the same split and another seed another") {
  const std::vector<Rating> ratings = grid_ratings(30, 20);
  CHECK(pairs_of(split_ratings(ratings, 0.2, 3).test) == pairs_of(split_ratings(ratings, 0.2, 3).test));
  CHECK(pairs_of(split_ratings(ratings, 0.2, 3).test) != pairs_of(split_ratings(ratings, 0.2, 4).test));
}

TEST_CASE("A split fraction below 0, or of 1 or more, is rejected") {
  CHECK_THROWS_AS(split_ratings(grid_ratings(3, 3), 1.0, 1), std::invalid_argument);
  CHECK_THROWS_AS(split_ratings(grid_ratings(3, 3), -0.1, 1), std::invalid_argument);
}

TEST_CASE("The I-AutoRec matrix has users as rows and items as columns, U-AutoRec the transpose") {
  const std::vector<Rating> ratings = grid_ratings(7, 5);
  std::vector<std::size_t> position;
  const SparseColumns<double> by_item = rating_matrix<double>(ratings, 7, 5, Variant::item, &position);
  const SparseColumns<double> by_user = rating_matrix<double>(ratings, 7, 5, Variant::user);
  CHECK(by_item.rows() == 7);
  CHECK(by_item.cols() == 5);
  CHECK(by_item.nonZeros() == Index(ratings.size()));
  CHECK(Matrix<double>(by_user) == Matrix<double>(by_item).transpose());
  for (const Rating& r : ratings) CHECK(by_item.coeff(r.user, r.item) == r.value);
  for (Index p = 0; p < by_item.nonZeros(); ++p)  // position maps storage back to the input
    CHECK(by_item.valuePtr()[p] == ratings[position[std::size_t(p)]].value);
}

TEST_CASE("Rows are sorted within each column of a rating matrix") {
  const std::vector<Rating> ratings = {{3, 0, 1}, {0, 0, 2}, {2, 1, 3}, {1, 0, 4}};
  const SparseColumns<double> m = rating_matrix<double>(ratings, 4, 2, Variant::item);
  CHECK(std::vector<int>(m.innerIndexPtr(), m.innerIndexPtr() + 3) == std::vector<int>{0, 1, 3});
}

TEST_CASE("A repeated pair or one outside the shape cannot make a rating matrix") {
  CHECK_THROWS_AS(rating_matrix<double>({{0, 0, 1}, {0, 0, 2}}, 2, 2, Variant::item), std::invalid_argument);
  CHECK_THROWS_AS(rating_matrix<double>({{2, 0, 1}}, 2, 2, Variant::item), std::out_of_range);
}

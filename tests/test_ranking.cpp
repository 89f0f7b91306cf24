// Ranking metrics on hand-computed lists, and the popularity baseline.
#include <doctest/doctest.h>

#include <cmath>

#include "autorec/eval/ranking.hpp"

using namespace autorec;

namespace {
// User 0 finds items 1 and 2 relevant (3 is not), user 1 item 4; user 2 has no relevant item.
const std::vector<Rating> kTest = {{0, 1, 5}, {0, 2, 4}, {0, 3, 2}, {1, 4, 4.5f}, {2, 0, 3}};

std::vector<std::vector<Recommendation>> lists_for(const std::vector<int>& users) {
  std::vector<std::vector<Recommendation>> lists;
  for (int u : users) {
    if (u == 0) lists.push_back({{5, 4.9f}, {2, 4.8f}});  // a hit at rank 2
    if (u == 1) lists.push_back({{4, 4.7f}, {0, 4.1f}});  // a hit at rank 1
    if (u == 2) FAIL("user 2 has no relevant item and must not be asked for");
  }
  return lists;
}
}  // namespace

TEST_CASE("Ranking metrics match a hand computation") {
  const RankingMetrics m = ranking_metrics(lists_for, kTest, 3, 2, 4.0, 5);
  CHECK(m.users == 2);
  CHECK(m.precision == doctest::Approx(0.5));
  CHECK(m.recall == doctest::Approx((0.5 + 1.0) / 2));
  const double user0_ndcg = (1 / std::log2(3.0)) / (1 + 1 / std::log2(3.0));
  CHECK(m.ndcg == doctest::Approx((user0_ndcg + 1) / 2));
  CHECK(m.map == doctest::Approx((0.25 + 1.0) / 2));
  CHECK(m.hit_rate == doctest::Approx(1.0));
  CHECK(m.coverage == doctest::Approx(4.0 / 5));
}

TEST_CASE("An empty list scores zero for its user, and no relevant test item gives NaN, not a number") {
  auto empty = [](const std::vector<int>& users) { return std::vector<std::vector<Recommendation>>(users.size()); };
  const RankingMetrics m = ranking_metrics(empty, kTest, 3, 10, 4.0, 5);
  CHECK(m.precision == 0);
  CHECK(m.hit_rate == 0);
  const RankingMetrics none = ranking_metrics(empty, kTest, 3, 10, 5.5, 5);
  CHECK(none.users == 0);
  CHECK(std::isnan(none.ndcg));
  CHECK_THROWS_AS(ranking_metrics(empty, kTest, 3, 0, 4.0, 5), std::invalid_argument);
}

TEST_CASE("The default relevance threshold is three quarters up the rating range") {
  CHECK(default_relevance_threshold(1, 5) == 4.0);
  CHECK(default_relevance_threshold(0.5f, 5) == doctest::Approx(3.875));
  CHECK(default_relevance_threshold(1, 100) == doctest::Approx(75.25));
}

TEST_CASE("The popularity baseline ranks unrated items by training count") {
  // Item 2 has three ratings, item 0 two, item 1 one; item 3 none.
  const std::vector<Rating> train = {{0, 2, 5}, {1, 2, 4}, {2, 2, 3}, {1, 0, 4}, {2, 0, 1}, {2, 1, 2}};
  const PopularityRanker popularity(train, 4, 4);
  CHECK(popularity.catalogue() == 3);
  const auto lists = popularity.recommend({0, 3}, TopN{5, {}, {}, true});
  REQUIRE(lists[0].size() == 2);
  CHECK(lists[0][0].item == 0);  // user 0 rated item 2
  CHECK(lists[0][1].item == 1);
  REQUIRE(lists[1].size() == 3);
  CHECK(lists[1][0].item == 2);
  CHECK(lists[1][0].rating == 3);
}

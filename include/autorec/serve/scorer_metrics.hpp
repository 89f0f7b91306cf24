#pragma once
// Ranking metrics of a Scorer's top-K lists, in one call:
//   ranking_metrics(scorer, test, k)
// with test ratings as indices of the Scorer's users and items. The general form (any
// ranker, explicit user count, threshold and catalogue) is eval/ranking.hpp's.

#include <limits>
#include <optional>
#include <vector>

#include "autorec/eval/ranking.hpp"
#include "autorec/serve/scorer.hpp"

namespace autorec {

/// Precision, recall, NDCG, MAP, hit rate and coverage at `k` of the Scorer's top-k lists
/// (training items left out) against `test`. A test rating is relevant at or above
/// `threshold`: by default three quarters up a rating model's range, and every test event of
/// a model of implicit feedback.
template <typename Scalar>
RankingMetrics ranking_metrics(const Scorer<Scalar>& scorer, const std::vector<Rating>& test, int k,
                               std::optional<double> threshold = std::nullopt) {
  const PredictionRules& rules = scorer.rules();
  const double relevant_from = threshold ? *threshold
                               : scorer.predicts_ratings()
                                   ? default_relevance_threshold(rules.min_rating, rules.max_rating)
                                   : -std::numeric_limits<double>::infinity();
  const TopN request{std::size_t(std::max(k, 1)), {}, {}, true};
  return ranking_metrics([&](const std::vector<int>& users) { return scorer.recommend(users, request); }, test,
                         scorer.user_count(), k, relevant_from, scorer.catalogue());
}

}  // namespace autorec

#pragma once
// The implicit-feedback protocol (strong generalisation, data/implicit.hpp): models learn
// from the training users alone and make every choice by NDCG@100 on the validation users;
// the test users are scored once, by the chosen model.
//
// EASE's one choice is lambda. Its grid is scaled to the data: lambda is added to the Gram
// matrix's diagonal, whose entries are the items' positive counts, so the grid centres on the
// count of a typical positive's item, c = sum of counts^2 / sum of counts: c / 4, c / 2, c,
// 2 c, 4 c, extended past an end while the best lies there. On ML-1M (c 540) the best was
// c itself; on ml-latest-small (c 36) it was 150, the top of the grid (its extension to
// 300 scored lower);
// docs/results.md.

#include <chrono>
#include <cmath>
#include <functional>
#include <optional>
#include <stdexcept>
#include <vector>

#include "autorec/data/implicit.hpp"
#include "autorec/eval/heldout_ranking.hpp"
#include "autorec/model/blend.hpp"
#include "autorec/model/ease.hpp"
#include "autorec/train/lambda_search.hpp"

namespace autorec {

/// A scoring function (eval/heldout_ranking.hpp) for the popularity baseline.
inline auto popularity_scorer(const ImplicitData& data) {
  return [counts = popularity_scores(data.train, data.catalogue())](const ItemSets&, int, int count,
                                                                     Matrix<float>& out) {
    out = counts.transpose().replicate(count, 1);
  };
}

/// A scoring function (eval/heldout_ranking.hpp) for an EASE model.
template <typename Scalar>
auto ease_scorer(const Ease<Scalar>& model) {
  return [&model](const ItemSets& users, int first, int count, Matrix<float>& out) {
    model.scores(users, first, count, out);
  };
}

/// The first lambda grid for EASE on `train`: c = sum of item counts^2 / their sum, times
/// 1/4 to 4.
inline std::vector<double> ease_lambda_grid(const ItemSets& train, int items) {
  if (items < 1 || train.entries() == 0) throw std::invalid_argument("ease_lambda_grid: no training positives");
  const Vector<float> counts = popularity_scores(train, items);
  const double centre = std::max(counts.cast<double>().squaredNorm() / counts.cast<double>().sum(), 1.0);
  return {two_digits(centre / 4), two_digits(centre / 2), two_digits(centre), two_digits(centre * 2),
          two_digits(centre * 4)};
}

/// A model as the held-out metrics read it (eval/heldout_ranking.hpp).
using HeldoutScorer = std::function<void(const ItemSets&, int first, int count, Matrix<float>& out)>;

/// Several models' scores blended per user (model/blend.hpp): each model's row of scores
/// standardised over the catalogue, then summed with `weights`.
inline HeldoutScorer blended_scorer(std::vector<HeldoutScorer> models, std::vector<double> weights) {
  if (models.empty() || models.size() != weights.size())
    throw std::invalid_argument("blended_scorer: one weight per model, and at least one model");
  return [models = std::move(models), weights = std::move(weights)](const ItemSets& users, int first, int count,
                                                                    Matrix<float>& out) {
    Matrix<float> part;
    for (std::size_t m = 0; m < models.size(); ++m) {
      models[m](users, first, count, part);
      if (m == 0) out.setZero(part.rows(), part.cols());
      for (Index r = 0; r < part.rows(); ++r) add_standardized(part.row(r), weights[m], out.row(r));
    }
  };
}

/// The first model's weights a two-model blend tries: 0.05, 0.10, ..., 0.95. On ML-1M,
/// EASE's best weight against Mult-DAE or Mult-VAE was 0.15 (docs/results.md).
inline std::vector<double> blend_weight_grid() {
  std::vector<double> grid;
  for (int step = 1; step < 20; ++step) grid.push_back(step / 20.0);
  return grid;
}

/// A blend weight tried: the first model's weight w (the second's 1 - w) and its metrics.
struct BlendTrial {
  double weight = 0;
  HeldoutMetrics validation;
};

/// The weight w of `first` (and 1 - w of `second`) with the best validation NDCG@100 among
/// `grid`; `on_trial` sees each. Returns the chosen weight.
inline double choose_blend(const ImplicitData& data, const HeldoutScorer& first, const HeldoutScorer& second,
                           const std::vector<double>& grid, const std::function<void(const BlendTrial&)>& on_trial = {}) {
  double best_weight = grid.at(0), best_ndcg = -1;
  for (double weight : grid) {
    if (!(weight >= 0 && weight <= 1)) throw std::invalid_argument("choose_blend: weights lie in [0, 1]");
    BlendTrial trial{weight, heldout_metrics(data.validation, data.catalogue(),
                                             blended_scorer({first, second}, {weight, 1 - weight}))};
    if (on_trial) on_trial(trial);
    if (trial.validation.ndcg > best_ndcg) best_ndcg = trial.validation.ndcg, best_weight = weight;
  }
  return best_weight;
}

/// One lambda tried: the validation users' metrics and the fit's seconds.
struct EaseTrial {
  double lambda = 0;
  HeldoutMetrics validation;
  double seconds = 0;
};

/// The chosen model and every trial, in the order tried.
struct EaseFit {
  std::optional<Ease<float>> model;
  std::vector<EaseTrial> trials;
};

/// Fits EASE for each lambda of `grid` (one lambda: no choice, and the grid is not extended)
/// on the training users and keeps the one with the best validation NDCG@100. `on_trial`
/// sees each trial as it ends.
inline EaseFit fit_ease(const ImplicitData& data, std::vector<double> grid,
                        const std::function<void(const EaseTrial&)>& on_trial = {}, int extensions = 3) {
  const int items = data.catalogue();
  Ease<float>::check_memory(items, available_memory_bytes(), grid.size() > 1);
  Eigen::MatrixXd gram = Ease<float>::gram(data.train, items);
  const bool single = grid.size() == 1;  // then the one fit takes G over: G is held once (fit_bytes)
  EaseFit result;
  double best_ndcg = -1;
  auto trial = [&](double lambda) {
    const auto start = std::chrono::steady_clock::now();
    Ease<float> model = Ease<float>::fit(single ? std::move(gram) : Eigen::MatrixXd(gram), lambda);
    EaseTrial outcome{lambda, {}, 0};
    outcome.validation = heldout_metrics(data.validation, items, ease_scorer(model));
    outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!(outcome.validation.ndcg <= 1))
      throw std::runtime_error("EASE: no validation user has a target, so lambda cannot be chosen");
    if (outcome.validation.ndcg > best_ndcg) {
      best_ndcg = outcome.validation.ndcg;
      result.model.emplace(std::move(model));
    }
    result.trials.push_back(outcome);
    if (on_trial) on_trial(outcome);
    return outcome;
  };
  if (single) {
    trial(grid.front());
    return result;
  }
  std::size_t best = 0;
  search_grid<EaseTrial>(grid, trial, [](const EaseTrial& t) { return -t.validation.ndcg; }, extensions, best);
  return result;
}

}  // namespace autorec

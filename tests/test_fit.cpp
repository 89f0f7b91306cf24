// The training protocol (train/fit.hpp): trials on validation, then a refit of every network.
#include <doctest/doctest.h>

#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "autorec/data/split.hpp"
#include "autorec/train/fit.hpp"
#include "synthetic.hpp"

using namespace autorec;

namespace {
// 40 users x 30 items; item variant, so the networks have 40 inputs.
struct Problem {
  std::vector<Rating> all = testing::rating_list(testing::random_ratings<float>(30, 40, 0.4, 3));
  RatingSplit fit = split_ratings(all, 0.2, 4);
  SparseColumns<float> fit_input = rating_matrix<float>(fit.train, 40, 30, Variant::item);
  SparseColumns<float> train_input = rating_matrix<float>(all, 40, 30, Variant::item);
  PredictionRules rules = rules_from(all, 3);
  FitData<float> data{fit_input, fit.test, train_input};
};

MakeNetwork<float> small_networks() {
  return [](double lambda, std::uint64_t seed) {
    Network<float>::Options options;
    options.inputs = 40;
    options.hidden = 8;
    options.lambda = float(lambda);
    options.seed = seed;
    return Network<float>(options);
  };
}

// Records every training call the protocol makes.
struct Call {
  Index vectors, nonzeros;
  bool validated;
  int epochs;
  std::uint64_t seed;
  float lambda;
};

TrainNetwork<float> recording(std::vector<Call>& calls, const Problem& p) {
  return [&calls, &p](Network<float>& network, const SparseColumns<float>& input, const std::vector<Rating>& validation,
                      const TrainOptions<float>& options) {
    calls.push_back({input.cols(), input.nonZeros(), !validation.empty(), options.epochs, options.seed, network.lambda()});
    return train(network, input, validation, Variant::item, p.rules, options);
  };
}

TrainOptions<float> rprop(int epochs) {
  TrainOptions<float> options;
  options.optimizer = "rprop";
  options.epochs = epochs;
  options.patience = 3;
  return options;
}
}  // namespace

TEST_CASE("The protocol chooses lambda on validation and refits every member for the chosen trial's epochs") {
  const Problem p;
  FitSettings settings;
  settings.lambdas = {1, 10, 100};
  settings.grid_extensions = 0;
  settings.members = 2;
  settings.seed = 5;
  std::vector<Call> calls;
  const Fitted<float> fitted = fit<float>(settings, p.data, rprop(40), small_networks(), recording(calls, p));
  REQUIRE(calls.size() == 5);  // three trials, two refits
  for (int t = 0; t < 3; ++t) {
    CHECK(calls[std::size_t(t)].validated);
    CHECK(calls[std::size_t(t)].nonzeros == p.fit_input.nonZeros());
    CHECK(calls[std::size_t(t)].seed == 5);
  }
  CHECK(fitted.choice.trials.size() == 3);
  CHECK(fitted.epochs == fitted.choice.epochs);
  CHECK(fitted.epochs > 0);
  for (int m = 0; m < 2; ++m) {
    const Call& refit = calls[std::size_t(3 + m)];
    CHECK_FALSE(refit.validated);
    CHECK(refit.nonzeros == p.train_input.nonZeros());
    CHECK(refit.epochs == fitted.epochs);
    CHECK(refit.seed == 5 + std::uint64_t(m));
    CHECK(refit.lambda == float(fitted.lambda));
  }
  CHECK(fitted.ensemble.size() == 2);
}

TEST_CASE("With one lambda the protocol still chooses the epoch count on validation and refits") {
  const Problem p;
  FitSettings settings;
  settings.lambdas = {10};
  std::vector<Call> calls;
  const Fitted<float> fitted = fit<float>(settings, p.data, rprop(40), small_networks(), recording(calls, p));
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].validated);
  CHECK_FALSE(calls[1].validated);
  CHECK(calls[1].epochs == fitted.choice.trials.front().report.best_epoch);
  CHECK(fitted.lambda == 10);
}

TEST_CASE("Without a refit the chosen trial's network is member 0 and the others train as the trials did") {
  const Problem p;
  FitSettings settings;
  settings.lambdas = {1, 10};
  settings.grid_extensions = 0;
  settings.refit = false;
  settings.members = 2;
  std::vector<Call> calls;
  const Fitted<float> fitted = fit<float>(settings, p.data, rprop(30), small_networks(), recording(calls, p));
  REQUIRE(calls.size() == 3);  // two trials and member 1
  CHECK(calls[2].validated);
  CHECK(calls[2].nonzeros == p.fit_input.nonZeros());
  CHECK(fitted.epochs == 0);
  // member 0 predicts as a network trained like the chosen trial
  Network<float> again = small_networks()(fitted.lambda, settings.seed);
  TrainOptions<float> options = rprop(30);
  options.seed = settings.seed;
  train(again, p.fit_input, p.fit.test, Variant::item, p.rules, options);
  CHECK(fitted.ensemble.member(0).parameters() == again.parameters());
}

TEST_CASE("The protocol refuses to choose without validation ratings, saying so") {
  const Problem p;
  const std::vector<Rating> none;
  const FitData<float> data{p.fit_input, none, p.train_input};
  FitSettings settings;
  CHECK_THROWS_WITH(fit<float>(settings, data, rprop(5), Variant::item, p.rules, small_networks()),
                    doctest::Contains("needs validation ratings"));
  settings.refit = false;  // one lambda, trained on all: nothing to choose
  CHECK(fit<float>(settings, data, rprop(5), Variant::item, p.rules, small_networks()).ensemble.size() == 1);
}

TEST_CASE("The protocol refuses optimizer settings before it trains any network, naming the field") {
  const Problem p;
  std::vector<Call> calls;
  TrainOptions<float> options = rprop(5);
  options.rprop.max_step = 0.001f;  // below the default initial_step of 0.01
  CHECK_THROWS_WITH(fit<float>(FitSettings{}, p.data, options, small_networks(), recording(calls, p)),
                    doctest::Contains("a lower max_step needs a lower initial_step too"));
  CHECK(calls.empty());
}

namespace {
// A trial whose validation RMSE is lowest at lambda 10 and whose best epoch is lambda / 2.
TrainReport fake_trial(double lambda) {
  TrainReport report;
  report.best_epoch = int(lambda / 2);
  report.best_validation_rmse = 1 + std::abs(std::log10(lambda) - 1);
  return report;
}
}  // namespace

TEST_CASE("fit_one chooses lambda with its trials and refits the chosen one for the chosen trial's epochs") {
  FitSettings settings;
  settings.lambdas = {1, 10, 100};
  std::vector<double> trials;
  std::vector<std::pair<double, std::optional<int>>> finals;
  const OneFit fitted = fit_one(
      settings, [&](double lambda) { return trials.push_back(lambda), fake_trial(lambda); },
      [&](double lambda, std::optional<int> epochs) { return finals.emplace_back(lambda, epochs), TrainReport{}; });
  CHECK(trials == std::vector<double>{1, 10, 100});
  REQUIRE(finals.size() == 1);
  CHECK(finals[0].first == 10);
  CHECK(finals[0].second == std::optional<int>(5));
  CHECK(fitted.lambda == 10);
  CHECK(fitted.epochs == 5);
  CHECK(fitted.report.best_epoch == 5);  // the chosen trial's curve
}

TEST_CASE("fit_one with one lambda and no refit trains the kept model alone, stopped early") {
  FitSettings settings;
  settings.lambdas = {30};
  settings.refit = false;
  int trials = 0;
  std::vector<std::optional<int>> finals;
  const OneFit fitted = fit_one(
      settings, [&](double lambda) { return ++trials, fake_trial(lambda); },
      [&](double lambda, std::optional<int> epochs) { return finals.push_back(epochs), fake_trial(lambda); });
  CHECK(trials == 0);
  REQUIRE(finals.size() == 1);
  CHECK_FALSE(finals[0].has_value());
  CHECK(fitted.lambda == 30);
  CHECK(fitted.epochs == 0);
  CHECK(fitted.report.best_epoch == 15);
}

TEST_CASE("fit_one refuses an ensemble, which is its caller's loop") {
  FitSettings settings;
  settings.members = 3;
  CHECK_THROWS_WITH(fit_one(settings, fake_trial, [](double, std::optional<int>) { return TrainReport{}; }),
                    doctest::Contains("one model, not 3"));
}

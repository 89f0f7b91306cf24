// The explicit-rating protocol (train/fit_ratings.hpp) and the Mult-DAE/VAE recipe
// (train/mult_recipe.hpp) that the programs and the Python package share.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "autorec/data/split.hpp"
#include "autorec/train/fit_ratings.hpp"
#include "autorec/train/implicit_trainer.hpp"
#include "autorec/train/mult_recipe.hpp"
#include "synthetic.hpp"

using namespace autorec;

namespace {

std::vector<Rating> some_ratings() { return testing::rating_list(testing::random_ratings<float>(30, 40, 0.4, 3)); }

RatingFitSettings<float> small_settings() {
  RatingFitSettings<float> settings;
  settings.network.hidden = 8;
  settings.training.epochs = 5;
  settings.lambda = 1.0;
  settings.seed = 7;
  return settings;
}

bool same(const std::vector<Rating>& a, const std::vector<Rating>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k)
    if (a[k].user != b[k].user || a[k].item != b[k].item || a[k].value != b[k].value) return false;
  return true;
}

}  // namespace

TEST_CASE("held_out marks the positions split_ratings puts in test") {
  const std::vector<Rating> ratings = some_ratings();
  const std::vector<char> mask = held_out(ratings.size(), 0.25, 9);
  const RatingSplit split = split_ratings(ratings, 0.25, 9);
  std::vector<Rating> marked;
  for (std::size_t k = 0; k < ratings.size(); ++k)
    if (mask[k]) marked.push_back(ratings[k]);
  CHECK(marked.size() == std::size_t(std::llround(0.25 * double(ratings.size()))));
  CHECK(same(marked, split.test));
}

TEST_CASE("the rating protocol holds out split_ratings of the training part with seed + 1 for validation") {
  const std::vector<Rating> ratings = some_ratings();
  const RatingFit<float> job(ratings, 40, 30, small_settings());
  const RatingSplit expected = split_ratings(ratings, 0.1, 8);
  CHECK(same(job.validation(), expected.test));
  CHECK(same(job.fit_ratings(), expected.train));
  CHECK(job.fit_input().nonZeros() == Index(expected.train.size()));
  CHECK(job.train_input().nonZeros() == Index(ratings.size()));
}

TEST_CASE("given validation ratings, the rating protocol trains on them after the fit part") {
  const RatingSplit parts = split_ratings(some_ratings(), 0.2, 1);
  const RatingFit<float> job(parts.train, parts.test, 40, 30, small_settings());
  CHECK(same(job.validation(), parts.test));
  CHECK(job.training().size() == parts.train.size() + parts.test.size());
  CHECK(job.protocol().refit);
}

TEST_CASE("the rating protocol refits nothing without validation ratings") {
  RatingFitSettings<float> settings = small_settings();
  settings.validation_fraction = 0;
  const RatingFit<float> job(some_ratings(), 40, 30, settings);
  CHECK_FALSE(job.protocol().refit);
  const Fitted<float> fitted = job.run();
  CHECK(fitted.ensemble.size() == 1);
  CHECK(fitted.epochs == 0);
}

TEST_CASE("choosing lambda without validation ratings is refused before training") {
  RatingFitSettings<float> settings = small_settings();
  settings.lambda.reset();
  settings.validation_fraction = 0;
  CHECK_THROWS_WITH_AS(RatingFit<float>(some_ratings(), 40, 30, settings),
                       doctest::Contains("choosing lambda needs validation ratings"), std::invalid_argument);
}

TEST_CASE("a default rating replaces the bias model in the protocol's rules") {
  RatingFitSettings<float> settings = small_settings();
  settings.default_rating = 2.5f;
  const RatingFit<float> job(some_ratings(), 40, 30, settings);
  CHECK(job.rules().default_rating == 2.5f);
  CHECK(job.rules().user_bias.empty());
}

TEST_CASE("the rating protocol gives the same networks for the same ratings and seed") {
  const std::vector<Rating> ratings = some_ratings();
  const Fitted<float> a = RatingFit<float>(ratings, 40, 30, small_settings()).run();
  const Fitted<float> b = RatingFit<float>(ratings, 40, 30, small_settings()).run();
  CHECK(a.ensemble.member(0).parameters() == b.ensemble.member(0).parameters());
}

TEST_CASE("the Mult recipe gives unset settings the paper's values") {
  MultRecipe dae;
  const Network<float>::Options o = dae.network_options({}, 1000, 5000);
  CHECK(o.hidden.front() == 200);
  CHECK(o.activation == "tanh");
  CHECK(o.input_dropout == doctest::Approx(0.5));
  CHECK(o.lambda == doctest::Approx(2 * (0.01 / 500) * 5000));
  CHECK(o.weight_scale == doctest::Approx(std::sqrt(2.0 / 1200)));
  CHECK(o.loss == "multinomial");
  MultRecipe vae;
  vae.variational = true;
  CHECK(vae.network_options({}, 1000, 5000).hidden.front() == 600);
  CHECK(vae.network_options({}, 1000, 5000).lambda == 0);
  CHECK(MultTraining{}.options({}).optimizer == "adam");
  CHECK(MultTraining{}.options({}).batch_size == 500);
}

TEST_CASE("the Mult recipe keeps the settings given") {
  MultRecipe recipe;
  recipe.hidden = std::vector<Index>{32};
  recipe.lambda = 3.0;
  const Network<float>::Options o = recipe.network_options({}, 100, 50);
  CHECK(o.hidden.front() == 32);
  CHECK(o.lambda == doctest::Approx(3.0));
}

TEST_CASE("implicit training without validation users runs every epoch and keeps the last") {
  ImplicitData data;
  for (int i = 0; i < 6; ++i) data.items.insert(std::to_string(i));
  for (int u = 0; u < 12; ++u) {
    data.train_users.push_back(std::to_string(u));
    data.train.add_row({u % 6, (u + 1) % 6});
  }
  MultRecipe recipe;
  recipe.hidden = std::vector<Index>{4};
  Network<float> network = recipe.network({}, 6, 12);
  TrainOptions<float> options = MultTraining{}.options({});
  options.epochs = 4;
  options.batch_size = 5;
  int stops_asked = 0;
  const ImplicitTrainReport report = train_implicit(network, data, options, {}, {}, [&](const ImplicitEpochReport&) {
    ++stops_asked;
    return false;
  });
  CHECK(report.history.size() == 4);
  CHECK(report.best_epoch == 4);
  CHECK(stops_asked == 4);
}

TEST_CASE("a rating set of one value is refused, pointing to the models of implicit feedback") {
  std::vector<Rating> ones = some_ratings();
  for (Rating& r : ones) r.value = 1;
  CHECK_THROWS_WITH_AS(RatingFit<float>(ones, 40, 30, small_settings()), doctest::Contains("implicit feedback"),
                       std::invalid_argument);
}

TEST_CASE("validation ratings that no network prediction reaches are refused before training") {
  // user 2 and item 2 have no rating but the one validation rating
  const std::vector<Rating> fit = {{0, 0, 1}, {0, 1, 5}, {1, 0, 4}, {1, 1, 2}};
  const std::vector<Rating> validation = {{2, 2, 3}};
  CHECK_THROWS_WITH_AS(RatingFit<float>(fit, validation, 3, 3, small_settings()),
                       doctest::Contains("never reach them"), std::invalid_argument);
}

// Predictions read off the training vectors, clipped, with defaults for cold start; metrics;
// top-N recommendation.
#include <doctest/doctest.h>

#include <cmath>

#include "autorec/eval/predict.hpp"
#include "autorec/model/autorec.hpp"
#include "autorec/eval/recommend.hpp"

using namespace autorec;

namespace {
// 6 users x 5 items; user 5 and item 4 have no training rating.
const std::vector<Rating> kTrain = {{0, 0, 5}, {0, 1, 3}, {1, 0, 4}, {1, 2, 1}, {2, 1, 2},
                                   {2, 3, 4}, {3, 2, 5}, {3, 3, 3}, {4, 0, 2}, {4, 1, 1}};

AutoRec<double> model_for(Index inputs) {
  AutoRec<double>::Options options;
  options.inputs = inputs;
  options.hidden = 3;
  options.weight_scale = 0.5;
  options.bias_scale = 0.5;
  return AutoRec<double>(options);
}

PredictionRules wide_rules() {
  PredictionRules rules;
  rules.min_rating = -100;
  rules.max_rating = 100;
  rules.default_rating = 3;
  return rules;
}
}  // namespace

TEST_CASE("A prediction is the reconstruction of the item's training vector at the user") {
  for (Variant variant : {Variant::item, Variant::user}) {
    const SparseColumns<double> input = rating_matrix<double>(kTrain, 6, 5, variant);
    const AutoRec<double> model = model_for(input.rows());
    Matrix<double> reconstruction;
    model.predict(input, reconstruction);
    const std::vector<Rating> pairs = {{0, 2, 0}, {3, 0, 0}, {4, 3, 0}};
    const std::vector<float> predicted = predict_ratings(model, input, pairs, variant, wide_rules());
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      const Entry e = entry_of(pairs[i], variant);
      CHECK(predicted[i] == doctest::Approx(reconstruction(e.row, e.col)).epsilon(1e-6));
    }
  }
}

TEST_CASE("A user or item without training ratings gets the default rating") {
  const SparseColumns<double> input = rating_matrix<double>(kTrain, 6, 5, Variant::item);
  const AutoRec<double> model = model_for(6);
  PredictionRules rules = wide_rules();
  rules.default_rating = 2.75f;
  const std::vector<float> predicted =
      predict_ratings(model, input, {{5, 0, 0}, {0, 4, 0}, {9, 9, 0}, {0, 3, 0}}, Variant::item, rules);
  CHECK(predicted[0] == 2.75f);  // user 5 rated nothing in training
  CHECK(predicted[1] == 2.75f);  // item 4 was rated by nobody in training
  CHECK(predicted[2] == 2.75f);  // ids the training data never saw
  CHECK(predicted[3] != 2.75f);
}

TEST_CASE("fitted_rules takes the training range, the mean with shrunk biases, and a scale that tops ratings at 5") {
  // ratings x 20: 20 to 100
  std::vector<Rating> train = kTrain;
  for (Rating& r : train) r.value *= 20;
  const PredictionRules rules = fitted_rules(train, 6, 5);
  CHECK(rules.min_rating == 20);
  CHECK(rules.max_rating == 100);
  CHECK(rules.scale == 20);
  CHECK(rules.default_rating == doctest::Approx(60.0));  // mean of 3 x 20
  // item 0: ratings 100, 80, 40, residuals 40, 20, -20 around 60: 40 / (3 + 10)
  CHECK(rules.item_bias[0] == doctest::Approx(40.0 / 13));
  CHECK(rules.item_bias[4] == 0);  // rated by nobody
  REQUIRE(rules.user_bias.size() == 6);
  CHECK(rules.user_bias[5] == 0);
  // user 0 rated item 0 (100) and item 1 (60): residuals after the item biases, over 2 + 10
  const double item1 = (60.0 - 60 + 40 - 60 + 20 - 60) / 13;
  CHECK(rules.user_bias[0] == doctest::Approx((100 - 60 - 40.0 / 13 + 60 - 60 - item1) / 12));
  CHECK(rules.fallback(0, 4) == doctest::Approx(60 + rules.user_bias[0]));
  CHECK(rules.fallback(-1, 0) == doctest::Approx(60 + 40.0 / 13));
}

TEST_CASE("A pair the network cannot reconstruct gets the bias model's prediction, clipped to the range") {
  const SparseColumns<double> input = rating_matrix<double>(kTrain, 6, 5, Variant::item);
  const AutoRec<double> model = model_for(6);
  PredictionRules rules = wide_rules();
  rules.user_bias = {0.5f, 0, 0, 0, 0, 0};
  rules.item_bias = {0, 0, 0, 0, -0.25f};
  const std::vector<float> predicted = predict_ratings(model, input, {{0, 4, 0}, {5, 4, 0}}, Variant::item, rules);
  CHECK(predicted[0] == 3.25f);  // 3 + 0.5 - 0.25
  CHECK(predicted[1] == 2.75f);  // user 5 has no bias to add
  rules.max_rating = 3.1f;
  CHECK(predict_ratings(model, input, {{0, 4, 0}}, Variant::item, rules)[0] == 3.1f);
}

TEST_CASE("The network reads ratings divided by the scale, and its outputs are multiplied back") {
  const AutoRec<double> model = model_for(6);
  PredictionRules rules = wide_rules();
  const std::vector<float> plain =
      predict_ratings(model, rating_matrix<double>(kTrain, 6, 5, Variant::item), kTrain, Variant::item, rules);
  std::vector<Rating> scaled = kTrain;
  for (Rating& r : scaled) r.value *= 20;
  rules.scale = 20;
  const SparseColumns<double> input = input_matrix<double>(scaled, 6, 5, Variant::item, rules);
  CHECK(Matrix<double>(input) == Matrix<double>(rating_matrix<double>(kTrain, 6, 5, Variant::item)));
  const std::vector<float> predicted = predict_ratings(model, input, scaled, Variant::item, rules);
  for (std::size_t p = 0; p < kTrain.size(); ++p) CHECK(predicted[p] == doctest::Approx(20 * plain[p]));
}

TEST_CASE("A prediction plan holds the warm pairs once and predicts them from the reconstruction") {
  const SparseColumns<double> input = rating_matrix<double>(kTrain, 6, 5, Variant::item);
  const AutoRec<double> model = model_for(6);
  const std::vector<Rating> pairs = {{5, 0, 0}, {0, 2, 0}, {4, 3, 0}, {0, 4, 0}, {3, 0, 0}};
  const PredictionPlan<double> plan(input, pairs, Variant::item);
  CHECK(plan.pairs == pairs.size());
  CHECK(plan.pattern.nonZeros() == 3);  // pairs 0 and 3 are cold
  Matrix<double> reconstruction;  // computed apart from the plan: the whole d x B output
  model.predict(input, reconstruction);
  const std::vector<float> predicted = predict_ratings(model, input, plan, wide_rules());
  REQUIRE(predicted.size() == pairs.size());
  for (std::size_t i : {std::size_t(1), std::size_t(2), std::size_t(4)})
    CHECK(predicted[i] == doctest::Approx(reconstruction(pairs[i].user, pairs[i].item)).epsilon(1e-6));
  CHECK(predicted[0] == 3.0f);
  CHECK(predicted[3] == 3.0f);
}

TEST_CASE("The rating range is the training data's, not the default 1 to 5") {
  const PredictionRules rules = rules_from({{0, 0, 2.5f}, {1, 0, 4.5f}, {0, 1, 3}}, 3);
  CHECK(rules.min_rating == 2.5f);
  CHECK(rules.max_rating == 4.5f);
}

TEST_CASE("Predictions are clipped to the training data's rating range") {
  std::vector<Rating> train = kTrain;
  for (Rating& r : train) r.value = 2 + r.value / 2;  // range [2.5, 4.5]
  const SparseColumns<double> input = rating_matrix<double>(train, 6, 5, Variant::item);
  AutoRec<double> model = model_for(6);
  const ParameterGroup output_bias = model.parameter_groups().back();
  const PredictionRules rules = rules_from(train, 3);
  model.parameters().segment(output_bias.offset, output_bias.size).setConstant(100);
  CHECK(predict_ratings(model, input, {{0, 2, 0}}, Variant::item, rules)[0] == 4.5f);
  model.parameters().segment(output_bias.offset, output_bias.size).setConstant(-100);
  CHECK(predict_ratings(model, input, {{0, 2, 0}}, Variant::item, rules)[0] == 2.5f);
}

TEST_CASE("RMSE and MAE pool the errors of every rating") {
  const Metrics metrics = score({{0, 0, 4}, {0, 1, 2}, {1, 0, 3}, {1, 1, 5}}, {3.0f, 2.0f, 3.0f, 2.0f});
  CHECK(metrics.count == 4);
  CHECK(metrics.rmse == doctest::Approx(std::sqrt((1.0 + 0 + 0 + 9) / 4)));
  CHECK(metrics.mae == doctest::Approx(1.0));
}

TEST_CASE("Metrics of no ratings are NaN, and mismatched sizes are an error") {
  const Metrics none = score({}, {});
  CHECK(none.count == 0);
  CHECK(std::isnan(none.rmse));
  CHECK(std::isnan(none.mae));
  CHECK_THROWS_AS(score({{0, 0, 4}}, {}), std::invalid_argument);
}

TEST_CASE("Recommendations are the unseen, trained items ranked by predicted rating") {
  const SparseColumns<double> input = rating_matrix<double>(kTrain, 6, 5, Variant::item);
  const AutoRec<double> model = model_for(6);
  const std::vector<Recommendation> top = recommend(model, input, Variant::item, wide_rules(), 0, 10);
  // user 0 rated items 0 and 1; item 4 has no training rating: items 2 and 3 remain.
  REQUIRE(top.size() == 2);
  CHECK(top[0].rating >= top[1].rating);
  const std::vector<float> direct =
      predict_ratings(model, input, {{0, top[0].item, 0}, {0, top[1].item, 0}}, Variant::item, wide_rules());
  CHECK(top[0].rating == direct[0]);
  CHECK(((top[0].item == 2 && top[1].item == 3) || (top[0].item == 3 && top[1].item == 2)));
  CHECK(recommend(model, input, Variant::item, wide_rules(), 0, 1).size() == 1);
}

TEST_CASE("U-AutoRec recommendations also leave out exactly the items the user rated") {
  const SparseColumns<double> input = rating_matrix<double>(kTrain, 6, 5, Variant::user);
  const AutoRec<double> model = model_for(input.rows());
  // user 2 rated items 1 and 3; item 4 has no training rating: items 0 and 2 remain.
  const std::vector<Recommendation> top = recommend(model, input, Variant::user, wide_rules(), 2, 10);
  REQUIRE(top.size() == 2);
  CHECK(((top[0].item == 0 && top[1].item == 2) || (top[0].item == 2 && top[1].item == 0)));
  Matrix<double> reconstruction;  // U-AutoRec: column u is user u's reconstruction
  model.predict(input, reconstruction);
  CHECK(top[0].rating == doctest::Approx(reconstruction(top[0].item, 2)).epsilon(1e-6));
}

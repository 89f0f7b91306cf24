// Training on the embedded MovieLens data set beats the global-mean baseline.
#include <doctest/doctest.h>

#include "autorec/data/load.hpp"
#include "autorec/data/split.hpp"
#include "autorec/train/trainer.hpp"

using namespace autorec;

TEST_CASE("A few epochs on the embedded ml-latest-small beat the global mean on its test split") {
  RatingData data;
  load_ratings(AUTOREC_SOURCE_DIR "/examples/data/ml-latest-small/ratings.csv", data);
  REQUIRE(data.ratings.size() == 100836);
  const RatingSplit split = split_ratings(data.ratings, 0.1, 1);
  const RatingSplit fit = split_ratings(split.train, 0.1, 2);
  const PredictionRules rules = rules_from(split.train, 3);
  const SparseColumns<float> input = rating_matrix<float>(fit.train, data.users.size(), data.items.size(), Variant::item);

  AutoRec<float>::Options model_options;
  model_options.inputs = input.rows();
  model_options.hidden = 100;
  model_options.lambda = 20;
  AutoRec<float> model(model_options);
  TrainOptions<float> options;
  options.epochs = 4;
  options.batch_size = 64;
  train(model, input, fit.test, Variant::item, rules, options);

  double mean = 0;
  for (const Rating& r : split.train) mean += r.value / double(split.train.size());
  const Metrics baseline = score(split.test, std::vector<float>(split.test.size(), float(mean)));
  const Metrics metrics = evaluate(model, input, split.test, Variant::item, rules);
  MESSAGE("test RMSE " << metrics.rmse << ", global mean " << baseline.rmse);
  CHECK(metrics.rmse < baseline.rmse - 0.03);
}

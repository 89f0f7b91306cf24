// The distributed trainer's MPI-free core: shards, the sharded pass, resuming.
#include <doctest/doctest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "autorec/sharding/sharded_rules.hpp"
#include "autorec/sharding/sharded_trainer.hpp"
#include "autorec/train/training_pass.hpp"
#include "synthetic.hpp"

using namespace autorec;

namespace {

using Options = Network<float>::Options;

Options small_options(HiddenSizes hidden, double dropout = 0) {
  Options o;
  o.hidden = hidden;
  o.dropout = dropout;
  o.lambda = 0.5f;
  o.seed = 7;
  o.weight_scale = 0.1f;
  return o;
}

Architecture stack_of(Index inputs, const Options& o) {
  return Architecture::stack(inputs, o.hidden, o.activation, o.output_activation, o.dropout, o.input_dropout);
}

std::vector<SparseColumns<float>> split_rows(const SparseColumns<float>& m, const ShardLayout& layout,
                                             ShardLayout::Range owned) {
  std::vector<SparseColumns<float>> parts;
  for (int s = owned.first; s < owned.last; ++s) parts.push_back(rows_of(m, layout.begin(s), layout.begin(s + 1)));
  return parts;
}

std::vector<Vector<float>> parameters_of(ShardedNetwork<float>& model) {
  std::vector<Vector<float>> parts;
  for (int i = 0; i < model.owned().count(); ++i) parts.push_back(model.shard(i).parameters());
  return parts;
}

}  // namespace

TEST_CASE("shards tile the inputs in order and ranks own consecutive shards") {
  const ShardLayout layout(10, 4);
  CHECK(layout.begin(0) == 0);
  CHECK(layout.begin(4) == 10);
  Index total = 0;
  for (int s = 0; s < 4; ++s) {
    CHECK(layout.size(s) >= 2);
    total += layout.size(s);
    for (Index row = layout.begin(s); row < layout.begin(s + 1); ++row) CHECK(layout.shard_of(row) == s);
  }
  CHECK(total == 10);
  CHECK(layout.owned(1, 2).first == 2);
  CHECK(layout.owned(1, 2).last == 4);
  CHECK(layout.owned(0, 1).count() == 4);
  CHECK_THROWS_AS(layout.owned(0, 5), std::invalid_argument);
  CHECK_THROWS_AS(ShardLayout(3, 4), std::invalid_argument);
}

TEST_CASE("a network split into shards has the whole network's loss and gradient") {
  for (const Options& options : {small_options(6), small_options({6, 4, 6}, 0.3)}) {
    const SparseColumns<float> ratings = testing::random_ratings<float>(23, 9, 0.3, 11);
    const ShardLayout layout(23, 4);
    const Architecture architecture = stack_of(23, options);
    ShardedNetwork<float> sharded(architecture, options, layout, layout.owned(0, 1));
    LocalReducer<float> reducer;
    std::vector<SparseBatch<float>> batches;
    for (const auto& part : split_rows(ratings, layout, layout.owned(0, 1))) batches.emplace_back(part);
    const double sharded_loss = sharded.loss_and_gradient(batches, reducer);

    Network<float> whole = ShardedNetwork<float>::gathered(architecture, options, layout, parameters_of(sharded));
    TrainingPass whole_pass(whole);
    whole_pass.loss_and_gradient(whole, SparseBatch<float>(ratings));
    CHECK(sharded_loss == doctest::Approx(whole_pass.last_data_term()).epsilon(1e-5));
    std::vector<Vector<float>> gradients;
    for (int s = 0; s < 4; ++s) gradients.push_back(sharded.shard_gradient(s));
    // mu's and the stages' gradient is core()'s
    Network<float>& core = sharded.core();
    gradients[0].segment(sharded.shard(0).replicated_offset(), core.replicated_size()) =
        sharded.core_gradient().segment(core.replicated_offset(), core.replicated_size());
    const Vector<float> gathered_gradient =
        ShardedNetwork<float>::gathered(architecture, options, layout, gradients).parameters();
    CHECK((gathered_gradient - whole_pass.gradient()).norm() <= 1e-5f * whole_pass.gradient().norm());
  }
}

TEST_CASE("a sharded network predicts what its gathered network predicts") {
  const Options options = small_options(5);
  const SparseColumns<float> ratings = testing::random_ratings<float>(17, 8, 0.4, 3);
  const ShardLayout layout(17, 3);
  const Architecture architecture = stack_of(17, options);
  ShardedNetwork<float> sharded(architecture, options, layout, layout.owned(0, 1));
  LocalReducer<float> reducer;
  PredictionRules rules;
  rules.min_rating = -100;
  rules.max_rating = 100;
  const auto parts = split_rows(ratings, layout, layout.owned(0, 1));
  const double error = sharded.errors_at(parts, parts, rules, reducer).squared;
  const Network<float> whole = ShardedNetwork<float>::gathered(architecture, options, layout, parameters_of(sharded));
  Vector<float> values;
  whole.predict_at(ratings, ratings, values);
  const double expected = (values - Eigen::Map<const Vector<float>>(ratings.valuePtr(), ratings.nonZeros()))
                              .template cast<double>().squaredNorm();
  CHECK(error == doctest::Approx(expected).epsilon(1e-5));
}

TEST_CASE("a full-batch sharded run reports each epoch's validation RMSE after its step, as a separate encode would") {
  // The trainer reads validation from the next pass's codes; encoding the validation inputs
  // again at each epoch's parameters must give the same numbers.
  const Options options = small_options(6);
  const SparseColumns<float> ratings = testing::random_ratings<float>(20, 12, 0.3, 5);
  const SparseColumns<float> held_out = testing::random_ratings<float>(20, 12, 0.2, 6);
  const ShardLayout layout(20, 3);
  ShardedData<float> data;
  data.inputs = split_rows(ratings, layout, layout.owned(0, 1));
  data.validation = split_rows(held_out, layout, layout.owned(0, 1));
  data.ratings = double(ratings.nonZeros());
  data.validation_ratings = double(held_out.nonZeros());
  PredictionRules rules;
  TrainOptions<float> train_options;
  train_options.optimizer = "rprop";
  train_options.epochs = 8;
  train_options.patience = 0;
  LocalReducer<float> reducer;
  ShardedNetwork<float> model(stack_of(20, options), options, layout, layout.owned(0, 1));
  REQUIRE(model.core().trains_deterministically());
  std::vector<double> encoded;
  TrainCallbacks callbacks;
  callbacks.on_epoch = [&](const EpochReport&) {
    encoded.push_back(std::sqrt(model.errors_at(data.inputs, data.validation, rules, reducer).squared /
                                data.validation_ratings));
  };
  const TrainReport report = ShardedTrainer<float>(model, data, rules, train_options, reducer).run(callbacks);
  REQUIRE(encoded.size() == 8);
  for (std::size_t e = 0; e < encoded.size(); ++e) CHECK(report.history[e].validation_rmse == encoded[e]);
}

TEST_CASE("a sharded run resumed from its state ends where an uninterrupted run ends") {
  for (const auto& [optimizer, dropout] : {std::pair{"rprop", 0.2}, std::pair{"adam", 0.2},
                                           std::pair{"rprop", 0.0}}) {
    CAPTURE(dropout);
    const Options options = small_options(6, dropout);
    const SparseColumns<float> ratings = testing::random_ratings<float>(20, 12, 0.3, 5);
    const ShardLayout layout(20, 2);
    const Architecture architecture = stack_of(20, options);
    ShardedData<float> data;
    data.inputs = split_rows(ratings, layout, layout.owned(0, 1));
    data.validation = data.inputs;
    data.ratings = double(ratings.nonZeros());
    data.validation_ratings = double(ratings.nonZeros());
    PredictionRules rules;
    TrainOptions<float> train_options;
    train_options.optimizer = optimizer;
    train_options.batch_size = 5;
    train_options.epochs = 6;
    train_options.patience = 0;
    LocalReducer<float> reducer;

    ShardedNetwork<float> uninterrupted(architecture, options, layout, layout.owned(0, 1));
    ShardedTrainer<float>(uninterrupted, data, rules, train_options, reducer).run();

    // The first run is cut after epoch 3, its state taken where a checkpoint is written.
    ShardedNetwork<float> stopped(architecture, options, layout, layout.owned(0, 1));
    ShardedTrainer<float> first(stopped, data, rules, train_options, reducer);
    std::vector<ShardedTrainer<float>::ShardState> states;
    TrainCallbacks cut;
    cut.on_epoch = [&](const EpochReport& e) {
      if (e.epoch == 3) states = {first.state(0), first.state(1)};
    };
    cut.should_stop = [](const EpochReport& e) { return e.epoch == 3; };
    first.run(cut);

    ShardedNetwork<float> resumed(architecture, options, layout, layout.owned(0, 1));
    ShardedTrainer<float> second(resumed, data, rules, train_options, reducer);
    second.restore(first.history(), states);
    const TrainReport report = second.run();
    CHECK(report.history.size() == 6);
    for (int i = 0; i < 2; ++i) CHECK(resumed.shard(i).parameters() == uninterrupted.shard(i).parameters());
  }
}

TEST_CASE("prediction rules fitted over shards are those fitted on all the ratings") {
  std::vector<Rating> ratings;
  Random random(3);
  for (int u = 0; u < 30; ++u)
    for (int i = 0; i < 12; ++i)
      if (random.uniform() < 0.4) ratings.push_back({u, i, float(1 + random.below(10)) * 0.5f});
  const PredictionRules whole = fitted_rules(ratings, 30, 12);
  const ShardLayout layout(30, 3);  // I-AutoRec: users are the rows
  std::vector<std::vector<Rating>> parts(3);
  for (const Rating& r : ratings) parts[std::size_t(layout.shard_of(r.user))].push_back(r);
  LocalReducer<float> reducer;
  const PredictionRules sharded = fitted_rules_sharded(parts, 30, 12, reducer);
  CHECK(sharded.min_rating == whole.min_rating);
  CHECK(sharded.max_rating == whole.max_rating);
  CHECK(sharded.scale == whole.scale);
  CHECK(sharded.default_rating == doctest::Approx(whole.default_rating).epsilon(1e-6));
  REQUIRE(sharded.user_bias.size() == whole.user_bias.size());
  REQUIRE(sharded.item_bias.size() == whole.item_bias.size());
  for (std::size_t u = 0; u < whole.user_bias.size(); ++u)
    CHECK(sharded.user_bias[u] == doctest::Approx(whole.user_bias[u]).epsilon(1e-5));
  for (std::size_t i = 0; i < whole.item_bias.size(); ++i)
    CHECK(sharded.item_bias[i] == doctest::Approx(whole.item_bias[i]).epsilon(1e-5));
}

TEST_CASE("The sharded trainer refuses an optimizer that couples all parameters, naming it") {
  Network<float>::Options options;
  options.inputs = 20;
  options.hidden = 6;
  const ShardLayout layout(20, 2);
  ShardedData<float> data;
  data.inputs = split_rows(testing::random_ratings<float>(20, 12, 0.3, 5), layout, layout.owned(0, 1));
  data.ratings = double(data.inputs[0].nonZeros() + data.inputs[1].nonZeros());
  TrainOptions<float> train_options;
  train_options.optimizer = "lbfgs";
  LocalReducer<float> reducer;
  ShardedNetwork<float> model(Architecture::stack(20, 6, "sigmoid"), options, layout, layout.owned(0, 1));
  CHECK_THROWS_WITH(ShardedTrainer<float>(model, data, PredictionRules{}, train_options, reducer),
                    doctest::Contains("which 'lbfgs' cannot"));
}

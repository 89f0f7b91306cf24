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

// Every layer kernelised, with embeddings spread wide enough that part of each kernel is
// clipped at 0.
Options kernelised(Options o) {
  o.kernel_dims = 3;
  o.kernel_lambda = 0.3f;
  o.kernel_scale = 0.4f;
  return o;
}

Architecture stack_of(Index inputs, const Options& o) {
  return Architecture::stack(inputs, o.hidden, o.activation, o.output_activation, o.dropout, o.input_dropout,
                             o.kernel_dims);
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

// The sharded pass's loss, objective and gradient (the replicated part's written into shard
// 0's copy, then gathered) against the whole network's at the gathered parameters.
void check_gradient_against_whole(const Options& options) {
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
  const double whole_objective = whole_pass.loss_and_gradient(whole, SparseBatch<float>(ratings));
  CHECK(sharded_loss == doctest::Approx(whole_pass.last_data_term()).epsilon(1e-5));
  CHECK(sharded.last_objective() == doctest::Approx(whole_objective).epsilon(1e-5));
  CHECK(sharded.last_objective() > sharded_loss);  // the weight penalty is in it
  std::vector<Vector<float>> gradients;
  for (int s = 0; s < 4; ++s) gradients.push_back(sharded.shard_gradient(s));
  Vector<float> replicated(sharded.replicated_size());
  sharded.read_replicated_gradient(replicated);
  Index at = 0;
  for (const auto& run : sharded.shard(0).input_runs())
    if (run.replicated()) {
      CHECK(gradients[0].segment(run.offset, run.size).isZero());  // core()'s, not the shard's
      gradients[0].segment(run.offset, run.size) = replicated.segment(at, run.size);
      at += run.size;
    }
  const Vector<float> gathered_gradient =
      ShardedNetwork<float>::gathered(architecture, options, layout, gradients).parameters();
  CHECK((gathered_gradient - whole_pass.gradient()).norm() <= 1e-5f * whole_pass.gradient().norm());
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
  check_gradient_against_whole(small_options(6));
  check_gradient_against_whole(small_options({6, 4, 6}, 0.3));
}

TEST_CASE("a kernelised network split into shards has the whole network's loss and gradient") {
  // The ends' hidden-side embeddings take their gradient from every shard; the stage's
  // kernel is core()'s.
  check_gradient_against_whole(kernelised(small_options(6)));
  check_gradient_against_whole(kernelised(small_options({6, 4, 6})));
}

TEST_CASE("a sharded network predicts what its gathered network predicts") {
  for (const Options& options : {small_options(5), kernelised(small_options(5))}) {
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
  struct Case {
    const char* optimizer;
    double dropout;
    bool kernel;
  };
  for (const Case& c : {Case{"rprop", 0.2, false}, Case{"adam", 0.2, false}, Case{"rprop", 0.0, false},
                        Case{"lbfgs", 0.0, false}, Case{"lbfgs", 0.0, true}, Case{"adam", 0.0, true}}) {
    const char* optimizer = c.optimizer;
    CAPTURE(optimizer);
    CAPTURE(c.dropout);
    CAPTURE(c.kernel);
    const Options options = c.kernel ? kernelised(small_options(6)) : small_options(6, c.dropout);
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
      if (e.epoch == 3) states = first.states();
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

namespace {

// Three shards in one process, and the same network whole, with L-BFGS.
struct LbfgsRuns {
  Options options;
  SparseColumns<float> ratings = testing::random_ratings<float>(21, 14, 0.35, 8);
  ShardLayout layout{21, 3};
  Architecture architecture;
  TrainOptions<float> train_options;
  LocalReducer<float> reducer;

  explicit LbfgsRuns(Options o = small_options(6)) : options(o), architecture(stack_of(21, o)) {
    train_options.optimizer = "lbfgs";
    train_options.epochs = 12;
    train_options.patience = 0;
  }
  ShardedData<float> data() const {
    ShardedData<float> d;
    d.inputs = split_rows(ratings, layout, layout.owned(0, 1));
    d.ratings = double(ratings.nonZeros());
    return d;
  }
  ShardedNetwork<float> network() const { return {architecture, options, layout, layout.owned(0, 1)}; }
  // What a checkpoint holds after `epochs` steps of `model` on `on`.
  struct Checkpoint {
    std::vector<EpochReport> history;
    std::vector<ShardState<float>> states;
  };
  Checkpoint checkpoint_after(int epochs, ShardedNetwork<float>& model, const ShardedData<float>& on) {
    train_options.epochs = epochs;
    ShardedTrainer<float> trainer(model, on, PredictionRules{}, train_options, reducer);
    trainer.run();
    return {trainer.history(), trainer.states()};
  }
};

}  // namespace

TEST_CASE("a sharded L-BFGS run takes the steps of L-BFGS on the whole network") {
 for (const Options& options : {small_options(6), kernelised(small_options({6, 4, 6}))}) {
  LbfgsRuns runs(options);
  const ShardedData<float> data = runs.data();
  ShardedNetwork<float> sharded = runs.network();
  ShardedTrainer<float> trainer(sharded, data, PredictionRules{}, runs.train_options, runs.reducer);
  CHECK(trainer.steps_jointly());
  const TrainReport sharded_report = trainer.run();

  ShardedNetwork<float> start = runs.network();
  Network<float> whole = ShardedNetwork<float>::gathered(runs.architecture, runs.options, runs.layout, parameters_of(start));
  const TrainReport whole_report = train(whole, runs.ratings, {}, Variant::item, PredictionRules{}, runs.train_options);
  REQUIRE(sharded_report.history.size() == whole_report.history.size());
  REQUIRE(sharded_report.history.size() == 12);
  for (std::size_t e = 0; e < whole_report.history.size(); ++e)
    CHECK(sharded_report.history[e].train_rmse == doctest::Approx(whole_report.history[e].train_rmse).epsilon(1e-4));
  // it learned: 12 quasi-Newton steps lower the error well below the start's
  CHECK(sharded_report.history.back().train_rmse < 0.5 * sharded_report.history.front().train_rmse);
  const Vector<float> gathered =
      ShardedNetwork<float>::gathered(runs.architecture, runs.options, runs.layout, parameters_of(sharded)).parameters();
  CHECK((gathered - whole.parameters()).norm() <= 1e-3f * whole.parameters().norm());
 }
}

TEST_CASE("a sharded L-BFGS checkpoint keeps each shard's segment of the curvature pairs") {
  LbfgsRuns runs;
  const ShardedData<float> data = runs.data();
  ShardedNetwork<float> model = runs.network();
  const std::vector<ShardState<float>> states = runs.checkpoint_after(4, model, data).states;
  for (int i = 0; i < 3; ++i) {
    const ShardState<float>& state = states[std::size_t(i)];
    REQUIRE(state.optimizer.size() == 2 * 4 + 1);  // four pairs (s, y), then the counters
    for (std::size_t v = 0; v + 1 < state.optimizer.size(); ++v)
      CHECK(state.optimizer[v].size() == model.shard(i).parameters().size());
    CHECK(state.optimizer.back().size() == 0);  // the counters are the replicated part's
    CHECK(state.replicated_optimizer.back().size() == 2);
    CHECK(state.replicated_optimizer.back()[0] == 4.0f);  // steps taken
  }
  CHECK(states[0].replicated_optimizer.front().size() == model.replicated_size());
}

TEST_CASE("a sharded L-BFGS run refuses a checkpoint whose shards disagree on the optimizer state") {
  LbfgsRuns runs;
  const ShardedData<float> data = runs.data();
  ShardedNetwork<float> model = runs.network();
  LbfgsRuns::Checkpoint checkpoint = runs.checkpoint_after(2, model, data);
  checkpoint.states[1].optimizer.pop_back();
  ShardedNetwork<float> other = runs.network();
  ShardedTrainer<float> resumed(other, data, PredictionRules{}, runs.train_options, runs.reducer);
  CHECK_THROWS_WITH(resumed.restore(checkpoint.history, checkpoint.states), doctest::Contains("optimizer state has"));
}

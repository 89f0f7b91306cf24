// The multinomial output loss, L2-normalised input, and Mult-DAE trained on implicit feedback.

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "autorec/check/gradient_check.hpp"
#include "autorec/data/implicit.hpp"
#include "autorec/sharding/sharded_network.hpp"
#include "autorec/eval/heldout_ranking.hpp"
#include "autorec/model/network.hpp"
#include "autorec/random.hpp"
#include "autorec/train/fit_implicit.hpp"
#include "autorec/train/implicit_trainer.hpp"
#include "autorec/train/training_pass.hpp"

using namespace autorec;

namespace {

// A d x B batch of ones, each column with a few entries (and every column at least one).
SparseBatch<double> binary_batch(Index d, Index b, std::uint64_t seed) {
  Random random(seed);
  std::vector<Eigen::Triplet<double, int>> entries;
  for (Index j = 0; j < b; ++j) {
    entries.emplace_back(int(random.below(std::uint64_t(d))), int(j), 1.0);
    for (Index i = 0; i < d; ++i)
      if (random.uniform() < 0.3) entries.emplace_back(int(i), int(j), 1.0);
  }
  SparseColumns<double> x(d, b);
  x.setFromTriplets(entries.begin(), entries.end(), [](double, double) { return 1.0; });
  x.makeCompressed();
  return SparseBatch<double>(x);
}

Network<double>::Options mult_dae(Index d, HiddenSizes hidden, double input_dropout) {
  Network<double>::Options options;
  options.inputs = d;
  options.hidden = hidden;
  options.activation = "tanh";
  options.loss = "multinomial";
  options.normalize_input = true;
  options.input_dropout = input_dropout;
  options.lambda = 0.3;
  options.weight_scale = 0.3;
  options.bias_scale = 0.1;
  options.seed = 5;
  return options;
}

double gradient_error(Network<double>& model, const SparseBatch<double>& batch) {
  TrainingPass pass(model);
  pass.set_noise_step(7);
  pass.loss_and_gradient(model, batch, 0.5);
  const Vector<double> analytic = pass.gradient();
  const Vector<double> numeric = numerical_gradient<double>(
      [&] {
        pass.set_noise_step(7);
        return pass.loss_and_gradient(model, batch, 0.5);
      },
      model.parameters());
  return relative_error(analytic, numeric);
}

RatingData grouped_events(int users, int groups, int group_items, int per_user, std::uint64_t seed) {
  RatingData data;
  Random random(seed);
  for (int u = 0; u < users; ++u) {
    const int user = data.users.insert("u" + std::to_string(u));
    std::vector<int> items(static_cast<std::size_t>(group_items));
    for (int i = 0; i < group_items; ++i) items[std::size_t(i)] = (u % groups) * group_items + i;
    random.shuffle(items);
    for (int i = 0; i < per_user; ++i)
      data.ratings.push_back({user, data.items.insert("i" + std::to_string(items[std::size_t(i)])), 1.0f});
  }
  return data;
}

}  // namespace

TEST_CASE("the multinomial loss is minus the log softmax of the observed outputs") {
  Network<double> model(mult_dae(6, 4, 0));
  const SparseBatch<double> batch = binary_batch(6, 3, 1);
  model.set_lambda(0);
  TrainingPass pass(model);
  const double loss = pass.loss_and_gradient(model, batch);
  Matrix<double> outputs;
  model.predict(batch.by_column, outputs);
  double expected = 0;
  for (Index j = 0; j < outputs.cols(); ++j) {
    const double log_normaliser = std::log(outputs.col(j).array().exp().sum());
    for (SparseColumns<double>::InnerIterator it(batch.by_column, j); it; ++it)
      expected += log_normaliser - outputs(it.row(), j);
  }
  CHECK(loss == doctest::Approx(expected).epsilon(1e-12));
}

TEST_CASE("a Mult-DAE network's gradient matches finite differences, input dropout held fixed") {
  Network<double> model(mult_dae(7, 5, 0.5));
  CHECK(gradient_error(model, binary_batch(7, 4, 2)) < 1e-6);
}

TEST_CASE("a deep multinomial network's gradient matches finite differences") {
  Network<double> model(mult_dae(6, {5, 3, 5}, 0));
  CHECK(gradient_error(model, binary_batch(6, 3, 3)) < 1e-6);
}

TEST_CASE("a Mult-VAE network's gradient matches finite differences, its noise held fixed") {
  Network<double>::Options options = mult_dae(6, 4, 0.5);
  Network<double> model(Architecture::variational(6, {5}, 2, "tanh", 0.5, 0.3), options);
  CHECK(model.architecture().describe() ==
        "6-5-4-(2)-5-6, tanh, output identity, input L2-normalised, input dropout 0.5, multinomial loss");
  CHECK(gradient_error(model, binary_batch(6, 4, 6)) < 1e-6);
}

TEST_CASE("the Gaussian layer adds beta times the KL divergence to the objective") {
  Gaussian<double> layer(2, 0.5);
  Matrix<double> input(4, 1), output;
  input << 0.3, -0.2, std::log(0.5), std::log(2.0);  // means, then log variances
  layer.forward_training(nullptr, input, output, 11);
  const double kl = (0.5 + 0.09 - 1 - std::log(0.5)) / 2 + (2.0 + 0.04 - 1 - std::log(2.0)) / 2;
  CHECK(layer.penalty() == doctest::Approx(0.5 * kl));
  layer.set_penalty_weight(0);
  layer.forward_training(nullptr, input, output, 11);
  CHECK(layer.penalty() == 0);
}

TEST_CASE("the Gaussian layer predicts its mean and draws around it in training") {
  Gaussian<double> layer(3, 1);
  Matrix<double> input = Matrix<double>::Zero(6, 2000), output;
  input.topRows(3).setConstant(1.5);  // mean 1.5, variance 1
  layer.forward(nullptr, input, output);
  CHECK((output.array() == 1.5).all());
  layer.forward_training(nullptr, input, output, 3);
  CHECK(output.mean() == doctest::Approx(1.5).epsilon(0.05));
  CHECK((output.array() - output.mean()).square().mean() == doctest::Approx(1).epsilon(0.05));
}

TEST_CASE("the multinomial loss stays finite for logits far beyond exp's range") {
  Network<double> model(mult_dae(5, 3, 0));
  const Index bias = model.layer_offsets().back() + 5 * 3;  // the output bias b
  model.parameters().segment(bias, 5).setConstant(1000.0);
  model.parameters()[bias] = 1002.0;
  TrainingPass pass(model);
  CHECK(std::isfinite(pass.loss_and_gradient(model, binary_batch(5, 2, 4))));
  CHECK(pass.gradient().allFinite());
}

TEST_CASE("a normalised input predicts the same for a column and its multiple") {
  const Network<double> model(mult_dae(6, 4, 0));
  SparseColumns<double> x(6, 2);
  std::vector<Eigen::Triplet<double, int>> entries{{0, 0, 1.0}, {3, 0, 1.0}, {0, 1, 5.0}, {3, 1, 5.0}};
  x.setFromTriplets(entries.begin(), entries.end());
  Matrix<double> outputs;
  model.predict(x, outputs);
  CHECK((outputs.col(0) - outputs.col(1)).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("a multinomial network refuses an output activation other than identity") {
  Network<double>::Options options = mult_dae(5, 3, 0);
  options.output_activation = "sigmoid";
  CHECK_THROWS_WITH(Network<double>{options}, doctest::Contains("output activation must be identity"));
}

TEST_CASE("an unknown output loss is refused with the known ones") {
  Network<double>::Options options = mult_dae(5, 3, 0);
  options.loss = "hinge";
  CHECK_THROWS_WITH(Network<double>{options}, doctest::Contains("known: multinomial, squared-error"));
}

TEST_CASE("the sharded network refuses a multinomial network") {
  const Architecture architecture = Network<double>(mult_dae(5, 3, 0)).architecture();
  CHECK_THROWS_WITH(ShardedNetwork<double>(architecture, Network<double>::Options{}, ShardLayout(5, 2), {0, 2}),
                    doctest::Contains("trains on one machine only"));
}

TEST_CASE("Mult-DAE trained on grouped tastes ranks held-out targets far above popularity") {
  const RatingData data = grouped_events(400, 8, 25, 10, 3);
  ImplicitSplitOptions split_options;
  split_options.heldout_users = 40;
  const ImplicitData split = split_strong_generalisation(data, split_options);
  Network<float>::Options options;
  options.inputs = split.catalogue();
  options.hidden = 20;
  options.activation = "tanh";
  options.loss = "multinomial";
  options.normalize_input = true;
  options.input_dropout = 0.5;
  options.lambda = 1;
  options.weight_scale = 0.1f;
  Network<float> model(options);
  TrainOptions<float> train_options;
  train_options.optimizer = "adam";
  train_options.adam.learning_rate = 0.01f;
  train_options.batch_size = 50;
  train_options.epochs = 30;
  int epochs_seen = 0;
  const ImplicitTrainReport report =
      train_implicit(model, split, train_options, [&](const ImplicitEpochReport&) { ++epochs_seen; });
  CHECK(epochs_seen == int(report.history.size()));
  CHECK(report.history.front().train_loss > report.history.back().train_loss);
  const HeldoutMetrics dae = heldout_metrics(split.test, split.catalogue(), network_scorer(model));
  const HeldoutMetrics popularity = heldout_metrics(split.test, split.catalogue(), popularity_scorer(split));
  MESSAGE("Mult-DAE NDCG@100 ", dae.ndcg, ", popularity ", popularity.ndcg);
  CHECK(dae.ndcg > 0.4);
  CHECK(dae.ndcg > 2 * popularity.ndcg);
}

TEST_CASE("Mult-VAE with beta annealed learns grouped tastes too") {
  const RatingData data = grouped_events(400, 8, 25, 10, 3);
  ImplicitSplitOptions split_options;
  split_options.heldout_users = 40;
  const ImplicitData split = split_strong_generalisation(data, split_options);
  Network<float>::Options options;
  options.lambda = 1;
  options.weight_scale = 0.1f;
  Network<float> model(Architecture::variational(split.catalogue(), {20}, 8), options);
  TrainOptions<float> train_options;
  train_options.optimizer = "adam";
  train_options.adam.learning_rate = 0.01f;
  train_options.batch_size = 50;
  train_options.epochs = 30;
  std::vector<double> betas;
  train_implicit(model, split, train_options, [&](const ImplicitEpochReport& e) { betas.push_back(e.beta); },
                 KlAnnealing{0.2, 100});
  CHECK(betas.front() < betas.back());
  CHECK(betas.back() == doctest::Approx(0.2));
  const HeldoutMetrics vae = heldout_metrics(split.test, split.catalogue(), network_scorer(model));
  MESSAGE("Mult-VAE NDCG@100 ", vae.ndcg);
  CHECK(vae.ndcg > 0.4);
}

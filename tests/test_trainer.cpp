// The training loop: early stopping, callbacks, minibatches, determinism.
#include <doctest/doctest.h>

#include "autorec/data/split.hpp"
#include "autorec/train/trainer.hpp"
#include "autorec/train/training_pass.hpp"
#include "synthetic.hpp"

using namespace autorec;

namespace {
// Ratings of a rank-2 matrix, 60 users x 40 items, about 40% observed.
std::vector<Rating> low_rank_ratings(std::uint64_t seed) {
  Random random(seed);
  std::vector<double> user(120), item(80);
  for (double& x : user) x = random.normal();
  for (double& x : item) x = random.normal();
  std::vector<Rating> ratings;
  for (int u = 0; u < 60; ++u)
    for (int i = 0; i < 40; ++i)
      if (random.uniform() < 0.4)
        ratings.push_back({u, i, float(std::clamp(3 + user[2 * u] * item[2 * i] + user[2 * u + 1] * item[2 * i + 1], 1.0, 5.0))});
  return ratings;
}

struct Problem {
  RatingSplit split = split_ratings(low_rank_ratings(1), 0.15, 2);
  SparseColumns<double> input = rating_matrix<double>(split.train, 60, 40, Variant::item);
  PredictionRules rules = rules_from(split.train, 3);
};

AutoRec<double> model_for(Index inputs, double lambda, Index hidden = 30) {
  AutoRec<double>::Options options;
  options.inputs = inputs;
  options.hidden = hidden;
  options.lambda = lambda;
  options.weight_scale = 0.1;
  return AutoRec<double>(options);
}
}  // namespace

TEST_CASE("Early stopping restores the parameters of the best validation epoch") {
  const Problem p;
  AutoRec<double> model = model_for(60, 0.0);  // unregularised: it overfits
  TrainOptions<double> options;
  options.adam.learning_rate = 0.02;
  options.batch_size = 8;
  options.epochs = 200;
  options.patience = 5;
  const TrainReport report = train(model, p.input, p.split.test, Variant::item, p.rules, options);
  REQUIRE(report.stopped_early);
  CHECK(report.best_epoch == int(report.history.size()) - 5);
  CHECK(report.history[std::size_t(report.best_epoch - 1)].best);
  CHECK(report.history.back().validation_rmse > report.best_validation_rmse);
  const double restored = evaluate(model, p.input, p.split.test, Variant::item, p.rules).rmse;
  CHECK(restored == doctest::Approx(report.best_validation_rmse).epsilon(1e-12));
}

TEST_CASE("Without patience training runs every epoch and calls back after each") {
  const Problem p;
  AutoRec<double> model = model_for(60, 1.0);
  TrainOptions<double> options;
  options.epochs = 7;
  options.patience = 0;
  options.batch_size = 16;
  int calls = 0;
  double last_progress = 0;
  TrainCallbacks callbacks;
  callbacks.on_epoch = [&](const EpochReport& e) { CHECK(e.epoch == ++calls); };
  callbacks.on_progress = [&](double done) { last_progress = done; };
  const TrainReport report = train(model, p.input, p.split.test, Variant::item, p.rules, options, callbacks);
  CHECK(calls == 7);
  CHECK(report.history.size() == 7);
  CHECK(last_progress == 1.0);
}

TEST_CASE("A callback that asks to stop ends training after that epoch") {
  const Problem p;
  AutoRec<double> model = model_for(60, 1.0);
  TrainOptions<double> options;
  options.epochs = 50;
  options.patience = 0;
  options.batch_size = 16;
  TrainCallbacks callbacks;
  callbacks.should_stop = [](const EpochReport& e) { return e.epoch == 3; };
  const TrainReport report = train(model, p.input, p.split.test, Variant::item, p.rules, options, callbacks);
  CHECK(report.history.size() == 3);
  CHECK(report.stopped_by_callback);
  CHECK_FALSE(report.stopped_early);
}

TEST_CASE("Full-batch RProp training lowers the training RMSE every few epochs") {
  const Problem p;
  AutoRec<double> model = model_for(60, 1.0);
  TrainOptions<double> options;
  options.optimizer = "rprop";
  options.epochs = 60;
  options.patience = 0;
  const TrainReport report = train(model, p.input, {}, Variant::item, p.rules, options);
  CHECK(report.history.back().train_rmse < 0.5 * report.history.front().train_rmse);
  CHECK(report.best_epoch == 60);  // no validation: the last epoch is kept
}

TEST_CASE("Training with the same seed is deterministic") {
  const Problem p;
  TrainOptions<double> options;
  options.epochs = 5;
  options.batch_size = 8;
  AutoRec<double> a = model_for(60, 1.0), b = model_for(60, 1.0);
  train(a, p.input, p.split.test, Variant::item, p.rules, options);
  train(b, p.input, p.split.test, Variant::item, p.rules, options);
  CHECK(a.parameters() == b.parameters());
  options.seed = 2;  // another batch order
  AutoRec<double> c = model_for(60, 1.0);
  train(c, p.input, p.split.test, Variant::item, p.rules, options);
  CHECK(a.parameters() != c.parameters());
}

TEST_CASE("gather_columns copies the chosen columns in order") {
  const SparseColumns<double> m = autorec::testing::random_ratings<double>(9, 6, 0.4, 3);
  const SparseColumns<double> g = gather_columns(m, {4, 1, 4});
  REQUIRE(g.cols() == 3);
  CHECK(Matrix<double>(g.col(0)) == Matrix<double>(m.col(4)));
  CHECK(Matrix<double>(g.col(1)) == Matrix<double>(m.col(1)));
  CHECK(Matrix<double>(g.col(2)) == Matrix<double>(m.col(4)));
}

TEST_CASE("The paper's training options are full-batch RProp, with U-AutoRec's cap shrinking from 3e-4 to 1e-4") {
  const TrainOptions<float> item = paper_train_options<float>(Variant::item);
  const TrainOptions<float> user = paper_train_options<float>(Variant::user);
  CHECK(item.optimizer == "rprop");
  CHECK(user.optimizer == "rprop");
  CHECK(item.rprop.max_step == RProp<float>::Options{}.max_step);
  CHECK(user.rprop.max_step == doctest::Approx(1e-4f));
  CHECK(user.rprop.initial_step <= user.rprop.max_step);
  CHECK(item.rprop.max_step_at(0) == item.rprop.max_step);  // I-AutoRec: one cap throughout
  CHECK(user.rprop.max_step_at(0) == doctest::Approx(3e-4f));  // U-AutoRec: larger steps early
  CHECK(user.rprop.max_step_at(600) == user.rprop.max_step);
  CHECK(user.epochs > item.epochs);
}

TEST_CASE("Full-batch training reports each epoch's validation RMSE after its step, as a separate encode would") {
  // The trainer reads validation from the next pass's codes; a hand-written loop that steps
  // and then predicts must report the same numbers and end with the same parameters.
  const Problem p;
  for (const std::string optimizer : {"rprop", "adam"}) {
    CAPTURE(optimizer);
    TrainOptions<double> options;
    options.optimizer = optimizer;
    options.batch_size = 1000;  // Adam on the full batch too
    options.epochs = 12;
    options.patience = 0;
    AutoRec<double> trained = model_for(60, 1.0);
    AutoRec<double> by_hand = trained;
    REQUIRE(trained.trains_deterministically());
    const TrainReport report = train(trained, p.input, p.split.test, Variant::item, p.rules, options);

    RProp<double> rprop(by_hand.parameters().size(), options.rprop);
    Adam<double> adam(by_hand.parameter_groups(), by_hand.parameters().size(), options.adam);
    const SparseBatch<double> batch(p.input);
    Vector<double> best;
    double best_rmse = 1e300;
    TrainingPass by_hand_pass(by_hand);
    for (int epoch = 1; epoch <= options.epochs; ++epoch) {
      const double loss = by_hand_pass.loss_and_gradient(by_hand, batch);
      (void)loss;
      if (optimizer == "rprop")
        rprop.step(by_hand.parameters(), by_hand_pass.gradient());
      else
        adam.step(by_hand.parameters(), by_hand_pass.gradient());
      const double rmse = evaluate(by_hand, p.input, p.split.test, Variant::item, p.rules).rmse;
      CHECK(report.history[std::size_t(epoch - 1)].validation_rmse == rmse);
      CHECK(report.history[std::size_t(epoch - 1)].train_rmse ==
            std::sqrt(double(by_hand_pass.last_data_term()) / double(p.input.nonZeros())));
      if (rmse < best_rmse) {
        best_rmse = rmse;
        best = by_hand.parameters();
      }
    }
    CHECK(trained.parameters() == best);
  }
}

TEST_CASE("A network trains deterministically unless a layer draws noise") {
  AutoRec<double>::Options options;
  options.inputs = 20;
  options.hidden = 8;
  CHECK(AutoRec<double>(options).trains_deterministically());
  options.dropout = 0.2;
  CHECK_FALSE(AutoRec<double>(options).trains_deterministically());
  options.dropout = 0;
  options.input_dropout = 0.1;
  CHECK_FALSE(AutoRec<double>(options).trains_deterministically());
}

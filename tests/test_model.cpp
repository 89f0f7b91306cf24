// The AutoRec model: its objective's gradient, sparse path against dense path, training on a
// low-rank matrix, determinism.
#include <doctest/doctest.h>

#include <cmath>

#include "autorec/check/gradient_check.hpp"
#include "autorec/model/autorec.hpp"
#include "autorec/optim/adam.hpp"
#include "autorec/train/training_pass.hpp"
#include "synthetic.hpp"

using namespace autorec;
using autorec::testing::observed_mask;
using autorec::testing::random_ratings;

namespace {
template <typename Scalar>
AutoRec<Scalar> small_model(Index inputs, Index hidden, Scalar lambda, std::uint64_t seed = 1) {
  typename AutoRec<Scalar>::Options options;
  options.inputs = inputs;
  options.hidden = hidden;
  options.lambda = lambda;
  options.seed = seed;
  options.weight_scale = Scalar(0.3);  // larger than the default so the check sees curvature
  options.bias_scale = Scalar(0.1);
  return AutoRec<Scalar>(options);
}
}  // namespace

TEST_CASE("The AutoRec objective's gradient, L2 included, matches finite differences") {
  auto model = small_model<double>(7, 3, 0.8);
  const SparseBatch<double> batch(random_ratings<double>(7, 5, 0.4, 2));
  const double share = 0.5;
  TrainingPass pass(model);
  pass.loss_and_gradient(model, batch, share);
  const Vector<double> analytic = pass.gradient();
  const Vector<double> numeric = numerical_gradient<double>(
      [&] { return pass.loss_and_gradient(model, batch, share); }, model.parameters());
  CHECK(relative_error(analytic, numeric) < 1e-6);
}

TEST_CASE("The observed-entries path equals the dense masked path in loss and every gradient") {
  auto model = small_model<double>(30, 6, 2.0);
  const SparseColumns<double> ratings = random_ratings<double>(30, 12, 0.15, 3);
  const SparseBatch<double> batch(ratings);
  TrainingPass pass(model);
  const double sparse_loss = pass.loss_and_gradient(model, batch, 0.25);
  const Vector<double> sparse_gradient = pass.gradient();
  const double dense_loss = pass.loss_and_gradient(model, Matrix<double>(ratings), observed_mask(ratings), 0.25);
  CHECK(sparse_loss == doctest::Approx(dense_loss).epsilon(1e-12));
  CHECK(relative_error(sparse_gradient, pass.gradient()) < 1e-12);
  for (const auto& group : model.parameter_groups())  // each of V, mu, W, b on its own
    CHECK(relative_error(sparse_gradient.segment(group.offset, group.size),
                         pass.gradient().segment(group.offset, group.size)) < 1e-12);
}

TEST_CASE("Biases are not regularised: lambda changes only the weight gradients") {
  auto model = small_model<double>(10, 4, 0.0);
  const SparseBatch<double> batch(random_ratings<double>(10, 6, 0.3, 4));
  TrainingPass pass(model);
  const double plain = pass.loss_and_gradient(model, batch);
  const Vector<double> plain_gradient = pass.gradient();
  model.set_lambda(3.0);
  const double regularised = pass.loss_and_gradient(model, batch);
  const auto groups = model.parameter_groups();
  const Vector<double>& p = model.parameters();
  const double norms = p.segment(groups[0].offset, groups[0].size).squaredNorm() +
                       p.segment(groups[2].offset, groups[2].size).squaredNorm();
  CHECK(regularised == doctest::Approx(plain + 1.5 * norms).epsilon(1e-12));
  for (const auto& group : groups) {
    const auto delta = (pass.gradient() - plain_gradient).segment(group.offset, group.size);
    if (group.decays)
      CHECK(relative_error(delta, 3.0 * p.segment(group.offset, group.size)) < 1e-12);
    else
      CHECK(delta.norm() == 0.0);
  }
}

TEST_CASE("Float models compute the same objective as double ones to float precision") {
  auto model_d = small_model<double>(40, 8, 1.0);
  auto model_f = small_model<float>(40, 8, 1.0f);
  const SparseColumns<double> ratings = random_ratings<double>(40, 20, 0.2, 5);
  TrainingPass model_d_pass(model_d);
  const double loss_d = model_d_pass.loss_and_gradient(model_d, SparseBatch<double>(ratings));
  TrainingPass model_f_pass(model_f);
  const float loss_f = model_f_pass.loss_and_gradient(model_f, SparseBatch<float>(SparseColumns<float>(ratings.cast<float>())));
  CHECK(loss_f == doctest::Approx(loss_d).epsilon(1e-5));
  CHECK(relative_error(model_f_pass.gradient(), model_d_pass.gradient()) < 1e-5);
}

TEST_CASE("A copied model owns its parameters") {
  auto model = small_model<double>(10, 4, 1.0);
  const SparseBatch<double> batch(random_ratings<double>(10, 6, 0.3, 6));
  TrainingPass pass(model);
  const double before = pass.loss_and_gradient(model, batch);
  AutoRec<double> copy = model;
  copy.parameters().setZero();
  CHECK(pass.loss_and_gradient(model, batch) == before);
  TrainingPass copy_pass(copy);
  CHECK(copy_pass.loss_and_gradient(copy, batch) != before);
  AutoRec<double> moved = std::move(copy);
  TrainingPass moved_pass(moved);
  CHECK(moved_pass.loss_and_gradient(moved, batch) != before);
}

namespace {
// A rank-2 rating matrix (users x items, values around 3), observed at random; 10% of the
// observed entries are held out. I-AutoRec: one column per item, one row per user.
struct LowRankProblem {
  SparseColumns<double> train, test;
  double train_mean = 0;
  LowRankProblem(Index users, Index items, double density, std::uint64_t seed) {
    Random random(seed);
    Matrix<double> user_factors(users, 2), item_factors(items, 2);
    for (Index i = 0; i < user_factors.size(); ++i) user_factors.data()[i] = random.normal();
    for (Index i = 0; i < item_factors.size(); ++i) item_factors.data()[i] = random.normal();
    std::vector<Eigen::Triplet<double, int>> train_entries, test_entries;
    for (Index i = 0; i < items; ++i)
      for (Index u = 0; u < users; ++u) {
        if (random.uniform() >= density) continue;
        const double rating = std::clamp(3.0 + 0.8 * user_factors.row(u).dot(item_factors.row(i)), 1.0, 5.0);
        (random.uniform() < 0.1 ? test_entries : train_entries).emplace_back(int(u), int(i), rating);
      }
    train.resize(users, items);
    test.resize(users, items);
    train.setFromTriplets(train_entries.begin(), train_entries.end());
    test.setFromTriplets(test_entries.begin(), test_entries.end());
    train_mean = train.sum() / double(train.nonZeros());
  }
};

// RMSE of predictions given in the storage order of `truth`.
double rmse(const Vector<double>& predicted, const SparseColumns<double>& truth) {
  return std::sqrt((predicted - Eigen::Map<const Vector<double>>(truth.valuePtr(), truth.nonZeros())).squaredNorm() /
                   double(truth.nonZeros()));
}

AutoRec<double> train_low_rank(const LowRankProblem& problem, int steps, std::uint64_t seed,
                               double* first_loss = nullptr, double* last_loss = nullptr) {
  typename AutoRec<double>::Options options;
  options.inputs = problem.train.rows();
  options.hidden = 10;
  options.lambda = 5;
  options.seed = seed;
  options.weight_scale = 0.1;
  AutoRec<double> model(options);
  Adam<double>::Options adam_options;
  adam_options.learning_rate = 0.01;
  Adam<double> adam(model.parameter_groups(), model.parameters().size(), adam_options);
  const SparseBatch<double> batch(problem.train);
  TrainingPass pass(model);
  for (int step = 0; step < steps; ++step) {
    const double loss = pass.loss_and_gradient(model, batch);
    if (step == 0 && first_loss) *first_loss = loss;
    if (last_loss) *last_loss = loss;
    adam.step(model.parameters(), pass.gradient());
  }
  return model;
}
}  // namespace

TEST_CASE("Training on a low-rank matrix lowers the loss and beats the global mean on held-out entries") {
  const LowRankProblem problem(120, 80, 0.3, 11);
  double first = 0, last = 0;
  const AutoRec<double> model = train_low_rank(problem, 700, 3, &first, &last);
  CHECK(last < 0.2 * first);

  Vector<double> predicted;
  model.predict_at(problem.train, problem.test, predicted);
  const Vector<double> baseline = Vector<double>::Constant(problem.test.nonZeros(), problem.train_mean);
  const double model_rmse = rmse(predicted, problem.test), mean_rmse = rmse(baseline, problem.test);
  MESSAGE("held-out RMSE " << model_rmse << ", global mean " << mean_rmse);
  CHECK(model_rmse < 0.5 * mean_rmse);
}

TEST_CASE("The same seed gives the same model, a different seed a different one") {
  const LowRankProblem problem(40, 30, 0.3, 12);
  const AutoRec<double> a = train_low_rank(problem, 20, 5);
  const AutoRec<double> b = train_low_rank(problem, 20, 5);
  const AutoRec<double> c = train_low_rank(problem, 20, 6);
  CHECK(a.parameters() == b.parameters());
  CHECK(a.parameters() != c.parameters());
}

// L-BFGS against known minimisers, its line search against the strong Wolfe conditions, its
// state against an uninterrupted run, and the optimizer interface as trainers use it.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/QR>

#include "autorec/data/split.hpp"
#include "autorec/optim/optimizers.hpp"
#include "autorec/train/trainer.hpp"
#include "autorec/train/training_pass.hpp"
#include "synthetic.hpp"

using namespace autorec;

namespace {
// f(x) = 1/2 x^T A x - b^T x with A symmetric positive definite (condition number about 100):
// the minimiser solves A x = b.
struct Quadratic {
  Matrix<double> A;
  Vector<double> b;
  explicit Quadratic(Index n) {
    Random random(3);
    Matrix<double> Q(n, n);
    for (Index i = 0; i < Q.size(); ++i) Q.data()[i] = random.normal();
    const Eigen::HouseholderQR<Matrix<double>> qr(Q);
    const Matrix<double> orthogonal = qr.householderQ();
    Vector<double> eigenvalues(n);
    for (Index i = 0; i < n; ++i) eigenvalues[i] = std::pow(100.0, double(i) / double(n - 1));
    A = orthogonal * eigenvalues.asDiagonal() * orthogonal.transpose();
    b = Vector<double>::Zero(n);
    for (Index i = 0; i < n; ++i) b[i] = random.normal();
  }
  double operator()(const Vector<double>& x, Vector<double>& g) const {
    g = A * x - b;
    return 0.5 * x.dot(A * x) - b.dot(x);
  }
};

// Rosenbrock's function, minimum 0 at (1, 1).
double rosenbrock(const Vector<double>& x, Vector<double>& g) {
  const double a = 1 - x[0], c = x[1] - x[0] * x[0];
  g.resize(2);
  g[0] = -2 * a - 400 * x[0] * c;
  g[1] = 200 * c;
  return a * a + 100 * c * c;
}

// Runs `steps` L-BFGS steps on f from x (in place), calling `after` after each.
using Function = std::function<double(const Vector<double>&, Vector<double>&)>;
void minimise(LBFGS<double>& lbfgs, const Function& f, Vector<double>& x, int steps,
              const std::function<void(const LBFGS<double>&)>& after = {}) {
  Vector<double> g;
  double loss = f(x, g);
  for (int i = 0; i < steps && !lbfgs.converged(); ++i) {
    lbfgs.step(x, g, loss, [&] { return loss = f(x, g); });
    if (after) after(lbfgs);
  }
}

void check_wolfe(const LBFGS<double>& lbfgs) {
  const auto& search = lbfgs.last_line_search();
  if (lbfgs.converged()) return;
  const auto& o = lbfgs.options();
  CHECK(search.step > 0);
  CHECK(search.slope0 < 0);
  CHECK(search.loss <= search.loss0 + o.armijo * search.step * search.slope0);  // sufficient decrease
  CHECK(std::abs(search.slope) <= o.curvature * std::abs(search.slope0));       // curvature
}

struct Problem {
  RatingSplit split = split_ratings(testing::rating_list(testing::random_ratings<double>(30, 50, 0.4, 7)), 0.15, 2);
  SparseColumns<double> input = rating_matrix<double>(split.train, 50, 30, Variant::item);
  PredictionRules rules = rules_from(split.train, 3);
};

AutoRec<double> small_network() {
  AutoRec<double>::Options options;
  options.inputs = 50;
  options.hidden = {12, 8};
  options.lambda = 1;
  options.weight_scale = 0.1;
  return AutoRec<double>(options);
}
}  // namespace

TEST_CASE("L-BFGS with an exact line search finds a quadratic's minimiser in at most n steps") {
  const Index n = 8;
  const Quadratic q(n);
  LBFGS<double>::Options options;
  options.history = int(n);
  options.armijo = 1e-12;
  options.curvature = 1e-10;  // |phi'(t)| <= 1e-10 |phi'(0)|: the exact minimiser along d
  LBFGS<double> lbfgs(n, options);
  Vector<double> x = Vector<double>::Zero(n);
  minimise(lbfgs, q, x, int(n));
  const Vector<double> solution = q.A.ldlt().solve(q.b);
  CHECK(lbfgs.steps() <= n);
  CHECK((x - solution).norm() <= 1e-7 * solution.norm());
}

TEST_CASE("L-BFGS finds the minimum of Rosenbrock's function from (-1.2, 1)") {
  LBFGS<double> lbfgs(2, {});
  Vector<double> x(2);
  x << -1.2, 1;
  minimise(lbfgs, rosenbrock, x, 200);
  CHECK(x[0] == doctest::Approx(1).epsilon(1e-6));
  CHECK(x[1] == doctest::Approx(1).epsilon(1e-6));
  CHECK(lbfgs.steps() < 100);
}

TEST_CASE("Every step L-BFGS accepts satisfies the strong Wolfe conditions") {
  LBFGS<double>::Options options;
  options.history = 3;
  LBFGS<double> lbfgs(2, options);
  Vector<double> x(2);
  x << -1.2, 1;
  int checked = 0;
  minimise(lbfgs, rosenbrock, x, 40, [&](const LBFGS<double>& o) {
    check_wolfe(o);
    ++checked;
  });
  const Quadratic q(30);
  LBFGS<double> on_quadratic(30, options);
  Vector<double> y = Vector<double>::Zero(30);
  minimise(on_quadratic, q, y, 40, [&](const LBFGS<double>& o) {
    check_wolfe(o);
    ++checked;
  });
  CHECK(checked > 40);
}

TEST_CASE("L-BFGS resumed from its state ends where an uninterrupted run ends") {
  LBFGS<double>::Options options;
  options.history = 4;
  Vector<double> start(2);
  start << -1.2, 1;
  LBFGS<double> uninterrupted(2, options);
  Vector<double> x = start;
  minimise(uninterrupted, rosenbrock, x, 20);

  LBFGS<double> first(2, options);
  Vector<double> y = start;
  minimise(first, rosenbrock, y, 12);
  LBFGS<double> resumed(2, options);
  resumed.set_state(first.state());
  minimise(resumed, rosenbrock, y, 8);
  CHECK(resumed.steps() == uninterrupted.steps());
  CHECK(y[0] == x[0]);
  CHECK(y[1] == x[1]);
}

TEST_CASE("L-BFGS stops as converged at a point where the gradient is zero") {
  LBFGS<double> lbfgs(2, {});
  Vector<double> x(2);
  x << 1, 1;
  minimise(lbfgs, rosenbrock, x, 5);
  CHECK(lbfgs.converged());
  CHECK(x[0] == 1);
  CHECK(x[1] == 1);
}

TEST_CASE("L-BFGS refuses a state of another shape") {
  LBFGS<double>::Options options;
  options.history = 2;
  LBFGS<double> lbfgs(3, options);
  CHECK_THROWS_AS(lbfgs.set_state({}), std::invalid_argument);
  CHECK_THROWS_AS(lbfgs.set_state({Vector<double>::Zero(3), Vector<double>::Zero(3), Vector<double>::Zero(3),
                                   Vector<double>::Zero(3), Vector<double>::Zero(3), Vector<double>::Zero(2)}),
                  std::invalid_argument);
}

TEST_CASE("make_optimizer builds each optimizer by name and names the known ones for an unknown name") {
  OptimizerOptions<float> options;
  const std::vector<ParameterGroup> groups{{0, 4, true}};
  for (const std::string name : {"adam", "rprop", "lbfgs"}) {
    options.optimizer = name;
    CHECK(make_optimizer(options, groups, 4) != nullptr);
  }
  options.optimizer = "sgd";
  CHECK_THROWS_WITH(make_optimizer(options, groups, 4), "unknown optimizer 'sgd' (known: adam, lbfgs, rprop)");
  options.optimizer = "lbfgs";
  CHECK(make_optimizer(options, groups, 4)->full_batch());
  CHECK_FALSE(make_optimizer(options, groups, 4)->separable());
}

TEST_CASE("A deep network trained with L-BFGS lowers its objective at every iteration") {
  const Problem p;
  AutoRec<double> model = small_network();
  TrainOptions<double> options;
  options.optimizer = "lbfgs";
  options.epochs = 25;
  options.patience = 0;
  std::vector<double> objectives;
  TrainCallbacks callbacks;
  AutoRec<double> probe = model;
  const SparseBatch<double> batch(p.input);
  const TrainReport report = train(model, p.input, {}, Variant::item, p.rules, options, callbacks);
  CHECK(report.history.size() == 25);
  // The same iterations by hand through the interface: the objective falls at each.
  auto lbfgs = make_optimizer(options, probe.parameter_groups(), probe.parameters().size());
  TrainingPass probe_pass(probe);
  double loss = probe_pass.loss_and_gradient(probe, batch);
  const double first = loss;
  for (int i = 0; i < 25; ++i) {
    const double before = loss;
    lbfgs->step(probe.parameters(), probe_pass.gradient(), loss, [&] { return loss = probe_pass.loss_and_gradient(probe, batch); });
    CHECK(loss < before);
  }
  CHECK(loss < 0.5 * first);
  CHECK(probe.parameters() == model.parameters());  // the trainer took the same steps
}

TEST_CASE("Training with L-BFGS gives the same parameters with one and two threads") {
  const Problem p;
  TrainOptions<double> options;
  options.optimizer = "lbfgs";
  options.epochs = 10;
  std::vector<Vector<double>> results;
  const int saved = thread_count();
  for (int threads : {1, 2}) {
    set_thread_count(threads);
    AutoRec<double> model = small_network();
    train(model, p.input, p.split.test, Variant::item, p.rules, options);
    results.push_back(model.parameters());
  }
  set_thread_count(saved);
  CHECK(results[0] == results[1]);
}

namespace {
// docs/extending.md's example: a host's optimizer, registered by name.
struct SignDescent final : Optimizer<double> {
  void step(Eigen::Ref<Vector<double>> theta, const Eigen::Ref<const Vector<double>>& g, double,
            const Evaluate&) override {
    theta -= 1e-3 * g.array().sign().matrix();
  }
  std::vector<Vector<double>> state() const override { return {}; }
  void set_state(std::vector<Vector<double>>) override {}
};
}  // namespace

TEST_CASE("A host's optimizer registered by name trains a network through the trainer") {
  register_optimizer<double>("sign", [](const OptimizerOptions<double>&, const std::vector<ParameterGroup>&, Index) {
    return std::unique_ptr<Optimizer<double>>(std::make_unique<SignDescent>());
  });
  const Problem p;
  AutoRec<double> model = small_network();
  const Vector<double> start = model.parameters();
  TrainOptions<double> options;
  options.optimizer = "sign";
  options.epochs = 2;
  options.batch_size = 1000;  // one step per epoch
  train(model, p.input, {}, Variant::item, p.rules, options);
  // every parameter with a nonzero gradient moved by exactly 2e-3 or less (a sign flip)
  CHECK((model.parameters() - start).cwiseAbs().maxCoeff() == doctest::Approx(2e-3));
  optimizer_factories<double>().erase("sign");
}

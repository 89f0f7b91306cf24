// Results do not depend on the number of threads: every parallel loop gives each thread whole
// output columns or rows and sums in a fixed order, so 1 and 2 threads agree exactly.
#include <doctest/doctest.h>

#include "autorec/model/autorec.hpp"
#include "autorec/optim/adam.hpp"
#include "autorec/optim/rprop.hpp"
#include "autorec/parallel.hpp"
#include "autorec/train/training_pass.hpp"
#include "synthetic.hpp"

using namespace autorec;

namespace {
struct ThreadCount {
  int saved = thread_count();
  explicit ThreadCount(int n) { set_thread_count(n); }
  ~ThreadCount() { set_thread_count(saved); }
};

template <typename Scalar>
std::pair<Scalar, Vector<Scalar>> pass_with_threads(int threads) {
  ThreadCount scope(threads);
  typename AutoRec<Scalar>::Options options;
  options.inputs = 300;
  options.hidden = 64;
  options.lambda = 2;
  AutoRec<Scalar> model(options);
  const SparseBatch<Scalar> batch(autorec::testing::random_ratings<Scalar>(300, 500, 0.05, 4));
  Adam<Scalar> adam(model.parameter_groups(), model.parameters().size(), {});
  RProp<Scalar> rprop(model.parameters().size(), {});
  TrainingPass pass(model);
  for (int step = 0; step < 3; ++step) {
    pass.loss_and_gradient(model, batch);
    adam.step(model.parameters(), pass.gradient());
    rprop.step(model.parameters(), pass.gradient());
  }
  const Scalar loss = pass.loss_and_gradient(model, batch);
  Vector<Scalar> state(model.parameters().size() + pass.gradient().size());
  state << model.parameters(), pass.gradient();
  return {loss, state};
}

// Without OpenMP both runs would be single-threaded and compare a run with itself.
bool skip_without_openmp() {
#ifdef _OPENMP
  return false;
#else
  MESSAGE("skipped: built without OpenMP, so there is no second thread to compare");
  return true;
#endif
}
}  // namespace

TEST_CASE("One and two threads give identical losses, gradients and updates in float") {
  if (skip_without_openmp()) return;
  const auto one = pass_with_threads<float>(1), two = pass_with_threads<float>(2);
  CHECK(one.first == two.first);
  CHECK(one.second == two.second);
}

TEST_CASE("One and two threads give identical losses, gradients and updates in double") {
  if (skip_without_openmp()) return;
  const auto one = pass_with_threads<double>(1), two = pass_with_threads<double>(2);
  CHECK(one.first == two.first);
  CHECK(one.second == two.second);
}

// Adam and RProp against values worked out by hand.
#include <doctest/doctest.h>

#include <cmath>

#include "autorec/optim/adam.hpp"
#include "autorec/optim/rprop.hpp"

using namespace autorec;

namespace {
// One weight (decays) followed by one bias (does not).
const std::vector<ParameterGroup> kWeightThenBias = {{0, 1, true}, {1, 1, false}};

Vector<double> vec(std::initializer_list<double> values) {
  Vector<double> v(values.size());
  Index i = 0;
  for (double x : values) v[i++] = x;
  return v;
}
}  // namespace

TEST_CASE("Adam's first two steps equal the bias-corrected update worked by hand") {
  Adam<double>::Options options;
  options.learning_rate = 0.1;
  options.weight_decay = 0.5;
  Adam<double> adam(kWeightThenBias, 2, options);
  Vector<double> theta = vec({1.0, 0.5});
  const Vector<double> g = vec({0.2, -0.4});

  adam.step(theta, g);
  // Step 1: m_hat = g', v_hat = g'^2, so each parameter moves by lr * g'/(|g'| + eps).
  // weight: g' = 0.2 + 0.5 * 1.0 = 0.7;  bias: g' = -0.4 (no decay).
  CHECK(theta[0] == doctest::Approx(1.0 - 0.1 * 0.7 / (0.7 + 1e-8)).epsilon(1e-12));
  CHECK(theta[1] == doctest::Approx(0.5 + 0.1 * 0.4 / (0.4 + 1e-8)).epsilon(1e-12));

  adam.step(theta, g);
  // Step 2, weight: theta = 0.9 (to 1e-8), g' = 0.2 + 0.5 * theta.
  const double w = 1.0 - 0.1 * 0.7 / (0.7 + 1e-8);
  const double g2 = 0.2 + 0.5 * w;
  const double m = 0.9 * (0.1 * 0.7) + 0.1 * g2;
  const double v = 0.999 * (0.001 * 0.49) + 0.001 * g2 * g2;
  const double expected = w - 0.1 * (m / (1 - 0.81)) / (std::sqrt(v / (1 - 0.998001)) + 1e-8);
  CHECK(theta[0] == doctest::Approx(expected).epsilon(1e-12));
  CHECK(theta[0] == doctest::Approx(0.80026).epsilon(1e-4));
}

TEST_CASE("Adam applies weight decay to weights but never to biases") {
  Adam<double>::Options options;
  options.weight_decay = 1.0;
  Adam<double> adam(kWeightThenBias, 2, options);
  Vector<double> theta = vec({2.0, 2.0});
  for (int i = 0; i < 10; ++i) adam.step(theta, Vector<double>::Zero(2));
  CHECK(theta[0] < 2.0);   // pulled towards 0 by the decay alone
  CHECK(theta[1] == 2.0);  // zero gradient and no decay: untouched
}

TEST_CASE("Adam rejects parameter groups that do not tile the vector") {
  CHECK_THROWS_AS(Adam<double>({{0, 1, true}}, 2, {}), std::invalid_argument);
}

TEST_CASE("RProp's first three steps follow the iRprop- rules worked by hand") {
  RProp<double>::Options options;
  options.initial_step = 0.1;
  options.grow = 1.2;
  options.max_step = 1;
  RProp<double> rprop(3, options);
  Vector<double> theta = Vector<double>::Zero(3);

  rprop.step(theta, vec({1, -1, 0}));  // no previous sign: move by the initial step
  CHECK(theta[0] == doctest::Approx(-0.1));
  CHECK(theta[1] == doctest::Approx(0.1));
  CHECK(theta[2] == 0.0);

  rprop.step(theta, vec({2, 1, 0}));  // 0: same sign, grow; 1: sign flip, shrink and hold
  CHECK(theta[0] == doctest::Approx(-0.1 - 0.12));
  CHECK(theta[1] == doctest::Approx(0.1));
  CHECK(rprop.step_sizes()[1] == doctest::Approx(0.05));

  rprop.step(theta, vec({-1, 1, 0}));  // 0: flip, hold; 1: previous taken as 0, move by 0.05
  CHECK(theta[0] == doctest::Approx(-0.22));
  CHECK(rprop.step_sizes()[0] == doctest::Approx(0.06));
  CHECK(theta[1] == doctest::Approx(0.05));
}

TEST_CASE("RProp's cap shrinks geometrically from first_max_step to max_step over max_step_steps") {
  RProp<double>::Options options;
  options.max_step = 1e-4;
  options.first_max_step = 4e-4;
  options.max_step_steps = 100;
  CHECK(options.max_step_at(0) == doctest::Approx(4e-4));
  CHECK(options.max_step_at(50) == doctest::Approx(2e-4));  // the geometric mean halfway
  CHECK(options.max_step_at(100) == 1e-4);
  CHECK(options.max_step_at(5000) == 1e-4);
  options.first_max_step = 0;  // no schedule
  CHECK(options.max_step_at(0) == 1e-4);
}

TEST_CASE("RProp with a shrinking cap keeps every step size under the cap of its step") {
  RProp<double>::Options options;
  options.initial_step = 3e-4;
  options.grow = 1.2;
  options.max_step = 1e-4;
  options.first_max_step = 4e-4;
  options.max_step_steps = 20;
  RProp<double> rprop(3, options);
  Vector<double> theta = Vector<double>::Zero(3);
  for (long t = 0; t < 30; ++t) {
    // 0 always agrees (grows to the cap); 1 flips every step (shrinks); 2 is held at zero
    // gradient, the branch that neither grows nor shrinks.
    rprop.step(theta, vec({1.0, t % 2 ? 1.0 : -1.0, 0.0}));
    const double cap = options.max_step_at(t);
    CAPTURE(t);
    CHECK(rprop.step_sizes().maxCoeff() <= cap);
    if (t >= 8) CHECK(rprop.step_sizes()[0] == doctest::Approx(cap));
  }
  CHECK(rprop.step_sizes()[2] == 1e-4);  // the zero-gradient step shrank with the cap
}

TEST_CASE("RProp rejects a first cap above max_step without the steps to shrink it") {
  RProp<double>::Options options;
  options.first_max_step = 0.1;
  options.max_step_steps = 0;
  CHECK_THROWS_AS(RProp<double>(2, options), std::invalid_argument);
  options.max_step_steps = 10;
  options.initial_step = 0.05;  // above max_step, within the first cap
  CHECK_NOTHROW(RProp<double>(2, options));
}

TEST_CASE("RProp resumed from its state continues the cap schedule where it stopped") {
  RProp<double>::Options options;
  options.initial_step = 0.02;
  options.first_max_step = 0.05;
  options.max_step_steps = 10;
  RProp<double> uninterrupted(2, options), first(2, options);
  Vector<double> a = Vector<double>::Zero(2), b = a;
  for (int t = 0; t < 4; ++t) {
    uninterrupted.step(a, vec({1.0, -1.0}));
    first.step(b, vec({1.0, -1.0}));
  }
  RProp<double> resumed(2, options);
  resumed.set_state(first.state());
  CHECK(resumed.steps() == 4);
  for (int t = 0; t < 6; ++t) {
    uninterrupted.step(a, vec({1.0, -1.0}));
    resumed.step(b, vec({1.0, -1.0}));
  }
  CHECK(b == a);
  CHECK(resumed.step_sizes() == uninterrupted.step_sizes());
}

TEST_CASE("RProp keeps step sizes between min_step and max_step") {
  RProp<double>::Options options;
  options.initial_step = 0.5;
  options.max_step = 1;
  RProp<double> rprop(2, options);
  Vector<double> theta = Vector<double>::Zero(2);
  for (int i = 0; i < 50; ++i) rprop.step(theta, vec({1.0, i % 2 ? 1.0 : -1.0}));
  CHECK(rprop.step_sizes()[0] == 1.0);     // grown to max_step
  CHECK(rprop.step_sizes()[1] == 1e-6);    // 24 halvings from 0.5 end at min_step
}

#pragma once
// Adam (Kingma & Ba, 2015) with bias correction and optional L2 weight decay.
// For each parameter, with g the gradient and t the step count (from 1):
//   g' = g + decay * theta          (decaying groups only: weights, never biases)
//   m  = beta1 m + (1 - beta1) g'
//   v  = beta2 v + (1 - beta2) g'^2
//   theta -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon)

#include <cmath>
#include <stdexcept>
#include <utility>
#include <vector>

#include "autorec/optim/optimizer.hpp"
#include "autorec/optim/parameter_group.hpp"
#include "autorec/parallel.hpp"
#include "autorec/types.hpp"

namespace autorec {

template <typename Scalar>
class Adam final : public Optimizer<Scalar> {
 public:
  struct Options {
    Scalar learning_rate = Scalar(1e-3);
    Scalar beta1 = Scalar(0.9);
    Scalar beta2 = Scalar(0.999);
    Scalar epsilon = Scalar(1e-8);
    Scalar weight_decay = Scalar(0);  ///< L2 decay added to the gradient of weights
  };

  Adam(std::vector<ParameterGroup> groups, Index parameter_count, Options options)
      : groups_(std::move(groups)), options_(options),
        first_moment_(Vector<Scalar>::Zero(parameter_count)),
        second_moment_(Vector<Scalar>::Zero(parameter_count)) {
    check_parameter_groups(groups_, parameter_count);
    if (!(options.learning_rate > 0)) throw std::invalid_argument("Adam: learning rate must be > 0");
    if (!(options.beta1 >= 0 && options.beta1 < 1 && options.beta2 >= 0 && options.beta2 < 1))
      throw std::invalid_argument("Adam: beta1 and beta2 must lie in [0, 1)");
  }

  /// One update of `parameters` from `gradient` (both the model's flat vectors).
  /// The Optimizer interface: the gradient alone decides the step.
  void step(Eigen::Ref<Vector<Scalar>> parameters, const Eigen::Ref<const Vector<Scalar>>& gradient, double /*loss*/,
            const typename Optimizer<Scalar>::Evaluate& /*evaluate*/) override {
    step(parameters, gradient);
  }

  void step(Eigen::Ref<Vector<Scalar>> parameters, const Eigen::Ref<const Vector<Scalar>>& gradient) {
    if (parameters.size() != first_moment_.size() || gradient.size() != first_moment_.size())
      throw std::invalid_argument("Adam: parameter or gradient size differs from the optimizer's");
    ++steps_;
    const Scalar b1 = options_.beta1, b2 = options_.beta2;
    const Scalar correction1 = Scalar(1) - Scalar(std::pow(double(b1), double(steps_)));
    const Scalar correction2 = Scalar(1) - Scalar(std::pow(double(b2), double(steps_)));
    const Scalar step_size = options_.learning_rate / correction1;
    const Scalar root_correction2 = std::sqrt(correction2);
    for (const auto& group : groups_) {
      const Scalar decay = group.decays ? options_.weight_decay : Scalar(0);
      Scalar* theta = parameters.data() + group.offset;
      const Scalar* g = gradient.data() + group.offset;
      Scalar* m = first_moment_.data() + group.offset;
      Scalar* v = second_moment_.data() + group.offset;
      AUTOREC_PARALLEL_FOR_STATIC
      for (Index i = 0; i < group.size; ++i) {
        const Scalar gi = g[i] + decay * theta[i];
        m[i] = b1 * m[i] + (Scalar(1) - b1) * gi;
        v[i] = b2 * v[i] + (Scalar(1) - b2) * gi * gi;
        // lr * m_hat / (sqrt(v_hat) + eps) with m_hat = m / c1, v_hat = v / c2
        theta[i] -= step_size * m[i] / (std::sqrt(v[i]) / root_correction2 + options_.epsilon);
      }
    }
  }

  long steps() const { return steps_; }

  /// Everything a later step depends on, for checkpoints: the two moments and the step
  /// count (as a one-element vector).
  std::vector<Vector<Scalar>> state() const override {
    return {first_moment_, second_moment_, Vector<Scalar>::Constant(1, Scalar(steps_))};
  }
  void set_state(std::vector<Vector<Scalar>> state) override {
    if (state.size() != 3 || state[0].size() != first_moment_.size() || state[1].size() != first_moment_.size() ||
        state[2].size() != 1 || !(state[2][0] >= 0))
      throw std::invalid_argument("Adam: a state of another shape");
    first_moment_ = std::move(state[0]);
    second_moment_ = std::move(state[1]);
    steps_ = long(state[2][0]);
  }
  const Options& options() const { return options_; }
  void set_learning_rate(Scalar learning_rate) { options_.learning_rate = learning_rate; }

 private:
  std::vector<ParameterGroup> groups_;
  Options options_;
  Vector<Scalar> first_moment_;
  Vector<Scalar> second_moment_;
  long steps_ = 0;
};

}  // namespace autorec

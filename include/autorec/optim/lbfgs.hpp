#pragma once
// Limited-memory BFGS (Nocedal, 1980; Nocedal & Wright, "Numerical Optimization", 2006,
// Algorithms 7.4, 3.5 and 3.6), full batch. With theta_k, g_k = grad L(theta_k) and the last
// m pairs s_i = theta_{i+1} - theta_i, y_i = g_{i+1} - g_i (rho_i = 1 / y_i^T s_i):
//
//   direction  d = -H g by the two-loop recursion, H_0 = gamma I, gamma = s^T y / y^T y
//              of the newest pair (on the first step, or after a restart, d = -g and the
//              first trial step is 1 / |g|; afterwards it is 1)
//   line search  a step t with the strong Wolfe conditions, phi(t) = L(theta + t d):
//                  phi(t) <= phi(0) + c1 t phi'(0)        (sufficient decrease, c1 = 1e-4)
//                  |phi'(t)| <= c2 |phi'(0)|              (curvature, c2 = 0.9)
//                by bracketing (doubling, or cubic extrapolation) and zooming with a
//                safeguarded cubic interpolation of phi and phi' at the bracket's ends
//   update     theta += t d; the pair (t d, g_new - g) joins the history when y^T s > 0
//
// A search that finds no such step within max_evaluations restarts from the same point with
// d = -g and an empty history; when that fails too, or the gradient is 0, the optimizer has
// converged: theta stays where it was (evaluated there again) and further steps do nothing.
// Every inner product is summed in double over fixed blocks in a fixed order, so steps are
// identical for any thread count. A sharded trainer replaces it (set_inner_product) by the
// sum over all shards, in shard order, of each shard's part: the same for any rank count.

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "autorec/optim/optimizer.hpp"
#include "autorec/parallel.hpp"
#include "autorec/types.hpp"

namespace autorec {

/// sum_i a_i b_i in double, over blocks of 32768 summed in order: the same for any thread count.
template <typename A, typename B>
double ordered_dot(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b) {
  constexpr Index kBlock = 32768;
  const Index n = a.size(), blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> sums(std::size_t(blocks), 0.0);
  const auto* x = a.derived().data();
  const auto* y = b.derived().data();
  AUTOREC_PARALLEL_FOR_STATIC
  for (Index block = 0; block < blocks; ++block) {
    double sum = 0;
    for (Index i = block * kBlock, end = std::min(n, (block + 1) * kBlock); i < end; ++i) sum += double(x[i]) * double(y[i]);
    sums[std::size_t(block)] = sum;
  }
  double total = 0;
  for (double sum : sums) total += sum;
  return total;
}

template <typename Scalar>
class LBFGS final : public Optimizer<Scalar> {
 public:
  struct Options {
    int history = 10;            ///< m, the curvature pairs kept
    double armijo = 1e-4;        ///< c1, sufficient decrease
    double curvature = 0.9;      ///< c2, the strong Wolfe curvature condition
    int max_evaluations = 20;    ///< objective evaluations per line search before it restarts
  };

  /// What the last line search did: phi(0), phi'(0), the step t it accepted and phi(t),
  /// phi'(t) there (for checking the Wolfe conditions), and its evaluations.
  struct LineSearch {
    double loss0 = 0, slope0 = 0, step = 0, loss = 0, slope = 0;
    int evaluations = 0;
    bool restarted = false;  ///< the quasi-Newton direction failed and -g was searched instead
  };

  LBFGS(Index parameter_count, Options options) : options_(options), count_(parameter_count) {
    if (options.history < 1 || options.history > 1000)
      throw std::invalid_argument("L-BFGS: the history must lie in [1, 1000], got " + std::to_string(options.history));
    if (!(options.armijo > 0 && options.armijo < options.curvature && options.curvature < 1))
      throw std::invalid_argument("L-BFGS: need 0 < c1 < c2 < 1, got " + std::to_string(options.armijo) + " and " +
                                  std::to_string(options.curvature));
    if (options.max_evaluations < 2)
      throw std::invalid_argument("L-BFGS: a line search needs at least 2 evaluations, got " +
                                  std::to_string(options.max_evaluations));
  }

  bool full_batch() const override { return true; }
  bool separable() const override { return false; }
  bool leaves_evaluation() const override { return true; }
  bool converged() const override { return converged_; }
  void set_inner_product(typename Optimizer<Scalar>::InnerProduct product) override {
    inner_product_ = std::move(product);
  }

  void step(Eigen::Ref<Vector<Scalar>> parameters, const Eigen::Ref<const Vector<Scalar>>& gradient, double loss,
            const typename Optimizer<Scalar>::Evaluate& evaluate) override {
    if (parameters.size() != count_ || gradient.size() != count_)
      throw std::invalid_argument("L-BFGS: parameter or gradient size differs from the optimizer's");
    if (converged_) return;
    start_ = parameters;
    start_gradient_ = gradient;
    bool restarted = false;
    direction(start_gradient_);
    double slope = dot(start_gradient_, direction_);
    if (!(slope < 0)) {  // not a descent direction: forget the curvature pairs
      clear_history();
      restarted = true;
      direction(start_gradient_);
      slope = dot(start_gradient_, direction_);
    }
    if (!(slope < 0)) {  // g = 0 (or not finite): nothing to do
      converged_ = true;
      return;
    }
    bool found = search(parameters, gradient, loss, slope, evaluate);
    if (!found && !restarted) {  // the quasi-Newton direction failed: steepest descent
      clear_history();
      restarted = true;
      direction(start_gradient_);
      slope = dot(start_gradient_, direction_);
      found = search(parameters, gradient, loss, slope, evaluate);
    }
    if (!found) converged_ = true;
    last_.restarted = restarted;
    if (converged_) {  // back to the start, evaluated there so that the caller's pass is current
      parameters = start_;
      evaluate();
      return;
    }
    remember(parameters, gradient);
    ++steps_;
  }

  const LineSearch& last_line_search() const { return last_; }
  long steps() const { return steps_; }
  /// The curvature pairs held now (at most Options::history).
  int history_size() const { return int(pairs_.size()); }
  const Options& options() const { return options_; }

  /// The curvature pairs oldest first (s_0, y_0, s_1, y_1, ...), then [steps, converged].
  std::vector<Vector<Scalar>> state() const override {
    std::vector<Vector<Scalar>> state;
    for (std::size_t i = 0; i < pairs_.size(); ++i) {
      const Pair& pair = pairs_[(first_ + i) % pairs_.size()];
      state.push_back(pair.s);
      state.push_back(pair.y);
    }
    Vector<Scalar> counters(2);
    counters << Scalar(steps_), Scalar(converged_ ? 1 : 0);
    state.push_back(counters);
    return state;
  }
  void set_state(std::vector<Vector<Scalar>> state) override {
    if (state.empty() || state.size() % 2 != 1 || int(state.size() / 2) > options_.history || state.back().size() != 2)
      throw std::invalid_argument("L-BFGS: a state of another shape (" + std::to_string(state.size()) +
                                  " vectors for a history of " + std::to_string(options_.history) + ")");
    for (std::size_t i = 0; i + 1 < state.size(); ++i)
      if (state[i].size() != count_) throw std::invalid_argument("L-BFGS: a state vector of another size");
    clear_history();
    for (std::size_t i = 0; i + 1 < state.size(); i += 2) {
      Pair pair{std::move(state[i]), std::move(state[i + 1]), 0};
      pair.rho = 1 / dot(pair.y, pair.s);
      pairs_.push_back(std::move(pair));
    }
    steps_ = long(state.back()[0]);
    converged_ = state.back()[1] != 0;
  }

 private:
  struct Pair {
    Vector<Scalar> s, y;
    double rho;
  };

  double dot(const Eigen::Ref<const Vector<Scalar>>& a, const Eigen::Ref<const Vector<Scalar>>& b) const {
    return inner_product_ ? inner_product_(a, b) : ordered_dot(a, b);
  }

  // direction_ = -H g by the two-loop recursion (-g without pairs).
  void direction(const Vector<Scalar>& g) {
    const std::size_t n = pairs_.size();
    Vector<Scalar>& q = direction_;
    q = g;
    alpha_.assign(n, 0.0);
    for (std::size_t i = n; i-- > 0;) {  // newest first
      const Pair& pair = pairs_[(first_ + i) % n];
      alpha_[i] = pair.rho * dot(pair.s, q);
      q -= Scalar(alpha_[i]) * pair.y;
    }
    if (n > 0) {
      const Pair& newest = pairs_[(first_ + n - 1) % n];
      q *= Scalar(1 / (newest.rho * dot(newest.y, newest.y)));  // gamma = s^T y / y^T y
    }
    for (std::size_t i = 0; i < n; ++i) {  // oldest first
      const Pair& pair = pairs_[(first_ + i) % n];
      const double beta = pair.rho * dot(pair.y, q);
      q += Scalar(alpha_[i] - beta) * pair.s;
    }
    q = -q;
  }

  // phi(t) and phi'(t): the parameters set to start + t d, evaluated.
  struct Point {
    double step, loss, slope;
  };
  Point at(double t, Eigen::Ref<Vector<Scalar>> parameters, const Eigen::Ref<const Vector<Scalar>>& gradient,
           const typename Optimizer<Scalar>::Evaluate& evaluate) {
    parameters = start_ + Scalar(t) * direction_;
    ++last_.evaluations;
    const double loss = evaluate();
    const double slope = dot(gradient, direction_);
    if (!std::isfinite(loss) || !std::isfinite(slope)) return {t, std::numeric_limits<double>::infinity(), 0};
    return {t, loss, slope};
  }

  // The minimiser of the cubic through (a, phi_a, phi'_a) and (b, phi_b, phi'_b), kept inside
  // [low, high]; `fallback` when the cubic has none.
  static double cubic_minimiser(const Point& a, const Point& b, double low, double high, double fallback) {
    const double d1 = a.slope + b.slope - 3 * (a.loss - b.loss) / (a.step - b.step);
    const double discriminant = d1 * d1 - a.slope * b.slope;
    double t = fallback;
    if (discriminant >= 0 && std::isfinite(discriminant)) {
      const double d2 = std::copysign(std::sqrt(discriminant), b.step - a.step);
      const double denominator = b.slope - a.slope + 2 * d2;
      if (denominator != 0) t = b.step - (b.step - a.step) * (b.slope + d2 - d1) / denominator;
    }
    if (!std::isfinite(t)) t = fallback;
    return std::clamp(t, low, high);
  }

  bool sufficient_decrease(const Point& p) const {
    return p.loss <= last_.loss0 + options_.armijo * p.step * last_.slope0;
  }
  bool curvature_holds(const Point& p) const { return std::abs(p.slope) <= -options_.curvature * last_.slope0; }

  // Algorithm 3.5: brackets a strong Wolfe step, then zooms into it. On success the
  // parameters are at the accepted step, which was the last one evaluated.
  bool search(Eigen::Ref<Vector<Scalar>> parameters, const Eigen::Ref<const Vector<Scalar>>& gradient, double loss,
              double slope, const typename Optimizer<Scalar>::Evaluate& evaluate) {
    last_ = LineSearch{};
    last_.loss0 = loss;
    last_.slope0 = slope;
    Point previous{0, loss, slope};
    double t = pairs_.empty() ? 1 / std::sqrt(dot(direction_, direction_)) : 1.0;
    while (last_.evaluations < options_.max_evaluations) {
      const Point p = at(t, parameters, gradient, evaluate);
      if (!sufficient_decrease(p) || (previous.step > 0 && p.loss >= previous.loss))
        return zoom(previous, p, parameters, gradient, evaluate);
      if (curvature_holds(p)) return accept(p);
      if (p.slope >= 0) return zoom(p, previous, parameters, gradient, evaluate);
      // still descending: extrapolate, by the cubic through the last two points, 2x to 10x
      t = cubic_minimiser(previous, p, 2 * p.step, 10 * p.step, 2 * p.step);
      previous = p;
    }
    return false;
  }

  // Algorithm 3.6: `low` satisfies sufficient decrease with the lower loss of the two, and
  // phi'(low) (high - low) < 0.
  bool zoom(Point low, Point high, Eigen::Ref<Vector<Scalar>> parameters,
            const Eigen::Ref<const Vector<Scalar>>& gradient, const typename Optimizer<Scalar>::Evaluate& evaluate) {
    while (last_.evaluations < options_.max_evaluations) {
      const double a = std::min(low.step, high.step), b = std::max(low.step, high.step);
      const double margin = 1e-3 * (b - a);
      const double t = std::isfinite(high.loss) ? cubic_minimiser(low, high, a + margin, b - margin, (a + b) / 2) : (a + b) / 2;
      if (!(t > a && t < b)) return false;  // the bracket has shrunk to nothing
      const Point p = at(t, parameters, gradient, evaluate);
      if (!sufficient_decrease(p) || p.loss >= low.loss) {
        high = p;
        continue;
      }
      if (curvature_holds(p)) return accept(p);
      if (p.slope * (high.step - low.step) >= 0) high = low;
      low = p;
    }
    return false;
  }

  bool accept(const Point& p) {
    last_.step = p.step;
    last_.loss = p.loss;
    last_.slope = p.slope;
    return true;
  }

  // The pair (theta_new - start, g_new - g_start) joins the history, oldest out.
  void remember(const Eigen::Ref<const Vector<Scalar>>& parameters, const Eigen::Ref<const Vector<Scalar>>& gradient) {
    Pair pair;
    if (int(pairs_.size()) == options_.history) std::swap(pair, spare_);  // reuse memory
    pair.s = parameters - start_;
    pair.y = gradient - start_gradient_;
    const double curvature = dot(pair.y, pair.s);
    if (!(curvature > 1e-10 * std::sqrt(dot(pair.y, pair.y) * dot(pair.s, pair.s)))) {
      std::swap(pair, spare_);  // no positive curvature along s: the history stays as it was
      return;
    }
    pair.rho = 1 / curvature;
    if (int(pairs_.size()) < options_.history) {
      pairs_.push_back(std::move(pair));
    } else {
      std::swap(pairs_[first_], pair);
      spare_ = std::move(pair);  // the oldest pair's memory, for the next one
      first_ = (first_ + 1) % pairs_.size();
    }
  }

  void clear_history() {
    pairs_.clear();
    first_ = 0;
  }

  Options options_;
  Index count_;
  typename Optimizer<Scalar>::InnerProduct inner_product_;  // empty: ordered_dot
  std::vector<Pair> pairs_;  // a ring: pairs_[first_] is the oldest
  std::size_t first_ = 0;
  Pair spare_{};  // memory for the next pair once the ring is full
  Vector<Scalar> start_, start_gradient_, direction_;
  std::vector<double> alpha_;
  LineSearch last_;
  long steps_ = 0;
  bool converged_ = false;
};

}  // namespace autorec

#pragma once
// Fold-in: scores for a user the model never saw, from their ratings, without retraining.
//
// U-AutoRec encodes user vectors, so a new user is one more input: code = encode(r).
// I-AutoRec encodes item vectors with one input per user, so a new user is a new input unit
// with its own encoder column v (k1), decoder row w (kn) and bias c, fitted to their m
// ratings r (over items S) with every other parameter fixed:
//   Z1 = P + v r^T            (k1 x m; P: the rated items' first pre-activations, V x_s + mu)
//   H = stages(Z1)            (kn x m; the rated items' codes, updated with the new ratings)
//   o = H^T w + c 1, a = f(o) (m)
//   L = |a - r|^2 + (lambda / 2)(|v|^2 + |w|^2)   -- the training objective restricted to them
// Gradients: do = f'(o) .* 2 (a - r); dw = H do + lambda w; dc = 1^T do;
//   dH = w do^T (kn x m), back through the stages to dZ1 (k1 x m); dv = dZ1 r + lambda v.
// Start: v = 0, where H is the rated items' codes as trained (the Scorer's cache) and, for an
// identity output, (w, c) is the exact ridge solution, solved in its m x m dual form for few
// ratings and its kn x kn primal form for more (detail::ridge_fit). Then
// gradient descent with a backtracking line search, so the loss never rises: on (w, c) only
// by default, on (v, w, c) with fit_encoder.
//
// Why v stays 0 by default (bench/fold_in_quality, docs/results.md): a fitted v lets the
// user's own ratings into the codes of the items they rated, and the fit learns to copy them
// back out. The training loss falls, the held-out error rises (ml-latest-small, lambda 30:
// RMSE 0.820 with v = 0, 0.856 after 60 steps on v, 0.974 after 300; retraining: 0.827).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <Eigen/Cholesky>

#include "autorec/model/network.hpp"
#include "autorec/types.hpp"

namespace autorec {

struct FoldInOptions {
  bool fit_encoder = false;  ///< also fit the encoder column v (see above for why not by default)
  int iterations = 100;      ///< at most this many gradient steps after the start
  double tolerance = 1e-7;   ///< stop when a step lowers the loss by less than this share
};

/// One network's fit of a folded-in user.
template <typename Scalar>
struct FoldedFit {
  Vector<Scalar> code;         ///< a network over users: the user's code (kn); EASE: their item vector x
  Vector<Scalar> weights;      ///< I-AutoRec: decoder row w (kn)
  Scalar bias = 0;             ///< I-AutoRec: c
  Vector<Scalar> encoder;      ///< I-AutoRec: encoder column v (k1)
  Matrix<Scalar> rated_codes;  ///< I-AutoRec: H, the rated items' codes with v added (kn x m)
  double loss = 0;             ///< I-AutoRec: L at the end
  int iterations = 0;          ///< I-AutoRec: gradient steps taken
  std::vector<FoldedFit> members;  ///< a blend (serve/blend_decoder.hpp): each model's fit, in its order
};

/// A folded-in user: what scoring them needs. Items are indices, `rated` sorted; one fit per
/// network of the Scorer (an ensemble's members fit the user each on their own).
template <typename Scalar>
struct FoldedUser {
  std::vector<int> rated;
  std::vector<float> ratings;  ///< of `rated`, in the same order
  std::vector<FoldedFit<Scalar>> fits;
};

namespace detail {

/// The ridge fit with a free intercept: (w, c) = argmin |H^T w + c 1 - r|^2 + (lambda/2)|w|^2
/// for codes H (kn x m) and ratings r (m). With Hc, rc the centred codes and ratings,
/// w = Hc (Hc^T Hc + a I)^-1 rc (the m x m dual, for few ratings) = (Hc Hc^T + a I)^-1 Hc rc
/// (the kn x kn primal, once m > kn) and c = mean(r) - mean(H)^T w. The primal form centres
/// H a block of columns at a time, so it holds no second copy of H. Cost:
/// O(min(m, kn)^2 max(m, kn) + min(m, kn)^3), at most O(m kn^2 + kn^3) whatever m is (the dual
/// alone grows with m^3: 9,724 ratings took 71 s). lambda = 0 leaves the system singular
/// when codes coincide: a tiny ridge then.
template <typename Scalar>
void ridge_fit(const Matrix<Scalar>& H, const Vector<Scalar>& r, Scalar lambda, Vector<Scalar>& w, Scalar& c) {
  const Index m = H.cols(), k = H.rows();
  const Vector<Scalar> mean = H.rowwise().mean();
  const Vector<Scalar> rc = r.array() - r.mean();
  const auto ridge = [&](const Matrix<Scalar>& gram) {
    return lambda > 0 ? lambda / 2 : Scalar(1e-6) * (Scalar(1) + gram.trace() / Scalar(m));
  };
  if (m <= k) {
    const Matrix<Scalar> Hc = H.colwise() - mean;
    Matrix<Scalar> gram = Hc.transpose() * Hc;
    gram.diagonal().array() += ridge(gram);
    w.noalias() = Hc * gram.ldlt().solve(rc);
  } else {
    Matrix<Scalar> gram = Matrix<Scalar>::Zero(k, k);
    constexpr Index block = 256;
    for (Index j = 0; j < m; j += block) {
      const Index width = std::min(block, m - j);
      const Matrix<Scalar> Hc = H.middleCols(j, width).colwise() - mean;
      gram.template selfadjointView<Eigen::Lower>().rankUpdate(Hc);
    }
    gram.diagonal().array() += ridge(gram);
    const Vector<Scalar> Hr = H * rc;  // = Hc rc, as rc sums to 0
    w = gram.template selfadjointView<Eigen::Lower>().ldlt().solve(Hr);
  }
  c = r.mean() - mean.dot(w);
}

/// I-AutoRec's fit, given the rated items' codes H0 (kn x m, at v = 0; taken over, as the
/// fit keeps them), their ratings r (m)
/// and, with fit_encoder, `first_layer()` giving their first pre-activations P (k1 x m).
/// Fills weights, bias, encoder, rated_codes, loss and iterations.
template <typename Scalar, typename FirstLayer>
void fit_new_input(const Network<Scalar>& network, Matrix<Scalar> H0, const Vector<Scalar>& r,
                   FirstLayer&& first_layer, const FoldInOptions& options, FoldedFit<Scalar>& user) {
  if (!network.architecture().squared_error_on_raw_input())
    throw std::invalid_argument("fold-in: a new input unit is fitted by the squared error on raw ratings; " +
                                network.architecture().describe() + " folds a user in by encoding them (the user "
                                "layout)");
  const Index m = H0.cols(), k1 = network.hidden_sizes().front();
  Matrix<Scalar> P;
  if (options.fit_encoder) first_layer(P);
  const Scalar lambda = network.lambda();
  const ActivationLayer<Scalar>& f = network.output_activation();
  std::vector<Matrix<Scalar>> trace;
  Vector<Scalar> o(m), a(m);

  struct Point {
    Vector<Scalar> v, w;
    Scalar c;
  };
  // L at `x`, leaving the codes in trace.back() (with fit_encoder, the whole forward pass)
  // and f(o) in `a`.
  auto loss_at = [&](const Point& x) {
    if (options.fit_encoder) {
      trace.resize(1);
      trace[0] = P;
      trace[0].noalias() += x.v * r.transpose();
      network.forward_hidden(trace);
    } else if (trace.empty()) {
      trace.resize(1);
      trace[0].swap(H0);
    }
    o.noalias() = trace.back().transpose() * x.w;
    o.array() += x.c;
    f.forward_values(o.data(), a.data(), m);
    return double((a - r).squaredNorm()) + double(lambda) / 2 * double(x.v.squaredNorm() + x.w.squaredNorm());
  };

  Point x{Vector<Scalar>::Zero(k1), Vector<Scalar>::Zero(H0.rows()), Scalar(r.mean())};
  double loss = loss_at(x);
  const bool identity = f.spec().kind == "identity";
  if (identity) {  // exact (w, c) at v = 0: ridge with a free intercept
    ridge_fit(trace.back(), r, lambda, x.w, x.c);
    loss = loss_at(x);
  }
  double step = 1;
  Vector<Scalar> dO(m);
  Matrix<Scalar> dH;
  int taken = 0;
  // With an identity output and v fixed, the start is already the optimum.
  const int iterations = identity && !options.fit_encoder ? 0 : options.iterations;
  for (; taken < iterations; ++taken) {
    // gradient at x (the trace and a are x's)
    dO = Scalar(2) * (a - r);
    f.backward_values(o.data(), a.data(), dO.data(), dO.data(), m);
    Point g{Vector<Scalar>::Zero(k1), trace.back() * dO + lambda * x.w, dO.sum()};
    if (options.fit_encoder) {
      dH.noalias() = x.w * dO.transpose();
      network.backward_hidden(trace, dH);
      g.v.noalias() = dH * r;
      g.v += lambda * x.v;
    }
    const double slope = double(g.v.squaredNorm() + g.w.squaredNorm()) + double(g.c) * double(g.c);
    if (slope == 0) break;
    // backtracking: halve until the Armijo condition holds; then try a longer step next time
    bool moved = false;
    Point next;
    double next_loss = loss;
    for (int halving = 0; halving < 40; ++halving) {
      next = {x.v - Scalar(step) * g.v, x.w - Scalar(step) * g.w, x.c - Scalar(step) * g.c};
      next_loss = loss_at(next);
      if (next_loss <= loss - 1e-4 * step * slope) {
        moved = true;
        break;
      }
      step /= 2;
    }
    if (!moved) break;
    const bool converged = loss - next_loss < options.tolerance * loss;
    x = std::move(next);
    loss = next_loss;  // trace and a now belong to x
    step *= 2;
    if (converged) {
      ++taken;
      break;
    }
  }
  loss = loss_at(x);  // the trace may hold a rejected trial point
  user.encoder = std::move(x.v);
  user.weights = std::move(x.w);
  user.bias = x.c;
  user.rated_codes = std::move(trace.back());
  user.loss = loss;
  user.iterations = taken;
}

}  // namespace detail
}  // namespace autorec

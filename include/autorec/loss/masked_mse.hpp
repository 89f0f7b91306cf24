#pragma once
// Masked squared error: the AutoRec data term, summed over observed entries only.
//   L = sum over observed (u, j) of (O(u, j) - R(u, j))^2
//   dL/dO(u, j) = 2 (O(u, j) - R(u, j)) if observed, exactly 0 otherwise.
// It is a plain sum (not a mean), so that the paper's lambda keeps its meaning.

#include <stdexcept>
#include <string>

#include "autorec/layers/dense.hpp"
#include "autorec/types.hpp"

namespace autorec {

/// Dense reference form. `mask` is nonzero where R is observed; unobserved entries of
/// `prediction` and `target` are never read into the result (even NaN there is harmless).
/// Returns L and sets `gradient` (d x B) to dL/dO.
template <typename Scalar, typename PredDerived, typename TargetDerived, typename MaskDerived>
Scalar masked_squared_error(const Eigen::MatrixBase<PredDerived>& prediction,
                            const Eigen::MatrixBase<TargetDerived>& target,
                            const Eigen::MatrixBase<MaskDerived>& mask, Matrix<Scalar>& gradient) {
  if (prediction.rows() != target.rows() || prediction.cols() != target.cols() ||
      mask.rows() != target.rows() || mask.cols() != target.cols())
    throw std::invalid_argument("masked_squared_error: prediction, target and mask shapes differ");
  const auto observed = mask.array() != 0;
  gradient = observed.select(Scalar(2) * (prediction - target).array(), Scalar(0)).matrix();
  // gradient / 2 is the error E on observed entries, so L = |E|^2 = |gradient|^2 / 4.
  return gradient.squaredNorm() / Scalar(4);
}

/// Observed-entries form with an identity output: evaluates the decoder O = W H + b 1^T only
/// at the stored entries of `ratings` (d x B), never forming the d x B output. Returns L;
/// `gradient` gets dL/dO = 2 (O - R) at those entries, in `ratings`' storage order, and
/// `hidden_gradient` gets dL/dH = W^T dL/dO (k x B) from the same pass over W.
/// Cost O(nnz(ratings) k) for a decoder with k inputs.
template <typename Scalar, int Layout, typename HiddenDerived>
Scalar observed_squared_error(const Dense<Scalar, Layout>& decoder,
                              const Eigen::MatrixBase<HiddenDerived>& hidden,
                              const SparseColumns<Scalar>& ratings, Vector<Scalar>& gradient,
                              Matrix<Scalar>& hidden_gradient) {
  const Scalar* rating = ratings.valuePtr();
  decoder.forward_backward_at(
      hidden, ratings, [rating](Index p, Scalar prediction) { return Scalar(2) * (prediction - rating[p]); },
      gradient, hidden_gradient);
  // gradient / 2 is the error E, so L = |E|^2 = |gradient|^2 / 4; summed in double, in a fixed
  // order, so the value is the same for any thread count.
  double loss = 0;
  for (Index p = 0; p < gradient.size(); ++p) loss += double(gradient[p]) * double(gradient[p]);
  return static_cast<Scalar>(loss / 4);
}

}  // namespace autorec

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
/// at the nonzeros of `ratings` (d x B), never forming the d x B output. Returns L and sets
/// `gradient` to dL/dO on `ratings`' pattern (same storage, values 2 (O - R)).
/// Cost O(nnz(ratings) k) for a decoder with k inputs.
template <typename Scalar, int Layout, typename HiddenDerived>
Scalar observed_squared_error(const Dense<Scalar, Layout>& decoder,
                              const Eigen::MatrixBase<HiddenDerived>& hidden,
                              const SparseColumns<Scalar>& ratings,
                              SparseColumns<Scalar>& gradient) {
  if (&gradient == &ratings)
    throw std::invalid_argument("observed_squared_error: gradient must not alias ratings");
  decoder.forward_at(hidden, ratings, gradient);  // gradient holds O at the observed entries
  const Scalar* rating = ratings.valuePtr();
  Scalar* value = gradient.valuePtr();
  double loss = 0;  // double: a sum of ~1e8 squared errors would lose digits in float
  for (Index p = 0; p < ratings.nonZeros(); ++p) {
    const Scalar error = value[p] - rating[p];
    loss += double(error) * double(error);
    value[p] = Scalar(2) * error;
  }
  return static_cast<Scalar>(loss);
}

}  // namespace autorec

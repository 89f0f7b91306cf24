#pragma once
// The AutoRec data term: squared error summed over observed entries only,
//   L = sum over observed (u, j) of (O(u, j) - R(u, j))^2
//   dL/dO(u, j) = 2 (O(u, j) - R(u, j)) if observed, exactly 0 otherwise.
// A plain sum (not a mean), so that the paper's lambda keeps its meaning. It knows no layer:
// a network hands it its outputs at the observed entries.

#include <stdexcept>

#include "autorec/types.hpp"

namespace autorec {

struct SquaredError {
  /// Per entry: (o - r)^2.
  template <typename O, typename R>
  static auto value(const Eigen::ArrayBase<O>& output, const Eigen::ArrayBase<R>& target) {
    return (output - target).square();
  }
  /// Per entry: dL/do = 2 (o - r).
  template <typename O, typename R>
  static auto derivative(const Eigen::ArrayBase<O>& output, const Eigen::ArrayBase<R>& target) {
    return typename O::Scalar(2) * (output - target);
  }
};

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
  gradient = observed.select(SquaredError::derivative(prediction.array(), target.array()), Scalar(0)).matrix();
  // gradient / 2 is the error E on observed entries, so L = |E|^2 = |gradient|^2 / 4.
  return gradient.squaredNorm() / Scalar(4);
}

}  // namespace autorec

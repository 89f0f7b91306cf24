#pragma once
// Identity activation: H = Z. AutoRec's output activation f.

#include "autorec/types.hpp"

namespace autorec {

template <typename Scalar>
struct Identity {
  template <typename Derived>
  void forward(const Eigen::MatrixBase<Derived>& input, Matrix<Scalar>& output) const {
    output = input;
  }

  /// dZ = dH (k x B).
  template <typename OutputDerived, typename GradDerived>
  void backward(const Eigen::MatrixBase<OutputDerived>& /*output*/,
                const Eigen::MatrixBase<GradDerived>& output_gradient,
                Matrix<Scalar>& input_gradient) const {
    input_gradient = output_gradient;
  }
};

}  // namespace autorec

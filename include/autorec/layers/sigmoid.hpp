#pragma once
// Logistic sigmoid activation, elementwise: H = 1 / (1 + exp(-Z)).

#include "autorec/parallel.hpp"
#include "autorec/types.hpp"

namespace autorec {

template <typename Scalar>
struct Sigmoid {
  /// H = sigmoid(Z). Eigen's logistic() never overflows: exp(-z) becomes inf for very
  /// negative z (giving 0) and 0 for very positive z (giving 1), so large |z| is safe.
  template <typename Derived>
  void forward(const Eigen::MatrixBase<Derived>& input, Matrix<Scalar>& output) const {
    output.resize(input.rows(), input.cols());
    AUTOREC_PARALLEL_FOR_STATIC
    for (Index j = 0; j < input.cols(); ++j) output.col(j) = input.col(j).array().logistic();
  }

  /// dZ = dH .* H .* (1 - H), all k x B; written in terms of the forward output H, so the
  /// pre-activation Z need not be kept.
  template <typename OutputDerived, typename GradDerived>
  void backward(const Eigen::MatrixBase<OutputDerived>& output,
                const Eigen::MatrixBase<GradDerived>& output_gradient,
                Matrix<Scalar>& input_gradient) const {
    input_gradient.resize(output.rows(), output.cols());
    AUTOREC_PARALLEL_FOR_STATIC
    for (Index j = 0; j < output.cols(); ++j) {
      const auto h = output.col(j).array();
      input_gradient.col(j) = output_gradient.col(j).array() * h * (Scalar(1) - h);
    }
  }
};

}  // namespace autorec

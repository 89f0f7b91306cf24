#pragma once
// Finite-difference gradient checks: every layer's backward pass, and any objective, can be
// compared against central differences. Run them in double precision.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "autorec/random.hpp"
#include "autorec/types.hpp"

namespace autorec {

/// |a - b| / max(|a|, |b|) in the Euclidean norm (0 when both are 0).
template <typename A, typename B>
double relative_error(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b) {
  const double scale = std::max(a.template cast<double>().norm(), b.template cast<double>().norm());
  return scale == 0 ? 0.0 : (a.template cast<double>() - b.template cast<double>()).norm() / scale;
}

/// Central differences (f(x + h e_i) - f(x - h e_i)) / 2h for every entry of `x`. `loss()`
/// evaluates the objective at the current contents of `x`, which is restored afterwards.
template <typename Scalar, typename Loss>
Vector<Scalar> numerical_gradient(Loss&& loss, Eigen::Ref<Vector<Scalar>> x, Scalar step = Scalar(1e-6)) {
  Vector<Scalar> gradient(x.size());
  for (Index i = 0; i < x.size(); ++i) {
    const Scalar saved = x[i];
    x[i] = saved + step;
    const Scalar up = loss();
    x[i] = saved - step;
    const Scalar down = loss();
    x[i] = saved;
    gradient[i] = (up - down) / (2 * step);
  }
  return gradient;
}

/// Relative errors of one layer's backward pass against central differences.
struct GradientCheck {
  double input = 0;      ///< dL/dX
  double parameters = 0; ///< dL/d[W | b]; 0 for layers without parameters
};

namespace detail {
// A random linear read-out L = sum(G .* Y) turns a layer's output into a scalar whose
// gradient with respect to the output is exactly G.
template <typename Scalar>
Matrix<Scalar> random_matrix(Index rows, Index cols, Random& random) {
  Matrix<Scalar> m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = Scalar(random.normal());
  return m;
}
}  // namespace detail

/// Checks a layer with parameters (Dense): `layer` is bound to `parameters` and a gradient
/// buffer of the same size; `input` is dense or sparse (column-major).
template <typename Layer, typename Input, typename Scalar>
GradientCheck check_layer_gradient(Layer& layer, const Input& input, Vector<Scalar>& parameters,
                                   std::uint64_t seed = 1) {
  Random random(seed);
  Vector<Scalar> gradients = Vector<Scalar>::Zero(parameters.size());
  layer.bind(parameters.data(), gradients.data());
  Matrix<Scalar> output;
  layer.forward(input, output);
  const Matrix<Scalar> readout = detail::random_matrix<Scalar>(output.rows(), output.cols(), random);
  auto loss_at = [&](const auto& x) {
    Matrix<Scalar> y;
    layer.forward(x, y);
    return Scalar(readout.cwiseProduct(y).sum());
  };

  // dX from backward(); the parameter gradient from the path the input takes in training
  // (a sparse input accumulates from its row-major copy).
  Matrix<Scalar> dense_input = Matrix<Scalar>(input);
  Matrix<Scalar> input_gradient;
  layer.backward(dense_input, readout, input_gradient);
  if constexpr (std::is_base_of_v<Eigen::SparseMatrixBase<Input>, Input>) {
    gradients.setZero();
    layer.accumulate_gradient(SparseRows<Scalar>(input), readout);
  }
  GradientCheck result;
  result.parameters = relative_error(
      gradients, numerical_gradient<Scalar>([&] { return loss_at(input); }, parameters));
  Eigen::Map<Vector<Scalar>> flat_input(dense_input.data(), dense_input.size());
  const Vector<Scalar> numeric_input =
      numerical_gradient<Scalar>([&] { return loss_at(dense_input); }, flat_input);
  result.input = relative_error(
      Eigen::Map<const Vector<Scalar>>(input_gradient.data(), input_gradient.size()), numeric_input);
  return result;
}

/// Checks an activation (no parameters) at `input`; its backward takes the forward output.
template <typename Activation, typename Scalar>
GradientCheck check_activation_gradient(const Activation& activation, Matrix<Scalar> input,
                                        std::uint64_t seed = 1) {
  Random random(seed);
  Matrix<Scalar> output, input_gradient;
  activation.forward(input, output);
  const Matrix<Scalar> readout = detail::random_matrix<Scalar>(output.rows(), output.cols(), random);
  activation.backward(output, readout, input_gradient);
  Eigen::Map<Vector<Scalar>> flat_input(input.data(), input.size());
  const Vector<Scalar> numeric = numerical_gradient<Scalar>(
      [&] {
        Matrix<Scalar> y;
        activation.forward(input, y);
        return Scalar(readout.cwiseProduct(y).sum());
      },
      flat_input);
  GradientCheck result;
  result.input = relative_error(
      Eigen::Map<const Vector<Scalar>>(input_gradient.data(), input_gradient.size()), numeric);
  return result;
}

}  // namespace autorec

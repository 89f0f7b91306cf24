#pragma once
// Finite-difference gradient checks: every layer's backward pass, and any objective, can be
// compared against central differences. Run them in double precision.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "autorec/layers/layer.hpp"
#include "autorec/layers/observed_output.hpp"
#include "autorec/layers/sparse_input.hpp"
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

/// Checks any layer that follows the contract (layers/layer.hpp) at `input`: backward's dX
/// and accumulate_gradient's dtheta against central differences of L = sum(G .* Y), G fixed
/// and random. The training forward is used with one fixed noise seed, so a dropout layer is
/// checked with its mask held, as backward must apply it. `parameters` is the layer's slice.
template <typename Scalar>
GradientCheck check_layer_gradient(Layer<Scalar>& layer, Matrix<Scalar> input, Vector<Scalar>& parameters,
                                   std::uint64_t seed = 1) {
  Random random(seed);
  constexpr std::uint64_t kNoiseSeed = 12345;
  Matrix<Scalar> output, input_gradient;
  layer.forward_training(parameters.data(), input, output, kNoiseSeed);
  const Matrix<Scalar> readout = detail::random_matrix<Scalar>(output.rows(), output.cols(), random);
  layer.backward(parameters.data(), input, output, readout, input_gradient);
  Vector<Scalar> gradients = Vector<Scalar>::Zero(parameters.size());
  layer.accumulate_gradient(gradients.data(), input, readout);
  auto loss = [&] {
    Matrix<Scalar> y;
    layer.forward_training(parameters.data(), input, y, kNoiseSeed);
    return Scalar(readout.cwiseProduct(y).sum());
  };
  GradientCheck result;
  if (parameters.size() > 0) result.parameters = relative_error(gradients, numerical_gradient<Scalar>(loss, parameters));
  Eigen::Map<Vector<Scalar>> flat_input(input.data(), input.size());
  result.input = relative_error(Eigen::Map<const Vector<Scalar>>(input_gradient.data(), input_gradient.size()),
                                numerical_gradient<Scalar>(loss, flat_input));
  return result;
}

/// Checks the sparse-input layer's parameter gradient (it has no dX), accumulated from the
/// by-row copy of `input` as in training.
template <typename Scalar>
GradientCheck check_layer_gradient(const SparseInputDense<Scalar>& layer, const SparseColumns<Scalar>& input,
                                   Vector<Scalar>& parameters, std::uint64_t seed = 1) {
  Random random(seed);
  Matrix<Scalar> output;
  layer.forward(parameters.data(), input, output);
  const Matrix<Scalar> readout = detail::random_matrix<Scalar>(output.rows(), output.cols(), random);
  Vector<Scalar> gradients = Vector<Scalar>::Zero(parameters.size());
  layer.accumulate_gradient(gradients.data(), SparseRows<Scalar>(input), readout);
  GradientCheck result;
  result.parameters = relative_error(gradients, numerical_gradient<Scalar>(
                                                    [&] {
                                                      Matrix<Scalar> y;
                                                      layer.forward(parameters.data(), input, y);
                                                      return Scalar(readout.cwiseProduct(y).sum());
                                                    },
                                                    parameters));
  return result;
}

/// Checks the observed-output layer at the entries of `pattern`: the fused forward-backward
/// pass's dH and accumulate_gradient_at's dtheta, for L = sum over the entries of g_p O_p.
template <typename Scalar>
GradientCheck check_layer_gradient(const ObservedOutputDense<Scalar>& layer, Matrix<Scalar> input,
                                   const SparseBatch<Scalar>& pattern, Vector<Scalar>& parameters,
                                   std::uint64_t seed = 1) {
  Random random(seed);
  Vector<Scalar> readout(pattern.nonZeros());
  for (Index p = 0; p < readout.size(); ++p) readout[p] = Scalar(random.normal());
  Vector<Scalar> output_gradient;
  Matrix<Scalar> input_gradient;
  layer.forward_backward_at(
      parameters.data(), input, pattern.by_column,
      [&](Index, int begin, int end, Scalar* values) {
        for (int p = begin; p < end; ++p) values[p] = readout[p];
      },
      output_gradient, input_gradient);
  Vector<Scalar> gradients = Vector<Scalar>::Zero(parameters.size());
  layer.accumulate_gradient_at(gradients.data(), input, pattern, output_gradient);
  auto loss = [&] {
    Vector<Scalar> values;
    layer.forward_at(parameters.data(), input, pattern.by_column, values);
    return Scalar(readout.dot(values));
  };
  GradientCheck result;
  result.parameters = relative_error(gradients, numerical_gradient<Scalar>(loss, parameters));
  Eigen::Map<Vector<Scalar>> flat_input(input.data(), input.size());
  result.input = relative_error(Eigen::Map<const Vector<Scalar>>(input_gradient.data(), input_gradient.size()),
                                numerical_gradient<Scalar>(loss, flat_input));
  return result;
}

}  // namespace autorec

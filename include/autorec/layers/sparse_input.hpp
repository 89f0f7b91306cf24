#pragma once
// The first layer of an AutoRec network: Dense in its sparse-input role, Z = V X + mu 1^T
// with X the sparse ratings (d x B), V: k x d, mu: k. V is column-major, so the weights of
// one input (column u of V) are a contiguous k-vector, the one each nonzero X(u, j) adds.
// It has no backward: the ratings are data and need no gradient.

#include "autorec/kernels/gather_axpy.hpp"
#include "autorec/layers/dense_weights.hpp"
#include "autorec/layers/layer.hpp"

namespace autorec {

template <typename Scalar>
class SparseInputDense : public DenseWeights<Scalar, Eigen::ColMajor> {
  using Weights = DenseWeights<Scalar, Eigen::ColMajor>;

 public:
  using Weights::Weights;

  /// Z = V X + mu 1^T for a sparse X, never densifying it: column j of Z is
  /// mu + sum over the nonzeros X(u, j) of X(u, j) V(:, u). Cost O(nnz(X) k).
  /// `weights`, when given, is V rounded to bfloat16 (the same k x d layout): the sums read
  /// it instead of V, half the bytes per nonzero, and still add in Scalar.
  void forward(const Scalar* theta, const SparseColumns<Scalar>& input, Matrix<Scalar>& output,
               const Bf16* weights = nullptr) const {
    if (weights)
      sum_into(weights, this->bias(theta).data(), input, output);
    else
      sum_into(theta, this->bias(theta).data(), input, output);
  }
  /// P = V X without the bias: the part of Z that one shard of the inputs gives (sharding/).
  void product(const Scalar* theta, const SparseColumns<Scalar>& input, Matrix<Scalar>& output,
               const Bf16* weights = nullptr) const {
    if (weights)
      sum_into(weights, nullptr, input, output);
    else
      sum_into(theta, nullptr, input, output);
  }
  /// The same for a dense X (the reference path).
  template <typename Derived>
  void forward(const Scalar* theta, const Eigen::MatrixBase<Derived>& input, Matrix<Scalar>& output) const {
    this->forward_dense(theta, input, output);
  }

  /// dV += dZ X^T and dmu += dZ 1 for a sparse X given by rows.
  void accumulate_gradient(Scalar* gradient, const SparseRows<Scalar>& input,
                           const Eigen::Ref<const Matrix<Scalar>>& output_gradient) const {
    accumulate_weight_gradient(gradient, input, output_gradient);
    this->bias(gradient).noalias() += output_gradient.rowwise().sum();
  }
  /// dV += dZ X^T alone: column u of dV gains sum over the nonzeros X(u, j) of
  /// X(u, j) dZ(:, j). Each thread owns whole columns of dV, so no atomics. Cost O(nnz(X) k).
  void accumulate_weight_gradient(Scalar* gradient, const SparseRows<Scalar>& input,
                                  const Eigen::Ref<const Matrix<Scalar>>& output_gradient) const {
    const Index k = this->outputs();
    this->require_rows(input.rows(), this->inputs(), "gradient input");
    this->require_rows(output_gradient.rows(), k, "gradient output gradient");
    this->require_cols(output_gradient.cols(), input.cols(), "gradient output gradient");
    this->require_compressed(input, "gradient input");
    Scalar* dV = gradient;
    const int* col = input.innerIndexPtr();
    const Scalar* x = input.valuePtr();
    for_each_block_range(input.rows(), input.outerIndexPtr(), col, input.cols(), k * Index(sizeof(Scalar)),
                         [&](Index u, int begin, int end, bool) {
                           gather_axpy(dV + u * k, dV + u * k, output_gradient.data(), output_gradient.outerStride(),
                                       k, begin, end, [col](int q) { return col[q]; }, [x](int q) { return x[q]; });
                         });
  }
  /// The same for a dense X (the reference path).
  template <typename InputDerived, typename GradDerived>
  void accumulate_gradient(Scalar* gradient, const Eigen::MatrixBase<InputDerived>& input,
                           const Eigen::MatrixBase<GradDerived>& output_gradient) const {
    this->accumulate_dense(gradient, input, output_gradient);
  }

 private:
  // Z = base 1^T + V X, base = mu or nullptr (zero), V in Scalar or bfloat16.
  template <typename Weight>
  void sum_into(const Weight* V, const Scalar* base, const SparseColumns<Scalar>& input, Matrix<Scalar>& output) const {
    const Index k = this->outputs();
    this->require_rows(input.rows(), this->inputs(), "forward input");
    this->require_compressed(input, "forward input");
    output.resize(k, input.cols());
    const int* row = input.innerIndexPtr();
    const Scalar* x = input.valuePtr();
    for_each_block_range(input.cols(), input.outerIndexPtr(), row, this->inputs(), k * Index(sizeof(Weight)),
                         [&](Index j, int begin, int end, bool first) {
                           Scalar* z = output.col(j).data();
                           gather_axpy(z, first ? base : z, V, k, k, begin, end, [row](int p) { return row[p]; },
                                       [x](int p) { return x[p]; });
                         });
  }
};

}  // namespace autorec

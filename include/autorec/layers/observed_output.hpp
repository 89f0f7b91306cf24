#pragma once
// The last layer of an AutoRec network: Dense in its observed-output role, O = W H + b 1^T
// (W: d x k, b: d, H: k x B) evaluated only at the observed entries of a d x B pattern, so
// the d x B output is never formed. W is row-major, so the weights of one output (row u of W)
// are a contiguous k-vector, the one each observed entry (u, j) reads.
//
// Values at the pattern's entries are kept in its storage order: values[p] belongs to the
// p-th stored entry of `pattern` (SparseBatch::by_column).

#include <stdexcept>

#include "autorec/kernels/gather_axpy.hpp"
#include "autorec/kernels/gather_dot.hpp"
#include "autorec/layers/dense_weights.hpp"
#include "autorec/layers/layer.hpp"

namespace autorec {

template <typename Scalar>
class ObservedOutputDense : public DenseWeights<Scalar, Eigen::RowMajor> {
  using Weights = DenseWeights<Scalar, Eigen::RowMajor>;

 public:
  using Weights::Weights;

  /// The whole O (d x B) for a dense H (the reference path, and full reconstructions).
  template <typename Derived>
  void forward(const Scalar* theta, const Eigen::MatrixBase<Derived>& input, Matrix<Scalar>& output) const {
    this->forward_dense(theta, input, output);
  }

  /// values[p] = W(u, :) H(:, j) + b(u) for the p-th stored entry (u, j) of `pattern`.
  /// Cost O(nnz(pattern) k).
  void forward_at(const Scalar* theta, const Eigen::Ref<const Matrix<Scalar>>& input,
                  const SparseColumns<Scalar>& pattern, Vector<Scalar>& values) const {
    require_pattern(input, pattern, "forward_at");
    values.resize(pattern.nonZeros());
    const auto W = this->weights(theta);
    const auto b = this->bias(theta);
    const int* outer = pattern.outerIndexPtr();
    const int* row = pattern.innerIndexPtr();
    const Index k = this->inputs();
    const auto index = [row](int p) { return row[p]; };
    AUTOREC_PARALLEL_FOR
    for (Index j = 0; j < pattern.cols(); ++j) {
      gather_dot(values.data(), W.data(), k, k, input.col(j).data(), outer[j], outer[j + 1], index);
      for (int p = outer[j]; p < outer[j + 1]; ++p) values[p] += b(row[p]);
    }
  }

  /// The forward pass at the pattern's entries fused with the backward pass, so each row of W
  /// is read once, from cache, for both. For each column j and each run [begin, end) of its
  /// entries (one cache block of rows of W):
  ///   values[p] = W(u, :) H(:, j) + b(u)                    for p in [begin, end)
  ///   to_gradient(j, begin, end, values.data())              turns them into dL/dO in place
  ///   dH(:, j) += sum over p of values[p] W(u, :)^T          (dH: k x B, dH = W^T dO)
  /// `to_gradient` is where the output activation and the loss act; it runs in parallel for
  /// different columns. One thread per column j. Cost O(nnz(pattern) k). The weight and bias
  /// gradients follow from accumulate_gradient_at().
  /// `weights`, when given, is W rounded to bfloat16 (the same d x k layout): both products
  /// read it instead of W, and still add in Scalar.
  template <typename ToGradient>
  void forward_backward_at(const Scalar* theta, const Eigen::Ref<const Matrix<Scalar>>& input,
                           const SparseColumns<Scalar>& pattern, ToGradient&& to_gradient, Vector<Scalar>& values,
                           Matrix<Scalar>& input_gradient, const Bf16* weights = nullptr) const {
    if (weights)
      forward_backward_with(weights, theta, input, pattern, to_gradient, values, input_gradient);
    else
      forward_backward_with(this->weights(theta).data(), theta, input, pattern, to_gradient, values, input_gradient);
  }

  /// dX = W^T dO for a dense dO (the reference path).
  template <typename GradDerived>
  void backward(const Scalar* theta, const Eigen::MatrixBase<GradDerived>& output_gradient,
                Matrix<Scalar>& input_gradient) const {
    this->backward_dense(theta, output_gradient, input_gradient);
  }

  /// dW += dO H^T and db += dO 1 for a dO that is nonzero only on `pattern`'s entries, given
  /// as `output_gradient` in by_column storage order (as forward_backward_at leaves it):
  ///   dW(u, :) += sum over (u, j) of dO(u, j) H(:, j)^T;   db(u) += sum over (u, j) of dO(u, j)
  /// One thread per row u, reading the values through column_position. Cost O(nnz k).
  void accumulate_gradient_at(Scalar* gradient, const Eigen::Ref<const Matrix<Scalar>>& input,
                              const SparseBatch<Scalar>& pattern, const Vector<Scalar>& output_gradient) const {
    require_pattern(input, pattern.by_column, "accumulate_gradient_at");
    if (output_gradient.size() != pattern.nonZeros())
      throw std::invalid_argument("Dense: accumulate_gradient_at needs one gradient value per pattern entry");
    const Index k = this->inputs();
    Scalar* dW = gradient;
    auto db = this->bias(gradient);
    const auto& by_row = pattern.by_row;
    const int* col = by_row.innerIndexPtr();
    const int* position = pattern.column_position.data();
    const Scalar* g = output_gradient.data();
    for_each_block_range(by_row.rows(), by_row.outerIndexPtr(), col, by_row.cols(), k * Index(sizeof(Scalar)),
                         [&](Index u, int begin, int end, bool) {
                           gather_axpy(dW + u * k, dW + u * k, input.data(), input.outerStride(), k, begin, end,
                                       [col](int q) { return col[q]; }, [g, position](int q) { return g[position[q]]; });
                           Scalar bias_sum = 0;
                           for (int q = begin; q < end; ++q) bias_sum += g[position[q]];
                           db(u) += bias_sum;
                         });
  }
  /// dW += dO H^T and db += dO 1 for a dense dO (the reference path).
  template <typename InputDerived, typename GradDerived>
  void accumulate_gradient(Scalar* gradient, const Eigen::MatrixBase<InputDerived>& input,
                           const Eigen::MatrixBase<GradDerived>& output_gradient) const {
    this->accumulate_dense(gradient, input, output_gradient);
  }

 private:
  template <typename Weight, typename ToGradient>
  void forward_backward_with(const Weight* W, const Scalar* theta, const Eigen::Ref<const Matrix<Scalar>>& input,
                             const SparseColumns<Scalar>& pattern, ToGradient&& to_gradient, Vector<Scalar>& values,
                             Matrix<Scalar>& input_gradient) const {
    require_pattern(input, pattern, "forward_backward_at");
    const Index k = this->inputs();
    values.resize(pattern.nonZeros());
    input_gradient.resize(k, input.cols());
    const auto b = this->bias(theta);
    const int* row = pattern.innerIndexPtr();
    Scalar* g = values.data();
    for_each_block_range(pattern.cols(), pattern.outerIndexPtr(), row, this->outputs(), k * Index(sizeof(Weight)),
                         [&](Index j, int begin, int end, bool first) {
                           gather_dot(g, W, k, k, input.col(j).data(), begin, end,
                                      [row](int p) { return row[p]; });
                           for (int p = begin; p < end; ++p) g[p] += b(row[p]);
                           if (end > begin) to_gradient(j, begin, end, g);
                           Scalar* dx = input_gradient.col(j).data();
                           gather_axpy(dx, first ? static_cast<const Scalar*>(nullptr) : dx, W, k, k, begin,
                                       end, [row](int p) { return row[p]; }, [g](int p) { return g[p]; });
                         });
  }

  template <typename Derived>
  void require_pattern(const Eigen::MatrixBase<Derived>& input, const SparseColumns<Scalar>& pattern,
                       const char* what) const {
    this->require_rows(input.rows(), this->inputs(), what);
    this->require_rows(pattern.rows(), this->outputs(), what);
    this->require_cols(pattern.cols(), input.cols(), what);
    this->require_compressed(pattern, what);
  }
};

}  // namespace autorec

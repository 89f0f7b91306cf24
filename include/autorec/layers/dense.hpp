#pragma once
// Dense (fully connected) layer: Y = W X + b 1^T.
//   W: out x in, b: out, X: in x B, Y: out x B (one sample per column).
// The layer owns no parameters: it views a slice [W | b] of the model's flat parameter
// buffer and the same slice of the flat gradient buffer (bind()), so an optimizer sees the
// whole model as one vector.

#include <stdexcept>
#include <string>

#include "autorec/layers/gather_axpy.hpp"
#include "autorec/parallel.hpp"
#include "autorec/types.hpp"

namespace autorec {

/// `WeightLayout` is the storage order of W inside the flat buffer. Column-major makes a
/// column of W (the weights of one input) contiguous, which the sparse-input products want;
/// row-major makes a row (the weights of one output) contiguous, which evaluating the layer
/// at observed output entries wants.
template <typename Scalar, int WeightLayout = Eigen::ColMajor>
class Dense {
 public:
  using WeightMatrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, WeightLayout>;

  Dense(Index inputs, Index outputs) : inputs_(inputs), outputs_(outputs) {
    if (inputs <= 0 || outputs <= 0)
      throw std::invalid_argument("Dense: inputs and outputs must be positive, got " +
                                  std::to_string(inputs) + " and " + std::to_string(outputs));
  }

  Index inputs() const { return inputs_; }
  Index outputs() const { return outputs_; }
  /// Size of the [W | b] slice: out * in + out.
  Index parameter_count() const { return outputs_ * inputs_ + outputs_; }

  /// Views `parameters` and `gradients`, each holding parameter_count() scalars laid out as
  /// W (out x in, in WeightLayout order) followed by b.
  void bind(Scalar* parameters, Scalar* gradients) {
    parameters_ = parameters;
    gradients_ = gradients;
  }

  Eigen::Map<WeightMatrix> weights() { return {parameters_, outputs_, inputs_}; }
  Eigen::Map<const WeightMatrix> weights() const { return {parameters_, outputs_, inputs_}; }
  Eigen::Map<Vector<Scalar>> bias() { return {parameters_ + outputs_ * inputs_, outputs_}; }
  Eigen::Map<const Vector<Scalar>> bias() const {
    return {parameters_ + outputs_ * inputs_, outputs_};
  }
  Eigen::Map<WeightMatrix> weight_gradient() { return {gradients_, outputs_, inputs_}; }
  Eigen::Map<Vector<Scalar>> bias_gradient() { return {gradients_ + outputs_ * inputs_, outputs_}; }

  // ---- forward --------------------------------------------------------------------------

  /// Y = W X + b 1^T for a dense X (in x B).
  template <typename Derived>
  void forward(const Eigen::MatrixBase<Derived>& input, Matrix<Scalar>& output) const {
    require_rows(input.rows(), inputs_, "forward input");
    output.noalias() = weights() * input;
    output.colwise() += bias();
  }

  /// Y = W X + b 1^T for a sparse X, never densifying it: column j of Y is
  /// b + sum over the nonzeros X(u, j) of X(u, j) W(:, u). Cost O(nnz(X) out).
  void forward(const SparseColumns<Scalar>& input, Matrix<Scalar>& output) const {
    static_assert(WeightLayout == Eigen::ColMajor, "a sparse input needs column-major weights");
    require_rows(input.rows(), inputs_, "forward input");
    require_compressed(input, "forward input");
    output.resize(outputs_, input.cols());
    const int* row = input.innerIndexPtr();
    const Scalar* x = input.valuePtr();
    const Scalar* W = weights().data();
    const Scalar* b = bias().data();
    for_each_block_range(input.cols(), input.outerIndexPtr(), row, inputs_, inner_per_block<Scalar>(outputs_),
                         [&](Index j, int begin, int end, bool first) {
                           Scalar* y = output.col(j).data();
                           gather_axpy(y, first ? b : y, W, outputs_, outputs_, begin, end,
                                       [row](int p) { return row[p]; }, [x](int p) { return x[p]; });
                         });
  }

  /// Evaluates Y only at the stored entries of `pattern` (out x B): for each (u, j) there,
  /// values[p] = W(u, :) X(:, j) + b(u), p the entry's position in `pattern`'s storage.
  /// Cost O(nnz(pattern) in).
  template <typename Derived>
  void forward_at(const Eigen::MatrixBase<Derived>& input, const SparseColumns<Scalar>& pattern,
                  Vector<Scalar>& values) const {
    static_assert(WeightLayout == Eigen::RowMajor, "evaluating at sparse outputs needs row-major weights");
    require_pattern(input, pattern, "forward_at");
    values.resize(pattern.nonZeros());
    const auto W = weights();
    const auto b = bias();
    const int* outer = pattern.outerIndexPtr();
    const int* row = pattern.innerIndexPtr();
    AUTOREC_PARALLEL_FOR
    for (Index j = 0; j < pattern.cols(); ++j) {
      const auto x = input.col(j);
      for (int p = outer[j]; p < outer[j + 1]; ++p) values[p] = W.row(row[p]).dot(x) + b(row[p]);
    }
  }

  /// The forward pass at the stored entries of `pattern` fused with the backward pass of an
  /// elementwise loss on them, so each row of W is read once for both. For each (u, j):
  ///   y = W(u, :) X(:, j) + b(u);  g = dL/dY(u, j) = output_gradient_of(p, y);
  ///   output_gradient[p] = g;  dX(:, j) += g W(u, :)^T       (dX: in x B, dX = W^T dY)
  /// with p the entry's storage position. One thread per column j. Cost O(nnz(pattern) in).
  /// The weight and bias gradients follow from accumulate_gradient_at().
  template <typename OutputGradientOf>
  void forward_backward_at(const Eigen::Ref<const Matrix<Scalar>>& input, const SparseColumns<Scalar>& pattern,
                           OutputGradientOf&& output_gradient_of, Vector<Scalar>& output_gradient,
                           Matrix<Scalar>& input_gradient) const {
    static_assert(WeightLayout == Eigen::RowMajor, "evaluating at sparse outputs needs row-major weights");
    require_pattern(input, pattern, "forward_backward_at");
    output_gradient.resize(pattern.nonZeros());
    input_gradient.resize(inputs_, input.cols());
    const auto W = weights();
    const auto b = bias();
    const int* row = pattern.innerIndexPtr();
    Scalar* g = output_gradient.data();
    for_each_block_range(pattern.cols(), pattern.outerIndexPtr(), row, outputs_, inner_per_block<Scalar>(inputs_),
                         [&](Index j, int begin, int end, bool first) {
                           const auto x = input.col(j);
                           for (int p = begin; p < end; ++p)
                             g[p] = output_gradient_of(Index(p), W.row(row[p]).dot(x) + b(row[p]));
                           Scalar* dx = input_gradient.col(j).data();
                           gather_axpy(dx, first ? static_cast<const Scalar*>(nullptr) : dx, W.data(), inputs_,
                                       inputs_, begin, end, [row](int p) { return row[p]; },
                                       [g](int p) { return g[p]; });
                         });
  }

  // ---- backward -------------------------------------------------------------------------
  // With Y = W X + b 1^T and dY = dL/dY (out x B):
  //   dX = W^T dY        in x B
  //   dW += dY X^T       out x in
  //   db += dY 1         out

  /// dX = W^T dY, and accumulates dW and db, for dense X and dY.
  template <typename InputDerived, typename GradDerived>
  void backward(const Eigen::MatrixBase<InputDerived>& input,
                const Eigen::MatrixBase<GradDerived>& output_gradient,
                Matrix<Scalar>& input_gradient) {
    require_rows(output_gradient.rows(), outputs_, "backward output gradient");
    input_gradient.noalias() = weights().transpose() * output_gradient;
    accumulate_gradient(input, output_gradient);
  }

  /// dW += dY X^T and db += dY 1 for dense X; no dX (the first layer does not need it).
  template <typename InputDerived, typename GradDerived>
  void accumulate_gradient(const Eigen::MatrixBase<InputDerived>& input,
                           const Eigen::MatrixBase<GradDerived>& output_gradient) {
    require_rows(input.rows(), inputs_, "gradient input");
    require_cols(output_gradient.cols(), input.cols(), "gradient output gradient");
    weight_gradient().noalias() += output_gradient * input.transpose();
    bias_gradient().noalias() += output_gradient.rowwise().sum();
  }

  /// dW += dY X^T and db += dY 1 for a sparse X given by rows: column u of dW gains
  /// sum over the nonzeros X(u, j) of X(u, j) dY(:, j). Each thread owns whole columns of
  /// dW, so no atomics. Cost O(nnz(X) out).
  void accumulate_gradient(const SparseRows<Scalar>& input, const Eigen::Ref<const Matrix<Scalar>>& output_gradient) {
    static_assert(WeightLayout == Eigen::ColMajor, "a sparse input needs column-major weights");
    require_rows(input.rows(), inputs_, "gradient input");
    require_rows(output_gradient.rows(), outputs_, "gradient output gradient");
    require_cols(output_gradient.cols(), input.cols(), "gradient output gradient");
    require_compressed(input, "gradient input");
    Scalar* dW = weight_gradient().data();
    const int* col = input.innerIndexPtr();
    const Scalar* x = input.valuePtr();
    for_each_block_range(input.rows(), input.outerIndexPtr(), col, input.cols(), inner_per_block<Scalar>(outputs_),
                         [&](Index u, int begin, int end, bool) {
                           gather_axpy(dW + u * outputs_, dW + u * outputs_, output_gradient.data(),
                                       output_gradient.outerStride(), outputs_, begin, end,
                                       [col](int q) { return col[q]; }, [x](int q) { return x[q]; });
                         });
    bias_gradient().noalias() += output_gradient.rowwise().sum();
  }

  /// dW += dY X^T and db += dY 1 for a dY that is nonzero only on `pattern`'s entries, given
  /// as `output_gradient` in by_column storage order (as forward_backward_at writes it):
  ///   dW(u, :) += sum over (u, j) of dY(u, j) X(:, j)^T;   db(u) += sum over (u, j) of dY(u, j)
  /// One thread per row u, reading the values through column_position. Cost O(nnz in).
  void accumulate_gradient_at(const Eigen::Ref<const Matrix<Scalar>>& input, const SparseBatch<Scalar>& pattern,
                              const Vector<Scalar>& output_gradient) {
    static_assert(WeightLayout == Eigen::RowMajor, "evaluating at sparse outputs needs row-major weights");
    require_pattern(input, pattern.by_column, "accumulate_gradient_at");
    if (output_gradient.size() != pattern.nonZeros())
      throw std::invalid_argument("Dense: accumulate_gradient_at needs one gradient value per pattern entry");
    Scalar* dW = weight_gradient().data();
    auto db = bias_gradient();
    const auto& by_row = pattern.by_row;
    const int* col = by_row.innerIndexPtr();
    const int* position = pattern.column_position.data();
    const Scalar* g = output_gradient.data();
    for_each_block_range(by_row.rows(), by_row.outerIndexPtr(), col, by_row.cols(), inner_per_block<Scalar>(inputs_),
                         [&](Index u, int begin, int end, bool) {
                           gather_axpy(dW + u * inputs_, dW + u * inputs_, input.data(), input.outerStride(), inputs_,
                                       begin, end, [col](int q) { return col[q]; },
                                       [g, position](int q) { return g[position[q]]; });
                           Scalar bias_sum = 0;
                           for (int q = begin; q < end; ++q) bias_sum += g[position[q]];
                           db(u) += bias_sum;
                         });
  }

 private:
  template <typename Derived>
  void require_pattern(const Eigen::MatrixBase<Derived>& input, const SparseColumns<Scalar>& pattern,
                       const char* what) const {
    require_rows(input.rows(), inputs_, what);
    require_rows(pattern.rows(), outputs_, what);
    require_cols(pattern.cols(), input.cols(), what);
    require_compressed(pattern, what);
  }
  template <typename Sparse>
  static void require_compressed(const Sparse& matrix, const char* what) {
    if (!matrix.isCompressed())
      throw std::invalid_argument(std::string("Dense: ") + what + " must be in compressed storage");
  }

  static void require_rows(Index got, Index expected, const char* what) {
    if (got != expected)
      throw std::invalid_argument(std::string("Dense: ") + what + " has " + std::to_string(got) +
                                  " rows, expected " + std::to_string(expected));
  }
  static void require_cols(Index got, Index expected, const char* what) {
    if (got != expected)
      throw std::invalid_argument(std::string("Dense: ") + what + " has " + std::to_string(got) +
                                  " columns, expected " + std::to_string(expected));
  }

  Index inputs_;
  Index outputs_;
  Scalar* parameters_ = nullptr;
  Scalar* gradients_ = nullptr;
};

}  // namespace autorec

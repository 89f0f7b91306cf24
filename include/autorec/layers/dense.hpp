#pragma once
// Dense (fully connected) layer: Y = W X + b 1^T.
//   W: out x in, b: out, X: in x B, Y: out x B (one sample per column).
// The layer owns no parameters: it views a slice [W | b] of the model's flat parameter
// buffer and the same slice of the flat gradient buffer (bind()), so an optimizer sees the
// whole model as one vector.

#include <stdexcept>
#include <string>

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
    require_rows(input.rows(), inputs_, "forward input");
    output.resize(outputs_, input.cols());
    const auto W = weights();
    const auto b = bias();
    AUTOREC_PARALLEL_FOR
    for (Index j = 0; j < input.cols(); ++j) {
      auto y = output.col(j);
      y = b;
      for (typename SparseColumns<Scalar>::InnerIterator it(input, j); it; ++it)
        y.noalias() += it.value() * W.col(it.index());
    }
  }

  /// Evaluates Y only on the nonzero pattern of `pattern` (out x B): for each (u, j) there,
  /// Y(u, j) = W(u, :) X(:, j) + b(u), written to `output` in `pattern`'s storage order
  /// (`output` takes the pattern and gets these values). Cost O(nnz(pattern) in).
  template <typename Derived>
  void forward_at(const Eigen::MatrixBase<Derived>& input, const SparseColumns<Scalar>& pattern,
                  SparseColumns<Scalar>& output) const {
    require_rows(input.rows(), inputs_, "forward_at input");
    require_rows(pattern.rows(), outputs_, "forward_at pattern");
    require_cols(pattern.cols(), input.cols(), "forward_at pattern");
    if (&output != &pattern) output = pattern;
    const auto W = weights();
    const auto b = bias();
    const int* outer = output.outerIndexPtr();
    const int* row = output.innerIndexPtr();
    Scalar* value = output.valuePtr();
    AUTOREC_PARALLEL_FOR
    for (Index j = 0; j < output.cols(); ++j) {
      const auto x = input.col(j);
      for (int p = outer[j]; p < outer[j + 1]; ++p) value[p] = W.row(row[p]).dot(x) + b(row[p]);
    }
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
  template <typename GradDerived>
  void accumulate_gradient(const SparseRows<Scalar>& input,
                           const Eigen::MatrixBase<GradDerived>& output_gradient) {
    require_rows(input.rows(), inputs_, "gradient input");
    require_cols(output_gradient.cols(), input.cols(), "gradient output gradient");
    auto dW = weight_gradient();
    AUTOREC_PARALLEL_FOR
    for (Index u = 0; u < input.rows(); ++u) {
      auto g = dW.col(u);
      for (typename SparseRows<Scalar>::InnerIterator it(input, u); it; ++it)
        g.noalias() += it.value() * output_gradient.col(it.index());
    }
    bias_gradient().noalias() += output_gradient.rowwise().sum();
  }

  /// Backward pass for a dY that is nonzero only on a sparse pattern (the observed entries):
  ///   dX(:, j) = sum over (u, j) in the pattern of dY(u, j) W(u, :)^T   (loop over columns)
  ///   dW(u, :) += sum over (u, j) of dY(u, j) X(:, j)^T                 (loop over rows)
  ///   db(u)    += sum over (u, j) of dY(u, j)
  /// Cost O(nnz(dY) in); X is dense (in x B).
  template <typename InputDerived>
  void backward(const Eigen::MatrixBase<InputDerived>& input,
                const SparseBatch<Scalar>& output_gradient, Matrix<Scalar>& input_gradient) {
    require_rows(input.rows(), inputs_, "backward input");
    require_rows(output_gradient.rows(), outputs_, "backward output gradient");
    require_cols(output_gradient.cols(), input.cols(), "backward output gradient");
    const auto W = weights();
    const auto& by_column = output_gradient.by_column;
    input_gradient.resize(inputs_, input.cols());
    AUTOREC_PARALLEL_FOR
    for (Index j = 0; j < by_column.cols(); ++j) {
      auto dx = input_gradient.col(j);
      dx.setZero();
      for (typename SparseColumns<Scalar>::InnerIterator it(by_column, j); it; ++it)
        dx.noalias() += it.value() * W.row(it.index()).transpose();
    }
    auto dW = weight_gradient();
    auto db = bias_gradient();
    const auto& by_row = output_gradient.by_row;
    AUTOREC_PARALLEL_FOR
    for (Index u = 0; u < by_row.rows(); ++u) {
      auto g = dW.row(u);
      Scalar bias_sum = 0;
      for (typename SparseRows<Scalar>::InnerIterator it(by_row, u); it; ++it) {
        g.noalias() += it.value() * input.col(it.index()).transpose();
        bias_sum += it.value();
      }
      db(u) += bias_sum;
    }
  }

 private:
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

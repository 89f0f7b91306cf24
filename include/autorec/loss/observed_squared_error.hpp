#pragma once
// AutoRec's output loss: the squared error summed over the observed entries,
//   L = sum over observed (u, j) of (f(O(u, j)) - X(u, j))^2
// with O = W H + b 1^T evaluated at the observed entries only, fused with its backward pass
// (ObservedOutputDense::forward_backward_at), so one training pass is O(nnz kn).

#include <memory>
#include <string>
#include <vector>

#include "autorec/loss/output_loss.hpp"
#include "autorec/loss/squared_error.hpp"

namespace autorec {

template <typename Scalar>
class ObservedSquaredError : public OutputLoss<Scalar> {
 public:
  std::string name() const override { return "squared-error"; }

  // Per run of entries, the pre-activations o become a = f(o), the loss adds (a - x)^2, and o
  // becomes dL/do = f'(o) 2 (a - x). Per-column sums, added in column order, keep L the same
  // for any thread count.
  Scalar loss_and_backward(const ObservedOutputDense<Scalar>& layer, const ActivationLayer<Scalar>& activation,
                           const Scalar* theta, Scalar* gradient, const Matrix<Scalar>& code,
                           const SparseBatch<Scalar>& targets, Matrix<Scalar>& code_gradient,
                           const Bf16* weights_bf16) override {
    using Array = Eigen::Array<Scalar, Eigen::Dynamic, 1>;
    const SparseColumns<Scalar>& ratings = targets.by_column;
    const Scalar* target = ratings.valuePtr();
    column_loss_.assign(std::size_t(ratings.cols()), 0.0);
    layer.forward_backward_at(
        theta, code, ratings,
        [&](Index j, int begin, int end, Scalar* values) {
          const Index n = end - begin;
          thread_local std::vector<Scalar> scratch;  // grows to the longest run, then stays
          if (scratch.size() < std::size_t(2 * n)) scratch.resize(std::size_t(2 * n));
          Eigen::Map<Array> pre(scratch.data(), n), activated(scratch.data() + n, n);
          pre = Eigen::Map<const Array>(values + begin, n);
          activation.forward_values(pre.data(), activated.data(), n);
          const Eigen::Map<const Array> x(target + begin, n);
          column_loss_[std::size_t(j)] += SquaredError::value(activated, x).template cast<double>().sum();
          Eigen::Map<Array> slope(values + begin, n);
          slope = SquaredError::derivative(activated, x);
          activation.backward_values(pre.data(), activated.data(), slope.data(), slope.data(), n);
        },
        output_gradient_, code_gradient, weights_bf16);
    layer.accumulate_gradient_at(gradient, code, targets, output_gradient_);
    double loss = 0;
    for (double column : column_loss_) loss += column;
    return static_cast<Scalar>(loss);
  }

  std::unique_ptr<OutputLoss<Scalar>> clone() const override { return std::make_unique<ObservedSquaredError>(*this); }

 private:
  Vector<Scalar> output_gradient_;  // dL/dO at the observed entries
  std::vector<double> column_loss_;
};

}  // namespace autorec

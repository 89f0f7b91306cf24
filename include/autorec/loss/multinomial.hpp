#pragma once
// The multinomial log-likelihood of Mult-DAE and Mult-VAE (Liang et al., WWW 2018): each
// sample's observed entries are draws from a softmax over all d outputs,
//   pi(:, j) = softmax(O(:, j)),   L = - sum over observed (u, j) of log pi(u, j)
//   dL/dO(:, j) = n_j pi(:, j) - x(:, j)
// with O = W H + b 1^T formed in full (d x B), x(:, j) the 0/1 indicator of column j's
// observed entries and n_j their number: every observed entry counts once, whatever its
// stored value (a normalised input, say). Then dW += dO H^T, db += dO 1, dH = W^T dO: three
// GEMMs of d x kn x B. log-sum-exp is taken after subtracting the column maximum, so large
// logits do not overflow. The output activation must be the identity: scores are the logits,
// which rank as pi does.

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/loss/output_loss.hpp"
#include "autorec/parallel.hpp"

namespace autorec {

template <typename Scalar>
class Multinomial : public OutputLoss<Scalar> {
 public:
  std::string name() const override { return "multinomial"; }
  bool reads_activation() const override { return false; }

  Scalar loss_and_backward(const ObservedOutputDense<Scalar>& layer, const ActivationLayer<Scalar>& activation,
                           const Scalar* theta, Scalar* gradient, const Matrix<Scalar>& code,
                           const SparseBatch<Scalar>& targets, Matrix<Scalar>& code_gradient,
                           const Bf16* /*weights_bf16*/) override {
    if (activation.spec().kind != "identity")
      throw std::invalid_argument("multinomial loss: the output activation must be identity, got " +
                                  activation.spec().kind);
    const SparseColumns<Scalar>& x = targets.by_column;
    if (x.rows() != layer.outputs() || x.cols() != code.cols())
      throw std::invalid_argument("multinomial loss: the targets are " + std::to_string(x.rows()) + " x " +
                                  std::to_string(x.cols()) + ", the outputs " + std::to_string(layer.outputs()) +
                                  " x " + std::to_string(code.cols()));
    layer.forward(theta, code, logits_);  // O (d x B), then dO in place
    column_loss_.assign(std::size_t(x.cols()), 0.0);
    AUTOREC_PARALLEL_FOR
    for (Index j = 0; j < x.cols(); ++j) column_loss_[std::size_t(j)] = column_backward(x, j);
    layer.accumulate_gradient(gradient, code, logits_);
    layer.backward(theta, logits_, code_gradient);
    double loss = 0;
    for (double column : column_loss_) loss += column;
    return static_cast<Scalar>(loss);
  }

  std::unique_ptr<OutputLoss<Scalar>> clone() const override { return std::make_unique<Multinomial>(*this); }

 private:
  // Column j of logits_ becomes dL/dO(:, j); returns its loss.
  double column_backward(const SparseColumns<Scalar>& x, Index j) {
    auto o = logits_.col(j);
    const Index n = x.outerIndexPtr()[j + 1] - x.outerIndexPtr()[j];
    const double top = double(o.maxCoeff());
    double sum = 0;
    for (Index u = 0; u < o.size(); ++u) sum += std::exp(double(o(u)) - top);
    const double log_normaliser = top + std::log(sum);
    double loss = 0;
    for (typename SparseColumns<Scalar>::InnerIterator it(x, j); it; ++it)
      loss += log_normaliser - double(o(it.row()));
    for (Index u = 0; u < o.size(); ++u) o(u) = Scalar(double(n) * std::exp(double(o(u)) - log_normaliser));
    for (typename SparseColumns<Scalar>::InnerIterator it(x, j); it; ++it) o(it.row()) -= Scalar(1);
    return loss;
  }

  Matrix<Scalar> logits_;
  std::vector<double> column_loss_;
};

}  // namespace autorec

#pragma once
// The decode step of a network over user vectors (serve/decoder.hpp): U-AutoRec, Mult-DAE and
// Mult-VAE (whose Gaussian layer gives its mean when predicting). On construction every
// training user is encoded once: C = code(X), kn x |users|. Then
//   s(u, i) = f(W(i, :) C(:, u) + b(i))     all items: f(W C(:, u) + b)  (|items| x kn GEMV)
// and a new user is one more input column x: their code is code(x), one encoding.

#include <string>
#include <utility>
#include <vector>

#include "autorec/serve/decoder.hpp"

namespace autorec {

template <typename Scalar>
class UserLayoutDecoder final : public Decoder<Scalar> {
 public:
  /// `training`: the user columns the network was trained on (items x users).
  UserLayoutDecoder(Network<Scalar> network, const SparseColumns<Scalar>& training) : network_(std::move(network)) {
    network_.encode(training, codes_);
  }

  std::string describe() const override { return network_.architecture().describe(); }
  const Network<Scalar>* network() const override { return &network_; }

  Scalar score(const SparseColumns<Scalar>&, int user, int item) const override {
    Scalar value = network_.output_weights().row(item).dot(codes_.col(user)) + network_.output_bias()(item);
    network_.output_activation().forward_values(&value, &value, 1);
    return value;
  }

  void scores(const SparseColumns<Scalar>&, const int* users, Index count, Matrix<Scalar>& out) const override {
    Matrix<Scalar> codes(codes_.rows(), count);
    for (Index j = 0; j < count; ++j) codes.col(j) = codes_.col(users[j]);
    out.noalias() = network_.output_weights() * codes;
    out.colwise() += network_.output_bias();
    network_.output_activation().forward_values(out.data(), out.data(), out.size());
  }

  FoldedFit<Scalar> fold_in(const SparseColumns<Scalar>& training, const std::vector<int>& items,
                            const Vector<Scalar>& values, const FoldInOptions&) const override {
    SparseColumns<Scalar> column(training.rows(), 1);
    column.reserve(Eigen::VectorXi::Constant(1, int(items.size())));
    for (std::size_t j = 0; j < items.size(); ++j) column.insert(items[j], 0) = values(Index(j));
    column.makeCompressed();
    Matrix<Scalar> code;
    network_.encode(column, code);
    FoldedFit<Scalar> fit;
    fit.code = code.col(0);
    return fit;
  }

  void scores(const FoldedFit<Scalar>& fit, const std::vector<int>&, Vector<Scalar>& out) const override {
    out.noalias() = network_.output_weights() * fit.code;
    out += network_.output_bias();
    network_.output_activation().forward_values(out.data(), out.data(), out.size());
  }

 private:
  Network<Scalar> network_;
  Matrix<Scalar> codes_;  // kn x |users|
};

}  // namespace autorec

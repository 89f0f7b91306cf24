#pragma once
// I-AutoRec's decode step (serve/decoder.hpp). The network encodes item vectors (one input
// per user); on construction every training item is encoded once: C = code(X), kn x |items|.
// Known user u (a decoder row w_u = W(u, :), bias b_u):
//   s(u, i) = f(w_u C(:, i) + b_u)         all items: f(C^T w_u^T + b_u)  (|items| x kn GEMV)
// A new user is a new input unit: (w, c), and with fit_encoder v, fitted to their values
// (serve/fold_in.hpp); the items they rated move to their updated codes H:
//   s(i) = f(C(:, i)^T w + c), and f(H(:, j)^T w + c) for the j-th rated item.

#include <string>
#include <utility>
#include <vector>

#include "autorec/data/rating_matrix.hpp"
#include "autorec/serve/decoder.hpp"

namespace autorec {

template <typename Scalar>
class ItemLayoutDecoder final : public Decoder<Scalar> {
 public:
  /// `training`: the item columns the network was trained on (users x items).
  ItemLayoutDecoder(Network<Scalar> network, const SparseColumns<Scalar>& training) : network_(std::move(network)) {
    network_.encode(training, codes_);
  }

  std::string describe() const override { return network_.architecture().describe(); }
  const Network<Scalar>* network() const override { return &network_; }

  Scalar score(const SparseColumns<Scalar>&, int user, int item) const override {
    Scalar value = network_.output_weights().row(user).dot(codes_.col(item)) + network_.output_bias()(user);
    network_.output_activation().forward_values(&value, &value, 1);
    return value;
  }

  void scores(const SparseColumns<Scalar>&, const int* users, Index count, Matrix<Scalar>& out) const override {
    const auto W = network_.output_weights();
    Matrix<Scalar> rows(W.cols(), count);  // the users' decoder rows, as columns
    for (Index j = 0; j < count; ++j) rows.col(j) = W.row(users[j]).transpose();
    out.noalias() = codes_.transpose() * rows;
    for (Index j = 0; j < count; ++j) out.col(j).array() += network_.output_bias()(users[j]);
    network_.output_activation().forward_values(out.data(), out.data(), out.size());
  }

  FoldedFit<Scalar> fold_in(const SparseColumns<Scalar>& training, const std::vector<int>& items,
                            const Vector<Scalar>& values, const FoldInOptions& options) const override {
    Matrix<Scalar> rated_codes(codes_.rows(), Index(items.size()));
    for (std::size_t j = 0; j < items.size(); ++j) rated_codes.col(Index(j)) = codes_.col(items[j]);
    FoldedFit<Scalar> fit;
    detail::fit_new_input(
        network_, std::move(rated_codes), values,
        [&](Matrix<Scalar>& first) { network_.first_layer(gather_columns(training, items), first); }, options, fit);
    return fit;
  }

  void scores(const FoldedFit<Scalar>& fit, const std::vector<int>& items, Vector<Scalar>& out) const override {
    out.noalias() = codes_.transpose() * fit.weights;
    for (std::size_t j = 0; j < items.size(); ++j) out(items[j]) = fit.rated_codes.col(Index(j)).dot(fit.weights);
    out.array() += fit.bias;
    network_.output_activation().forward_values(out.data(), out.data(), out.size());
  }

 private:
  Network<Scalar> network_;
  Matrix<Scalar> codes_;  // kn x |items|
};

}  // namespace autorec

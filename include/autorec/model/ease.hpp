#pragma once
// EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019): an item-item
// autoencoder with a closed-form solution. With X the binary users x items training matrix
// (n items) and lambda > 0:
//   G = X^T X (n x n)          P = (G + lambda I)^-1 (a Cholesky factorisation, in double)
//   B = I - P diag(1 / diag(P)),   so  B_ij = -P_ij / P_jj  for i != j  and  B_jj = 0
// and a user with item row x (1 x n) scores x B: the sum of B's rows of the user's items.
// Fitting holds G, P and B: about (16 + sizeof(Scalar)) n^2 bytes, and O(sum of squared
// user lengths + n^3) time; a catalogue that does not fit in memory is refused up front.

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "autorec/data/item_sets.hpp"
#include "autorec/io/peak_memory.hpp"
#include "autorec/parallel.hpp"
#include "autorec/types.hpp"

namespace autorec {

template <typename Scalar = float>
class Ease {
 public:
  /// Bytes a fit of `items` items holds at its peak: G and P in double, and B; a search over
  /// lambda also keeps G for the next fit and the best B so far.
  static double fit_bytes(int items, bool search = false) {
    return double(items) * double(items) * (16.0 + sizeof(Scalar) + (search ? 8.0 + sizeof(Scalar) : 0.0));
  }

  /// Throws, naming the memory needed, when fitting `items` items would not fit in
  /// `available` bytes (<= 0: unknown, no check).
  static void check_memory(int items, double available = available_memory_bytes(), bool search = false) {
    const double needed = fit_bytes(items, search);
    if (available > 0 && needed > available)
      throw std::runtime_error("EASE on " + std::to_string(items) + " items needs about " +
                               std::to_string(needed / double(1 << 30)) + " GiB (a dense items x items matrix, " +
                               "several times over), and " + std::to_string(available / double(1 << 30)) +
                               " GiB are available: fewer items (drop rare ones) or a network model");
  }

  /// G = X^T X of the training rows, both triangles filled. Counting in double is exact.
  /// Each thread fills whole columns, so the result does not depend on the thread count.
  static Eigen::MatrixXd gram(const ItemSets& train, int items) {
    check_memory(items);
    if (train.item_bound() > items)
      throw std::out_of_range("EASE: item " + std::to_string(train.item_bound() - 1) + " is outside a catalogue of " +
                              std::to_string(items));
    Eigen::MatrixXd g = Eigen::MatrixXd::Zero(items, items);
    const int block = 64;
    const int blocks = (items + block - 1) / block;
    AUTOREC_PARALLEL_FOR
    for (int b = 0; b < blocks; ++b) {  // columns [b block, (b + 1) block) of the lower triangle
      const int low = b * block, high = std::min(items, low + block);
      for (int r = 0; r < train.rows(); ++r) {
        const ItemSets::Row row = train.row(r);
        const int* first = std::lower_bound(row.begin(), row.end(), low);
        for (const int* i = first; i != row.end() && *i < high; ++i)
          for (const int* j = i; j != row.end(); ++j) g(*j, *i) += 1;
      }
    }
    g.triangularView<Eigen::StrictlyUpper>() = g.transpose();
    return g;
  }

  /// Fits B from the Gram matrix (taken by value: move it in when it is not needed again).
  static Ease fit(Eigen::MatrixXd gram, double lambda) {
    if (!(lambda > 0) || !std::isfinite(lambda))
      throw std::invalid_argument("EASE: lambda must be positive and finite, got " + std::to_string(lambda));
    if (gram.rows() != gram.cols()) throw std::invalid_argument("EASE: the Gram matrix is not square");
    const Index n = gram.rows();
    gram.diagonal().array() += lambda;
    Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>> cholesky(gram);  // in place: gram now holds L
    if (cholesky.info() != Eigen::Success)
      throw std::runtime_error("EASE: G + lambda I is not positive definite (lambda " + std::to_string(lambda) + ")");
    Eigen::MatrixXd p = Eigen::MatrixXd::Identity(n, n);
    cholesky.solveInPlace(p);
    Matrix<Scalar> weights(n, n);
    for (Index j = 0; j < n; ++j) {
      weights.col(j) = (p.col(j) / -p(j, j)).template cast<Scalar>();
      weights(j, j) = 0;
    }
    return Ease(std::move(weights), lambda);
  }

  /// Fits B from the training rows.
  static Ease fit(const ItemSets& train, int items, double lambda) { return fit(gram(train, items), lambda); }

  Ease(Matrix<Scalar> weights, double lambda) : weights_(std::move(weights)), lambda_(lambda) {
    if (weights_.rows() != weights_.cols()) throw std::invalid_argument("EASE: the weight matrix is not square");
  }

  int items() const { return int(weights_.rows()); }
  double lambda() const { return lambda_; }
  /// B (items x items): row i is what item i adds to every item's score.
  const Matrix<Scalar>& weights() const { return weights_; }

  /// Scores of rows [first, first + count) of `users` into `out` (count x items): X B.
  void scores(const ItemSets& users, int first, int count, Matrix<float>& out) const {
    const SparseRows<Scalar> x = users.template matrix<Scalar>(items(), first, count);
    out.resize(count, items());
    if constexpr (std::is_same_v<Scalar, float>)
      out.noalias() = x * weights_;
    else
      out = (x * weights_).template cast<float>();
  }

 private:
  Matrix<Scalar> weights_;
  double lambda_;
};

}  // namespace autorec

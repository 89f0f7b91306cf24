#pragma once
// Small synthetic rating data made in code for the unit tests.

#include <cmath>
#include <vector>

#include "autorec/random.hpp"
#include "autorec/data/ratings.hpp"
#include "autorec/types.hpp"

namespace autorec::testing {

/// A rows x cols sparse matrix with each entry present with probability `density`, values
/// drawn uniformly from {1, ..., 5}; every column gets at least one entry.
template <typename Scalar>
SparseColumns<Scalar> random_ratings(Index rows, Index cols, double density, std::uint64_t seed) {
  Random random(seed);
  std::vector<Eigen::Triplet<Scalar, int>> triplets;
  for (Index j = 0; j < cols; ++j) {
    bool any = false;
    for (Index i = 0; i < rows; ++i)
      if (random.uniform() < density) {
        triplets.emplace_back(int(i), int(j), Scalar(1 + random.below(5)));
        any = true;
      }
    if (!any) triplets.emplace_back(int(random.below(rows)), int(j), Scalar(3));
  }
  SparseColumns<Scalar> m(rows, cols);
  m.setFromTriplets(triplets.begin(), triplets.end());
  m.makeCompressed();
  return m;
}

/// 0/1 mask of the stored entries of `m`, dense.
/// The stored entries of `matrix` as ratings: column j is user j, row i item i.
template <typename Scalar>
std::vector<Rating> rating_list(const SparseColumns<Scalar>& matrix) {
  std::vector<Rating> ratings;
  for (Index j = 0; j < matrix.outerSize(); ++j)
    for (typename SparseColumns<Scalar>::InnerIterator it(matrix, j); it; ++it)
      ratings.push_back({int(j), int(it.row()), float(it.value())});
  return ratings;
}

template <typename Scalar>
Matrix<Scalar> observed_mask(const SparseColumns<Scalar>& m) {
  Matrix<Scalar> mask = Matrix<Scalar>::Zero(m.rows(), m.cols());
  for (Index j = 0; j < m.outerSize(); ++j)
    for (typename SparseColumns<Scalar>::InnerIterator it(m, j); it; ++it) mask(it.row(), j) = 1;
  return mask;
}

/// A dense matrix with standard normal entries.
template <typename Scalar>
Matrix<Scalar> random_dense(Index rows, Index cols, std::uint64_t seed) {
  Random random(seed);
  Matrix<Scalar> m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = Scalar(random.normal());
  return m;
}

}  // namespace autorec::testing

#pragma once
// The matrix types autorec passes around. One sample per column: a batch of B item vectors
// of d users each (I-AutoRec) is a d x B matrix.

#include <Eigen/Core>
#include <Eigen/SparseCore>

namespace autorec {

using Index = Eigen::Index;

template <typename Scalar>
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
template <typename Scalar>
using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

/// Compressed sparse columns: loops over samples (items of I-AutoRec) are contiguous.
template <typename Scalar>
using SparseColumns = Eigen::SparseMatrix<Scalar, Eigen::ColMajor, int>;
/// Compressed sparse rows of the same kind of matrix: loops over inputs (users) are contiguous.
template <typename Scalar>
using SparseRows = Eigen::SparseMatrix<Scalar, Eigen::RowMajor, int>;

/// One sparse d x B matrix held in both storage orders. The forward pass walks it by column
/// (one thread per sample) and the weight gradients walk it by row (one thread per input), so
/// every product is a loop over contiguous k-vectors with no two threads writing one place.
template <typename Scalar>
struct SparseBatch {
  SparseColumns<Scalar> by_column;
  SparseRows<Scalar> by_row;

  SparseBatch() = default;
  explicit SparseBatch(SparseColumns<Scalar> columns)
      : by_column(std::move(columns)), by_row(by_column) {}

  /// Re-derives the row-major copy after `by_column` has changed (O(nnz)).
  void sync_rows() { by_row = by_column; }

  Index rows() const { return by_column.rows(); }
  Index cols() const { return by_column.cols(); }
  Index nonZeros() const { return by_column.nonZeros(); }
};

}  // namespace autorec

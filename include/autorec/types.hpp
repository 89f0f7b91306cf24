#pragma once
// The matrix types autorec passes around. One sample per column: a batch of B item vectors
// of d users each (I-AutoRec) is a d x B matrix.

#include <algorithm>
#include <vector>

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
  /// by_row's p-th stored entry is by_column's column_position[p]-th: values computed in
  /// column order (a gradient on the observed entries, say) are read by row through it.
  std::vector<int> column_position;

  SparseBatch() = default;
  /// Builds the row-major copy by a counting sort, O(nnz + rows + cols).
  explicit SparseBatch(SparseColumns<Scalar> columns) : by_column(std::move(columns)) {
    by_column.makeCompressed();
    const Index rows = by_column.rows(), cols = by_column.cols(), nnz = by_column.nonZeros();
    by_row.resize(rows, cols);
    by_row.resizeNonZeros(nnz);
    int* row_start = by_row.outerIndexPtr();
    std::fill(row_start, row_start + rows + 1, 0);
    const int* row = by_column.innerIndexPtr();
    for (Index p = 0; p < nnz; ++p) ++row_start[row[p] + 1];
    for (Index r = 0; r < rows; ++r) row_start[r + 1] += row_start[r];
    std::vector<int> next(row_start, row_start + rows);
    column_position.resize(static_cast<std::size_t>(nnz));
    for (Index j = 0; j < cols; ++j)
      for (int p = by_column.outerIndexPtr()[j]; p < by_column.outerIndexPtr()[j + 1]; ++p) {
        const int q = next[static_cast<std::size_t>(row[p])]++;
        by_row.innerIndexPtr()[q] = static_cast<int>(j);
        by_row.valuePtr()[q] = by_column.valuePtr()[p];
        column_position[static_cast<std::size_t>(q)] = p;
      }
  }

  Index rows() const { return by_column.rows(); }
  Index cols() const { return by_column.cols(); }
  Index nonZeros() const { return by_column.nonZeros(); }
};

}  // namespace autorec

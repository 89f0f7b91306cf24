#pragma once
// L2 normalisation of a sparse input, as Mult-DAE and Mult-VAE read a user's items: each
// column x(:, j) becomes x(:, j) / |x(:, j)| (a column without entries stays empty). The
// input is data, so no gradient flows back through it. O(nnz); stored entries stay stored.

#include <cmath>

#include "autorec/parallel.hpp"
#include "autorec/types.hpp"

namespace autorec {

/// `x` with each column scaled to unit L2 norm.
template <typename Scalar>
SparseColumns<Scalar> normalized_columns(const SparseColumns<Scalar>& x) {
  SparseColumns<Scalar> result = x;
  result.makeCompressed();
  const int* outer = result.outerIndexPtr();
  Scalar* values = result.valuePtr();
  AUTOREC_PARALLEL_FOR_STATIC
  for (Index j = 0; j < result.cols(); ++j) {
    double norm = 0;
    for (int p = outer[j]; p < outer[j + 1]; ++p) norm += double(values[p]) * double(values[p]);
    if (norm > 0)
      for (int p = outer[j]; p < outer[j + 1]; ++p) values[p] = Scalar(double(values[p]) / std::sqrt(norm));
  }
  return result;
}

/// `normalized` becomes `batch` with each column scaled to unit L2 norm, in both orders.
template <typename Scalar>
void normalize_columns(const SparseBatch<Scalar>& batch, SparseBatch<Scalar>& normalized) {
  normalized = batch;
  normalized.by_column = normalized_columns(batch.by_column);
  Scalar* by_row = normalized.by_row.valuePtr();
  const Scalar* by_column = normalized.by_column.valuePtr();
  const int* position = normalized.column_position.data();
  const Index nnz = batch.nonZeros();
  AUTOREC_PARALLEL_FOR_STATIC
  for (Index q = 0; q < nnz; ++q) by_row[q] = by_column[position[q]];
}

}  // namespace autorec

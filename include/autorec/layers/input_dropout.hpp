#pragma once
// Dropout on a sparse input (a denoising autoencoder): each observed rating is kept with
// probability 1 - rate and scaled by 1 / (1 - rate), or zeroed, while the loss still asks for
// every observed rating back. Stored entries stay stored (a zero adds nothing), so the batch
// keeps its shape and its by-row copy; the draw for the entry at storage position p depends
// only on (seed, p).

#include <cstdint>

#include "autorec/kernels/noise.hpp"
#include "autorec/parallel.hpp"
#include "autorec/types.hpp"

namespace autorec {

/// `noisy` becomes `batch` with its values dropped out as above.
template <typename Scalar>
void drop_inputs(const SparseBatch<Scalar>& batch, double rate, std::uint64_t seed, SparseBatch<Scalar>& noisy) {
  noisy = batch;
  const Scalar scale = Scalar(1 / (1 - rate));
  Scalar* by_column = noisy.by_column.valuePtr();
  const Index nnz = batch.nonZeros();
  AUTOREC_PARALLEL_FOR_STATIC
  for (Index p = 0; p < nnz; ++p) by_column[p] = keeps(seed, std::uint64_t(p), rate) ? by_column[p] * scale : Scalar(0);
  Scalar* by_row = noisy.by_row.valuePtr();
  const int* position = noisy.column_position.data();
  AUTOREC_PARALLEL_FOR_STATIC
  for (Index q = 0; q < nnz; ++q) by_row[q] = by_column[position[q]];
}

}  // namespace autorec

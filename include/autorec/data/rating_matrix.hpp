#pragma once
// Ratings as the sparse input matrix of I-AutoRec or U-AutoRec. Never dense: ML-10M would
// need 3 GB as a dense users x items matrix, Netflix 34 GB.

#include <algorithm>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "autorec/data/ratings.hpp"
#include "autorec/types.hpp"

namespace autorec {

/// I-AutoRec encodes item vectors (one input per user); U-AutoRec encodes user vectors.
enum class Variant { item, user };

inline Variant parse_variant(std::string_view name) {
  if (name == "item" || name == "i") return Variant::item;
  if (name == "user" || name == "u") return Variant::user;
  throw std::invalid_argument("unknown variant '" + std::string(name) + "' (expected item or user)");
}
inline const char* to_string(Variant variant) { return variant == Variant::item ? "item" : "user"; }

/// Where rating (user, item) sits in the model's input matrix: the row is the input unit,
/// the column the encoded vector. I-AutoRec: (user, item); U-AutoRec: (item, user).
struct Entry {
  int row;
  int col;
};
inline Entry entry_of(const Rating& r, Variant variant) {
  return variant == Variant::item ? Entry{r.user, r.item} : Entry{r.item, r.user};
}

/// Shape of the input matrix for `users` x `items` ratings.
struct InputShape {
  Index rows;
  Index cols;
};
inline InputShape input_shape(Index users, Index items, Variant variant) {
  return variant == Variant::item ? InputShape{users, items} : InputShape{items, users};
}

/// Builds the compressed sparse columns of `ratings` (rows sorted within each column) by two
/// counting sorts, O(nnz + rows + cols) time and no triplet copy. If `position` is given,
/// position[p] is the index in `ratings` of the entry stored at p. Duplicates are an error.
template <typename Scalar>
SparseColumns<Scalar> rating_matrix(const std::vector<Rating>& ratings, Index users, Index items,
                                    Variant variant, std::vector<std::size_t>* position = nullptr) {
  const InputShape shape = input_shape(users, items, variant);
  const std::size_t n = ratings.size();
  // Order the ratings by row, then place them column by column in that order.
  std::vector<std::size_t> row_start(static_cast<std::size_t>(shape.rows) + 1, 0);
  for (const Rating& r : ratings) {
    const Entry e = entry_of(r, variant);
    if (e.row < 0 || e.row >= shape.rows || e.col < 0 || e.col >= shape.cols)
      throw std::out_of_range("rating (user " + std::to_string(r.user) + ", item " +
                              std::to_string(r.item) + ") lies outside a " + std::to_string(users) +
                              " x " + std::to_string(items) + " rating matrix");
    ++row_start[static_cast<std::size_t>(e.row) + 1];
  }
  for (std::size_t u = 0; u < static_cast<std::size_t>(shape.rows); ++u) row_start[u + 1] += row_start[u];
  std::vector<std::size_t> by_row(n);
  for (std::size_t i = 0; i < n; ++i)
    by_row[row_start[static_cast<std::size_t>(entry_of(ratings[i], variant).row)]++] = i;

  SparseColumns<Scalar> matrix(shape.rows, shape.cols);
  matrix.resizeNonZeros(static_cast<Index>(n));
  int* outer = matrix.outerIndexPtr();
  std::fill(outer, outer + shape.cols + 1, 0);
  for (const Rating& r : ratings) ++outer[entry_of(r, variant).col + 1];
  for (Index j = 0; j < shape.cols; ++j) outer[j + 1] += outer[j];
  std::vector<int> next(outer, outer + shape.cols);
  if (position) position->assign(n, 0);
  for (std::size_t i : by_row) {
    const Entry e = entry_of(ratings[i], variant);
    const int p = next[static_cast<std::size_t>(e.col)]++;
    if (p > outer[e.col] && matrix.innerIndexPtr()[p - 1] == e.row)
      throw std::invalid_argument("rating_matrix: user " + std::to_string(ratings[i].user) +
                                  " rated item " + std::to_string(ratings[i].item) + " twice");
    matrix.innerIndexPtr()[p] = e.row;
    matrix.valuePtr()[p] = static_cast<Scalar>(ratings[i].value);
    if (position) (*position)[static_cast<std::size_t>(p)] = i;
  }
  return matrix;
}

/// The columns `columns` of `matrix`, in that order, as a new compressed matrix.
template <typename Scalar>
SparseColumns<Scalar> gather_columns(const SparseColumns<Scalar>& matrix, const std::vector<int>& columns) {
  SparseColumns<Scalar> batch(matrix.rows(), static_cast<Index>(columns.size()));
  Index nnz = 0;
  for (int c : columns) nnz += matrix.outerIndexPtr()[c + 1] - matrix.outerIndexPtr()[c];
  batch.resizeNonZeros(nnz);
  int* outer = batch.outerIndexPtr();
  outer[0] = 0;
  for (std::size_t j = 0; j < columns.size(); ++j) {
    const int begin = matrix.outerIndexPtr()[columns[j]], end = matrix.outerIndexPtr()[columns[j] + 1];
    std::copy(matrix.innerIndexPtr() + begin, matrix.innerIndexPtr() + end, batch.innerIndexPtr() + outer[j]);
    std::copy(matrix.valuePtr() + begin, matrix.valuePtr() + end, batch.valuePtr() + outer[j]);
    outer[j + 1] = outer[j] + (end - begin);
  }
  return batch;
}

}  // namespace autorec

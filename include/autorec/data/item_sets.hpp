#pragma once
// Implicit feedback as rows of item sets: row r is the sorted list of the items user r
// interacted with (a binary users x items matrix in compressed rows, without its values).
//
//   offsets: rows + 1 entries, offsets[0] = 0; items: offsets[rows] entries
//   row r = items[offsets[r] .. offsets[r + 1])

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/types.hpp"

namespace autorec {

class ItemSets {
 public:
  /// A view of one row: sorted, distinct item indices.
  struct Row {
    const int* first;
    const int* last;
    const int* begin() const { return first; }
    const int* end() const { return last; }
    std::size_t size() const { return std::size_t(last - first); }
    bool empty() const { return first == last; }
    bool contains(int item) const { return std::binary_search(first, last, item); }
  };

  /// Appends a row; `items` need not be sorted, and a repeated item is kept once.
  void add_row(std::vector<int> items) {
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    if (!items.empty() && items.front() < 0)
      throw std::out_of_range("ItemSets: negative item index " + std::to_string(items.front()));
    items_.insert(items_.end(), items.begin(), items.end());
    offsets_.push_back(std::int64_t(items_.size()));
  }

  int rows() const { return int(offsets_.size()) - 1; }
  std::int64_t entries() const { return offsets_.back(); }
  Row row(int r) const {
    if (r < 0 || r >= rows())
      throw std::out_of_range("ItemSets: no row " + std::to_string(r) + " of " + std::to_string(rows()));
    return {items_.data() + offsets_[std::size_t(r)], items_.data() + offsets_[std::size_t(r) + 1]};
  }
  /// One past the largest item index held (0 when empty).
  int item_bound() const {
    int bound = 0;
    for (int item : items_) bound = std::max(bound, item + 1);
    return bound;
  }

  /// Rows [first, first + count) as a count x items sparse matrix of ones, in compressed
  /// rows (one row per user).
  template <typename Scalar>
  SparseRows<Scalar> matrix(int items, int first = 0, int count = -1) const {
    if (count < 0) count = rows() - first;
    if (first < 0 || count < 0 || first + count > rows())
      throw std::out_of_range("ItemSets: rows [" + std::to_string(first) + ", " + std::to_string(first + count) +
                              ") outside [0, " + std::to_string(rows()) + ")");
    SparseRows<Scalar> result(count, items);
    std::vector<Eigen::Triplet<Scalar, int>> entries;
    entries.reserve(std::size_t(offsets_[std::size_t(first + count)] - offsets_[std::size_t(first)]));
    for (int r = 0; r < count; ++r)
      for (int item : row(first + r)) {
        if (item >= items)
          throw std::out_of_range("ItemSets: item " + std::to_string(item) + " outside a catalogue of " +
                                  std::to_string(items));
        entries.emplace_back(r, item, Scalar(1));
      }
    result.setFromTriplets(entries.begin(), entries.end());
    return result;
  }

  /// The same rows as columns, items x count: each user's item vector, as networks over
  /// users take their input and a Scorer of implicit feedback its training matrix.
  template <typename Scalar>
  SparseColumns<Scalar> columns(int items, int first = 0, int count = -1) const {
    SparseColumns<Scalar> out(matrix<Scalar>(items, first, count).transpose());
    out.makeCompressed();
    return out;
  }

 private:
  std::vector<std::int64_t> offsets_{0};
  std::vector<int> items_;
};

}  // namespace autorec

#pragma once
// How a distributed trainer splits a network's inputs (users for I-AutoRec, items for
// U-AutoRec): into a fixed number of shards of consecutive inputs, each rank owning a run of
// consecutive shards. The shards, not the ranks, fix every sum's order, so training gives
// the same parameters on any number of ranks that divides the work (1 to `shards`).

#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/types.hpp"

namespace autorec {

struct ShardLayout {
  Index inputs = 0;
  int shards = 1;

  ShardLayout(Index inputs_, int shards_) : inputs(inputs_), shards(shards_) {
    if (shards < 1 || Index(shards) > inputs)
      throw std::invalid_argument("ShardLayout: " + std::to_string(shards) + " shards of " + std::to_string(inputs) +
                                  " inputs: need 1 <= shards <= inputs");
  }
  /// Shard s holds inputs [begin(s), begin(s + 1)).
  Index begin(int s) const { return inputs * Index(s) / Index(shards); }
  Index size(int s) const { return begin(s + 1) - begin(s); }
  /// The shard that holds input `row`.
  int shard_of(Index row) const {
    int s = int(row * Index(shards) / inputs);
    while (begin(s) > row) --s;
    while (begin(s + 1) <= row) ++s;
    return s;
  }

  /// The shards [first, last) that rank `rank` of `ranks` owns.
  struct Range {
    int first, last;
    int count() const { return last - first; }
  };
  Range owned(int rank, int ranks) const {
    if (ranks < 1 || ranks > shards || rank < 0 || rank >= ranks)
      throw std::invalid_argument("ShardLayout: rank " + std::to_string(rank) + " of " + std::to_string(ranks) +
                                  " over " + std::to_string(shards) + " shards: need ranks <= shards (--shards)");
    return {int(Index(shards) * rank / ranks), int(Index(shards) * (rank + 1) / ranks)};
  }
};

/// Rows [begin, end) of `matrix`, as a (end - begin) x cols matrix: a shard's part of an input.
template <typename Scalar>
SparseColumns<Scalar> rows_of(const SparseColumns<Scalar>& matrix, Index begin, Index end) {
  if (!(0 <= begin && begin <= end && end <= matrix.rows()))
    throw std::invalid_argument("rows_of: rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                                ") of a matrix of " + std::to_string(matrix.rows()));
  SparseColumns<Scalar> part(end - begin, matrix.cols());
  std::vector<Eigen::Triplet<Scalar, int>> entries;
  for (Index j = 0; j < matrix.cols(); ++j)
    for (typename SparseColumns<Scalar>::InnerIterator it(matrix, j); it; ++it)
      if (it.row() >= begin && it.row() < end) entries.emplace_back(int(it.row() - begin), int(j), it.value());
  part.setFromTriplets(entries.begin(), entries.end());
  part.makeCompressed();
  return part;
}

}  // namespace autorec

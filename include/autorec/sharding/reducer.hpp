#pragma once
// The communication a sharded pass needs, without naming MPI: every sum over shards. Each
// rank hands in its own shards' parts, in shard order, and gets the sum over all shards,
// added in shard order: so the result depends on the shards, never on how many ranks hold
// them (an all-reduce's order would). mpi/ implements it over MPI; LocalReducer holds every
// shard in one process (tests, and the reference a distributed run must match).

#include <cstddef>
#include <vector>

#include "autorec/types.hpp"

namespace autorec {

template <typename Scalar>
class ShardReducer {
 public:
  virtual ~ShardReducer() = default;
  /// total = sum over all shards of their part (each rows x cols, the same on every rank).
  virtual void sum(const std::vector<Matrix<Scalar>>& own, Matrix<Scalar>& total) = 0;
  /// The sum over all shards of one number each.
  virtual double sum(const std::vector<double>& own) = 0;
  /// The largest of every rank's `own`.
  virtual double maximum(double own) = 0;
  /// Returns when every rank has called it.
  virtual void barrier() = 0;
};

/// total = parts[0] + parts[1] + ... in that order, for `count` parts of `size` scalars laid
/// end to end: the one order every reducer sums in.
template <typename Scalar>
void sum_in_order(const Scalar* parts, std::size_t count, Index size, Scalar* total) {
  Eigen::Map<Vector<Scalar>> out(total, size);
  out = Eigen::Map<const Vector<Scalar>>(parts, size);
  for (std::size_t s = 1; s < count; ++s) out += Eigen::Map<const Vector<Scalar>>(parts + Index(s) * size, size);
}
inline double sum_in_order(const std::vector<double>& parts) {
  double total = 0;
  for (double part : parts) total += part;
  return total;
}

/// Every shard in this process.
template <typename Scalar>
class LocalReducer : public ShardReducer<Scalar> {
 public:
  void sum(const std::vector<Matrix<Scalar>>& own, Matrix<Scalar>& total) override {
    total = own.at(0);
    for (std::size_t s = 1; s < own.size(); ++s) total += own[s];
  }
  double sum(const std::vector<double>& own) override { return sum_in_order(own); }
  double maximum(double own) override { return own; }
  void barrier() override {}
};

}  // namespace autorec

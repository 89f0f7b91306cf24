#pragma once
// The ShardReducer of a run under MPI (sharding/reducer.hpp): each sum over shards is one
// MPI_Allgatherv of every rank's own parts, then the same in-order sum on every rank, so the
// result is the same for any number of ranks (an MPI_Allreduce's order depends on it).
// A rank receives shards x size values per sum instead of an all-reduce's size: still
// independent of the number of inputs. Also the gathers of a whole model on rank 0.

#include <mpi.h>

#include <climits>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/sharding/reducer.hpp"
#include "autorec/sharding/shard_layout.hpp"

namespace autorec::mpi {

/// Throws on an MPI error code (the communicator is set to return them).
inline void check(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw std::runtime_error(std::string(call) + ": " + std::string(text, std::size_t(length)));
}

inline int to_count(Index n, const char* what) {
  if (n > INT_MAX) throw std::runtime_error(std::string(what) + ": " + std::to_string(n) + " values exceed one MPI message");
  return int(n);
}

/// How sums over shards are taken: `fixed`, an all-gather of the parts summed in shard order
/// (bit-identical on any number of ranks; a rank receives shards x size values per sum), or
/// `allreduce`, each rank's own parts summed, then MPI_Allreduce (2 size values per rank
/// per sum whatever the ranks, in an order MPI chooses: runs on different rank counts agree
/// to rounding, not to the bit).
enum class Reduction { fixed, allreduce };

class Reducer : public ShardReducer<float> {
 public:
  Reducer(MPI_Comm comm, const ShardLayout& layout, Reduction reduction = Reduction::fixed)
      : comm_(comm), layout_(layout), reduction_(reduction) {
    MPI_Comm_rank(comm, &rank_);
    MPI_Comm_size(comm, &ranks_);
    for (int r = 0; r < ranks_; ++r) shards_of_.push_back(layout.owned(r, ranks_).count());
  }
  int rank() const { return rank_; }
  int ranks() const { return ranks_; }

  void sum(const std::vector<Matrix<float>>& own, Matrix<float>& total) override {
    if (reduction_ == Reduction::allreduce) {
      total = own.at(0);
      for (std::size_t s = 1; s < own.size(); ++s) total += own[s];
      check(MPI_Allreduce(MPI_IN_PLACE, total.data(), to_count(total.size(), "a sum"), MPI_FLOAT, MPI_SUM, comm_),
            "MPI_Allreduce");
      return;
    }
    const Index size = own.at(0).size();
    send_.resize(Index(own.size()) * size);
    for (std::size_t s = 0; s < own.size(); ++s) std::copy(own[s].data(), own[s].data() + size, send_.data() + Index(s) * size);
    received_.resize(Index(layout_.shards) * size);
    gather_all(send_.data(), size, received_.data(), MPI_FLOAT);
    total.resize(own[0].rows(), own[0].cols());
    sum_in_order(received_.data(), std::size_t(layout_.shards), size, total.data());
  }
  double sum(const std::vector<double>& own) override {
    std::vector<double> all(static_cast<std::size_t>(layout_.shards));
    gather_all(own.data(), 1, all.data(), MPI_DOUBLE);
    return sum_in_order(all);
  }
  double maximum(double own) override {
    double largest = own;
    check(MPI_Allreduce(&own, &largest, 1, MPI_DOUBLE, MPI_MAX, comm_), "MPI_Allreduce");
    return largest;
  }
  void barrier() override { check(MPI_Barrier(comm_), "MPI_Barrier"); }

  /// Rank 0 gets every shard's vector, in shard order (others get an empty list): `own`
  /// holds this rank's shards' vectors, of any sizes.
  std::vector<Vector<float>> gather_to_root(const std::vector<Vector<float>>& own) {
    std::vector<long long> sizes(static_cast<std::size_t>(layout_.shards)), own_sizes;
    for (const Vector<float>& v : own) own_sizes.push_back(v.size());
    gather_all(own_sizes.data(), 1, sizes.data(), MPI_LONG_LONG);
    std::vector<float> send;
    for (const Vector<float>& v : own) send.insert(send.end(), v.data(), v.data() + v.size());
    std::vector<int> counts(static_cast<std::size_t>(ranks_), 0), displacements(static_cast<std::size_t>(ranks_), 0);
    Index total = 0;
    for (int r = 0, s = 0; r < ranks_; ++r) {
      Index count = 0;
      for (int i = 0; i < shards_of_[std::size_t(r)]; ++i, ++s) count += sizes[std::size_t(s)];
      counts[std::size_t(r)] = to_count(count, "a rank's parameters");
      displacements[std::size_t(r)] = to_count(total, "the gathered parameters");
      total += count;
    }
    std::vector<float> all(rank_ == 0 ? std::size_t(total) : 0);
    check(MPI_Gatherv(send.data(), to_count(Index(send.size()), "a rank's parameters"), MPI_FLOAT, all.data(),
                      counts.data(), displacements.data(), MPI_FLOAT, 0, comm_),
          "MPI_Gatherv");
    std::vector<Vector<float>> parts;
    if (rank_ != 0) return parts;
    Index offset = 0;
    for (long long size : sizes) {
      parts.emplace_back(Eigen::Map<const Vector<float>>(all.data() + offset, Index(size)));
      offset += Index(size);
    }
    return parts;
  }

 private:
  // Every rank's `per_shard` values for each of its shards, laid out in shard order.
  template <typename T>
  void gather_all(const T* own, Index per_shard, T* all, MPI_Datatype type) {
    std::vector<int> counts(static_cast<std::size_t>(ranks_)), displacements(static_cast<std::size_t>(ranks_));
    Index offset = 0;
    for (int r = 0; r < ranks_; ++r) {
      counts[std::size_t(r)] = to_count(per_shard * shards_of_[std::size_t(r)], "a sum's parts");
      displacements[std::size_t(r)] = to_count(offset, "a sum's parts");
      offset += per_shard * shards_of_[std::size_t(r)];
    }
    check(MPI_Allgatherv(own, counts[std::size_t(rank_)], type, all, counts.data(), displacements.data(), type, comm_),
          "MPI_Allgatherv");
  }

  MPI_Comm comm_;
  ShardLayout layout_;
  Reduction reduction_;
  int rank_ = 0, ranks_ = 1;
  std::vector<int> shards_of_;
  std::vector<float> send_, received_;
};

}  // namespace autorec::mpi

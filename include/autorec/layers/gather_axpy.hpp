#pragma once
// The inner kernel of every sparse product in autorec:
//   out = base + sum over p in [begin, end) of value(p) * source[:, index(p)]
// where `source` holds contiguous vectors of `size` scalars `stride` apart (the columns of a
// column-major matrix or the rows of a row-major one). Summing an entry's vector straight
// into `out` would load and store `out` once per entry; here `out` is built in blocks of
// kBlock scalars that stay in registers while all entries are added, so each entry costs
// only the loads of its source vector (and the loop order, hence the result, is fixed).

#include "autorec/types.hpp"

namespace autorec {

/// `base` may be `out` (accumulate), another vector (initial value) or nullptr (zero).
template <typename Scalar, typename IndexOf, typename ValueOf>
inline void gather_axpy(Scalar* out, const Scalar* base, const Scalar* source, Index stride, Index size,
                        int begin, int end, IndexOf&& index, ValueOf&& value) {
  // 64 bytes per register with AVX-512: 4 registers of accumulators per block.
  constexpr int kBlock = 256 / int(sizeof(Scalar));
  using Block = Eigen::Array<Scalar, kBlock, 1>;
  Index r = 0;
  for (; r + kBlock <= size; r += kBlock) {
    Block sum = base ? Block(Eigen::Map<const Block>(base + r)) : Block::Zero();
    for (int p = begin; p < end; ++p)
      sum += value(p) * Eigen::Map<const Block>(source + Index(index(p)) * stride + r);
    Eigen::Map<Block>(out + r) = sum;
  }
  if (r < size) {
    using Tail = Eigen::Array<Scalar, Eigen::Dynamic, 1, 0, kBlock, 1>;
    const Index n = size - r;
    Tail sum = base ? Tail(Eigen::Map<const Tail>(base + r, n)) : Tail(Tail::Zero(n));
    for (int p = begin; p < end; ++p)
      sum += value(p) * Eigen::Map<const Tail>(source + Index(index(p)) * stride + r, n);
    Eigen::Map<Tail>(out + r, n) = sum;
  }
}

}  // namespace autorec

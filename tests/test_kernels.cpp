// The sparse-product kernels, in float (where AVX-512 builds take their vector paths) and in
// double, against plain loops, for vector sizes with and without a partial last block.
#include <doctest/doctest.h>

#include <vector>

#include "autorec/kernels/gather_axpy.hpp"
#include "autorec/kernels/gather_dot.hpp"
#include "autorec/random.hpp"

using namespace autorec;

namespace {
template <typename Scalar>
struct Sources {
  Index size, stride, count = 7;
  std::vector<Scalar> source, x, value;
  std::vector<int> index{6, 0, 3, 3, 5, 1, 2, 4, 6};  // repeats, any order
  Sources(Index size_, Index padding) : size(size_), stride(size_ + padding) {
    Random random(size);
    for (Index i = 0; i < count * stride; ++i) source.push_back(Scalar(random.normal()));
    for (Index i = 0; i < size; ++i) x.push_back(Scalar(random.normal()));
    for (std::size_t p = 0; p < index.size(); ++p) value.push_back(Scalar(random.normal()));
  }
  const Scalar* vector(int p) const { return source.data() + Index(index[std::size_t(p)]) * stride; }
};

template <typename Scalar>
void check_gather_axpy(Index size, Index padding, int begin, int end) {
  const Sources<Scalar> s(size, padding);
  std::vector<Scalar> base(std::size_t(size + 1), Scalar(0.5)), out(std::size_t(size + 1), Scalar(-7));
  gather_axpy(out.data(), base.data(), s.source.data(), s.stride, size, begin, end,
              [&](int p) { return s.index[std::size_t(p)]; }, [&](int p) { return s.value[std::size_t(p)]; });
  for (Index r = 0; r < size; ++r) {
    double expected = 0.5;
    for (int p = begin; p < end; ++p) expected += double(s.value[std::size_t(p)]) * double(s.vector(p)[r]);
    CHECK(double(out[std::size_t(r)]) == doctest::Approx(expected).epsilon(1e-5));
  }
  CHECK(out[std::size_t(size)] == Scalar(-7));  // nothing past the vector is written
}

template <typename Scalar>
void check_gather_dot(Index size, Index padding, int begin, int end) {
  const Sources<Scalar> s(size, padding);
  std::vector<Scalar> out(s.index.size(), Scalar(-7));
  gather_dot(out.data(), s.source.data(), s.stride, size, s.x.data(), begin, end,
             [&](int p) { return s.index[std::size_t(p)]; });
  for (int p = 0; p < int(s.index.size()); ++p) {
    if (p < begin || p >= end) {
      CHECK(out[std::size_t(p)] == Scalar(-7));
      continue;
    }
    double expected = 0;
    for (Index r = 0; r < size; ++r) expected += double(s.vector(p)[r]) * double(s.x[std::size_t(r)]);
    CHECK(double(out[std::size_t(p)]) == doctest::Approx(expected).epsilon(1e-5));
  }
}
}  // namespace

TEST_CASE("gather_axpy sums the scaled source vectors into the base, for any vector size and stride") {
  for (const Index size : {1, 15, 16, 17, 63, 64, 65, 130, 500})
    for (const Index padding : {0, 3}) {
      CAPTURE(size);
      CAPTURE(padding);
      check_gather_axpy<float>(size, padding, 1, 9);
      check_gather_axpy<double>(size, padding, 1, 9);
      check_gather_axpy<float>(size, padding, 2, 2);  // no entries: out = base
    }
}

TEST_CASE("gather_dot takes each entry's dot product with x, in groups of four and one by one") {
  for (const Index size : {1, 15, 16, 17, 500})
    for (const int end : {1, 4, 5, 8, 9}) {
      CAPTURE(size);
      CAPTURE(end);
      check_gather_dot<float>(size, 3, 0, end);
      check_gather_dot<float>(size, 0, 1, end);
      check_gather_dot<double>(size, 3, 0, end);
    }
}

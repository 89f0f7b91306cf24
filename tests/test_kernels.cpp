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

TEST_CASE("to_bf16 rounds each float to the nearest bfloat16, ties to even") {
  // bfloat16 keeps 8 significant bits: near 1 its spacing is 2^-7.
  const float step = 1.0f / 128;
  std::vector<float> in{1.0f, 1 + step / 2, 1 + 3 * step / 2, 1 + step / 2 + step / 64, -2.5f, 0.0f};
  for (int i = 0; i < 40; ++i) in.push_back(1 + 3 * step / 2);  // a vector path's worth
  std::vector<Bf16> out(in.size());
  to_bf16(in.data(), Index(in.size()), out.data());
  CHECK(float(out[0]) == 1.0f);
  CHECK(float(out[1]) == 1.0f);             // a tie goes to the even significand
  CHECK(float(out[2]) == 1 + 2 * step);     // so does this one, upwards
  CHECK(float(out[3]) == 1 + step);         // above the tie: up
  CHECK(float(out[4]) == -2.5f);
  CHECK(float(out[5]) == 0.0f);
  for (std::size_t i = 6; i < out.size(); ++i) CHECK(float(out[i]) == 1 + 2 * step);
}

TEST_CASE("The kernels read bfloat16 sources as the floats they round to") {
  for (const Index size : {15, 64, 130, 500}) {
    CAPTURE(size);
    const Sources<float> s(size, 3);
    std::vector<Bf16> narrow(s.source.size());
    to_bf16(s.source.data(), Index(s.source.size()), narrow.data());
    std::vector<float> widened(narrow.begin(), narrow.end());
    auto index = [&](int p) { return s.index[std::size_t(p)]; };
    auto value = [&](int p) { return s.value[std::size_t(p)]; };
    std::vector<float> from_narrow(static_cast<std::size_t>(size)), from_wide(static_cast<std::size_t>(size));
    gather_axpy(from_narrow.data(), s.x.data(), narrow.data(), s.stride, size, 0, 9, index, value);
    gather_axpy(from_wide.data(), s.x.data(), widened.data(), s.stride, size, 0, 9, index, value);
    for (Index r = 0; r < size; ++r)
      CHECK(from_narrow[std::size_t(r)] == doctest::Approx(from_wide[std::size_t(r)]).epsilon(1e-5));
    std::vector<float> dots_narrow(9), dots_wide(9);
    gather_dot(dots_narrow.data(), narrow.data(), s.stride, size, s.x.data(), 0, 9, index);
    gather_dot(dots_wide.data(), widened.data(), s.stride, size, s.x.data(), 0, 9, index);
    for (std::size_t p = 0; p < 9; ++p) CHECK(dots_narrow[p] == doctest::Approx(dots_wide[p]).epsilon(1e-5));
  }
}

#pragma once
// The parts of a model file (io/model_file.hpp has the layout): bytes in and out with every
// read bounded by the bytes left, the checksum, and the sections that load_model reads and
// save_model writes: the training matrix and a network.

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "autorec/data/id_map.hpp"
#include "autorec/data/rating_matrix.hpp"
#include "autorec/model/architecture.hpp"
#include "autorec/model/network.hpp"

namespace autorec {

class ModelFileError : public std::runtime_error {
 public:
  ModelFileError(const std::string& path, const std::string& message)
      : std::runtime_error(path + ": " + message) {}
};

namespace detail {

inline std::uint64_t fnv1a(const char* data, std::size_t size) {
  std::uint64_t hash = 14695981039346656037ull;
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= static_cast<unsigned char>(data[i]);
    hash *= 1099511628211ull;
  }
  return hash;
}

class Writer {
 public:
  template <typename T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  void put_bytes(const void* data, std::size_t size) { bytes_.append(static_cast<const char*>(data), size); }
  void put_string(const std::string& text) {
    put(std::uint32_t(text.size()));
    put_bytes(text.data(), text.size());
  }
  void put_ids(const IdMap& ids) {
    put(std::uint64_t(ids.size()));
    for (const std::string& id : ids.raw_ids()) put_string(id);
  }
  std::string& bytes() { return bytes_; }

 private:
  std::string bytes_;
};

class Reader {
 public:
  Reader(const std::string& path, const std::string& bytes, std::size_t begin, std::size_t end)
      : path_(path), bytes_(bytes), end_(end), offset_(begin) {}
  template <typename T>
  T get(const char* what) {
    T value;
    get_bytes(&value, sizeof(T), what);
    return value;
  }
  void get_bytes(void* out, std::size_t size, const char* what) {
    if (size > end_ - offset_)
      throw ModelFileError(path_, std::string("truncated: the file ends inside ") + what);
    if (size == 0) return;  // `out` may be null then (an empty matrix), and memcpy(null, ., 0) is undefined
    std::memcpy(out, bytes_.data() + offset_, size);
    offset_ += size;
  }
  std::string get_string(const char* what) {
    const auto length = get<std::uint32_t>(what);
    if (length > end_ - offset_) throw ModelFileError(path_, std::string("truncated: the file ends inside ") + what);
    std::string text(bytes_.data() + offset_, length);
    offset_ += length;
    return text;
  }
  IdMap get_ids(const char* what) {
    const auto count = get<std::uint64_t>(what);
    if (count > end_ - offset_) throw ModelFileError(path_, std::string("corrupted: impossible ") + what + " count");
    IdMap ids;
    for (std::uint64_t i = 0; i < count; ++i) {
      if (ids.insert(get_string(what)) != static_cast<int>(i))
        throw ModelFileError(path_, std::string("corrupted: repeated id in ") + what);
    }
    return ids;
  }
  /// A u64 count, then that many f32: the count must be 0 or `expected`.
  std::vector<float> get_floats(std::size_t expected, const char* what) {
    const auto count = get<std::uint64_t>(what);
    if (count != 0 && count != expected)
      throw ModelFileError(path_, std::string("corrupted: ") + std::to_string(count) + " " + what + " for " +
                                      std::to_string(expected) + " ids");
    std::vector<float> values(count);
    get_bytes(values.data(), count * sizeof(float), what);
    return values;
  }
  std::size_t remaining() const { return end_ - offset_; }

 private:
  const std::string& path_;
  const std::string& bytes_;
  std::size_t end_;
  std::size_t offset_;
};

// The training matrix of a version 3 file: sizes checked against the bytes left before
// anything is allocated, then a valid compressed matrix (sorted rows, finite values) or an error.
template <typename Scalar>
SparseColumns<Scalar> read_training(const std::string& path, Reader& in, InputShape shape) {
  const auto rows = in.get<std::int64_t>("the training matrix");
  const auto cols = in.get<std::int64_t>("the training matrix");
  const auto nnz = in.get<std::uint64_t>("the training matrix");
  if (rows != shape.rows || cols != shape.cols)
    throw ModelFileError(path, "corrupted: the training matrix is " + std::to_string(rows) + " x " +
                                   std::to_string(cols) + ", the id maps make it " + std::to_string(shape.rows) +
                                   " x " + std::to_string(shape.cols));
  // 4 bytes per column start, then 8 per rating (row index and value)
  if (std::uint64_t(cols) + 1 > in.remaining() / 4 || nnz > (in.remaining() - 4 * (std::uint64_t(cols) + 1)) / 8 ||
      nnz > std::uint64_t(std::numeric_limits<int>::max()))
    throw ModelFileError(path, "corrupted: impossible training matrix size");
  SparseColumns<Scalar> matrix(rows, cols);
  matrix.resizeNonZeros(Index(nnz));
  in.get_bytes(matrix.outerIndexPtr(), sizeof(int) * std::size_t(cols + 1), "the training matrix");
  in.get_bytes(matrix.innerIndexPtr(), sizeof(int) * std::size_t(nnz), "the training matrix");
  const int* outer = matrix.outerIndexPtr();
  const int* inner = matrix.innerIndexPtr();
  bool ok = outer[0] == 0 && std::uint64_t(outer[cols]) == nnz;
  for (Index j = 0; ok && j < cols; ++j) {
    ok = outer[j] <= outer[j + 1] && std::uint64_t(outer[j + 1]) <= nnz;  // a column may not end past the ratings
    for (int p = outer[j]; ok && p < outer[j + 1]; ++p)
      ok = inner[p] >= 0 && inner[p] < rows && (p == outer[j] || inner[p - 1] < inner[p]);
  }
  for (std::uint64_t p = 0; ok && p < nnz; ++p) {
    const float value = in.get<float>("the training matrix");
    ok = std::isfinite(value);
    matrix.valuePtr()[p] = static_cast<Scalar>(value);
  }
  if (!ok) throw ModelFileError(path, "corrupted: the training matrix is not a valid sparse matrix of finite ratings");
  return matrix;
}

// One network: its architecture, lambda, seed and parameters.
template <typename Scalar>
void put_network(Writer& out, const Network<Scalar>& network) {
  const Architecture& architecture = network.architecture();
  out.put(std::int64_t(architecture.inputs));
  out.put(std::int64_t(architecture.first_width));
  out.put(double(architecture.input_dropout));
  out.put(std::uint32_t(architecture.stages.size()));
  for (const LayerSpec& stage : architecture.stages) {
    out.put_string(stage.kind);
    out.put(std::int64_t(stage.size));
    out.put(double(stage.rate));
    out.put(std::int64_t(stage.dims));
  }
  out.put_string(architecture.output_activation);
  out.put(std::int64_t(architecture.input_kernel_dims));
  out.put(std::int64_t(architecture.output_kernel_dims));
  out.put_string(architecture.loss);
  out.put(std::uint8_t(architecture.normalize_input));
  out.put(double(network.lambda()));
  out.put(double(network.kernel_lambda()));
  out.put(std::uint64_t(network.options().seed));
  const Vector<Scalar>& parameters = network.parameters();
  out.put(std::uint64_t(parameters.size()));
  out.put_bytes(parameters.data(), sizeof(Scalar) * std::size_t(parameters.size()));
}

// What precedes a network's parameters: its architecture (version 1: the hidden size of the
// sigmoid network), lambda and seed.
struct NetworkHead {
  Architecture architecture;
  double lambda = 0;
  double kernel_lambda = 0;
  std::uint64_t seed = 0;
};
inline NetworkHead read_network_head(const std::string& path, Reader& in, std::uint32_t version) {
  NetworkHead head;
  Architecture& architecture = head.architecture;
  architecture.inputs = in.get<std::int64_t>("the input size");
  if (version == 1) {
    architecture = Architecture::stack(architecture.inputs, in.get<std::int64_t>("the hidden size"), "sigmoid");
  } else {
    architecture.first_width = in.get<std::int64_t>("the first hidden width");
    architecture.input_dropout = in.get<double>("the input dropout");
    const auto stages = in.get<std::uint32_t>("the stage count");
    if (stages > in.remaining()) throw ModelFileError(path, "corrupted: impossible stage count");
    for (std::uint32_t s = 0; s < stages; ++s) {
      LayerSpec stage;
      stage.kind = in.get_string("a stage kind");
      stage.size = in.get<std::int64_t>("a stage size");
      stage.rate = in.get<double>("a stage rate");
      if (version >= 6) stage.dims = in.get<std::int64_t>("a stage's kernel size");
      architecture.stages.push_back(std::move(stage));
    }
    architecture.output_activation = in.get_string("the output activation");
    if (version >= 6) {
      architecture.input_kernel_dims = in.get<std::int64_t>("the input layer's kernel size");
      architecture.output_kernel_dims = in.get<std::int64_t>("the output layer's kernel size");
    }
    if (version >= 7) {
      architecture.loss = in.get_string("the output loss");
      const auto normalize = in.get<std::uint8_t>("the input normalisation");
      if (normalize > 1) throw ModelFileError(path, "corrupted: the input normalisation flag is not 0 or 1");
      architecture.normalize_input = normalize == 1;
    }
  }
  head.lambda = in.get<double>("lambda");
  if (version >= 6) head.kernel_lambda = in.get<double>("the kernel lambda");
  head.seed = in.get<std::uint64_t>("the seed");
  return head;
}

// The network `head` describes, with its parameters read from `in`: every size is checked
// against the bytes left before anything is allocated.
template <typename Scalar>
Network<Scalar> read_network(const std::string& path, Reader& in, const NetworkHead& head, Index expected_inputs) {
  const Architecture& architecture = head.architecture;
  const auto count = in.get<std::uint64_t>("the parameter count");
  if (count > in.remaining() / sizeof(Scalar))
    throw ModelFileError(path, "corrupted: the parameters do not fill the rest of the file");
  if (architecture.inputs != expected_inputs)
    throw ModelFileError(path, "corrupted: the input size does not match the id maps");
  // Every layer's weights lie inside the stored parameters, so no width can exceed their count.
  const auto fits = [count](std::int64_t a, std::int64_t b) {
    return a > 0 && b > 0 && std::uint64_t(a) <= count / std::uint64_t(b);
  };
  bool sizes_fit = fits(architecture.inputs, architecture.first_width);
  std::int64_t width = architecture.first_width;
  for (const LayerSpec& stage : architecture.stages)
    if (stage.kind == "dense") {
      sizes_fit = sizes_fit && fits(width, stage.size);
      width = stage.size;
    }
  if (!sizes_fit) throw ModelFileError(path, "corrupted: the layer sizes do not match the parameter count");
  Index expected = 0;
  try {
    expected = Network<Scalar>::parameter_count(architecture);
  } catch (const std::exception& error) {
    throw ModelFileError(path, std::string("corrupted architecture: ") + error.what());
  }
  if (std::uint64_t(expected) != count)
    throw ModelFileError(path, "corrupted: " + std::to_string(count) + " parameters stored, the architecture (" +
                                   architecture.describe() + ") has " + std::to_string(expected));
  Vector<Scalar> parameters(static_cast<Index>(count));
  in.get_bytes(parameters.data(), count * sizeof(Scalar), "the parameters");
  if (!parameters.allFinite()) throw ModelFileError(path, "corrupted: the parameters hold NaN or infinite values");
  typename Network<Scalar>::Options options;
  options.lambda = static_cast<Scalar>(head.lambda);
  options.kernel_lambda = static_cast<Scalar>(head.kernel_lambda);
  options.seed = head.seed;
  try {  // given its parameters, the network draws none
    return Network<Scalar>(architecture, options, std::move(parameters));
  } catch (const std::exception& error) {
    throw ModelFileError(path, std::string("corrupted architecture: ") + error.what());
  }
}

}  // namespace detail

}  // namespace autorec

// The GPU implementation of autorec::gpu::DeviceModel (include/autorec/gpu/device_model.hpp).
// Same formulation as the CPU path (docs/math.md), O(nnz k) per pass:
//   Z^T = X^T V^T                  sparse x dense kernel (X^T as CSR = X's columns)
//   H = sigmoid(Z + mu)            fused kernel
//   O, dO, dH, dZ at observed      own kernel, one block per column, one warp per entry
//   dW = dO H^T                    sparse x dense kernel (dO by rows)
//   dV^T = X dZ^T                  sparse x dense kernel (X by rows)
//   db, dmu                        row-sum kernel, cuBLAS gemv
//   L2, Adam, RProp                fused kernels over the flat parameter vector
// Every sum is taken in a fixed order (no atomics), so a run is bit-identical to the last.

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cub/device/device_radix_sort.cuh>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "autorec/gpu/device_model.hpp"

namespace autorec::gpu {
namespace {

// ---- error checking: every call, with its text and the library's message -----------------

void check(cudaError_t status, const char* call) {
  if (status != cudaSuccess) throw CudaError(std::string(call) + " failed: " + cudaGetErrorString(status));
}
void check(cublasStatus_t status, const char* call) {
  if (status != CUBLAS_STATUS_SUCCESS) throw CudaError(std::string(call) + " failed: " + cublasGetStatusString(status));
}
#define AUTOREC_CHECK(call) check((call), #call)
#define AUTOREC_CHECK_LAUNCH(what) check(cudaGetLastError(), what)

// ---- device memory owned by RAII ---------------------------------------------------------

template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t count) { resize(count); }
  ~DeviceBuffer() { release(); }
  DeviceBuffer(DeviceBuffer&& other) noexcept : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void resize(std::size_t count) {
    if (count == size_) return;
    release();
    if (count > 0) AUTOREC_CHECK(cudaMalloc(reinterpret_cast<void**>(&data_), count * sizeof(T)));
    size_ = count;
  }
  void upload(const T* host, std::size_t count) {
    resize(count);
    if (count > 0) AUTOREC_CHECK(cudaMemcpy(data_, host, count * sizeof(T), cudaMemcpyHostToDevice));
  }
  void download(T* host, std::size_t count, std::size_t offset = 0) const {
    if (count > 0) AUTOREC_CHECK(cudaMemcpy(host, data_ + offset, count * sizeof(T), cudaMemcpyDeviceToHost));
  }
  void fill_zero() {
    if (size_ > 0) AUTOREC_CHECK(cudaMemset(data_, 0, size_ * sizeof(T)));
  }
  T* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  void release() {
    if (data_) cudaFree(data_);  // never throws from a destructor
    data_ = nullptr;
    size_ = 0;
  }
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

// ---- kernels -------------------------------------------------------------------------------

constexpr int kThreads = 256;
constexpr int kWarp = 32;

__device__ float warp_sum(float value) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) value += __shfl_down_sync(0xffffffffu, value, offset);
  return value;
}

// H(:, j) = sigmoid(Z(:, j) + mu), H stored column-major k x B (= Z^T row-major).
__global__ void bias_sigmoid(float* h, const float* mu, long k, long count) {
  for (long i = blockIdx.x * long(blockDim.x) + threadIdx.x; i < count; i += long(gridDim.x) * blockDim.x) {
    const float z = h[i] + mu[i % k];
    h[i] = 1.0f / (1.0f + expf(-z));
  }
}

// One block per column j: for each observed (u, j) (one warp per entry)
//   o = W(u, :) h_j + b(u);  g = 2 (o - r)
// then, all threads over t: dh_j(t) = sum_p g_p W(u_p, t);  dz_j = dh_j .* h_j .* (1 - h_j).
__global__ void observed_decoder(const int* outer, const int* inner, const float* rating, const float* W,
                                 const float* b, const float* h, long k, float* g, float* dz) {
  const long j = blockIdx.x;
  const int begin = outer[j], end = outer[j + 1];
  const float* hj = h + j * k;
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp, warps = blockDim.x / kWarp;
  for (int p = begin + warp; p < end; p += warps) {
    const float* w = W + long(inner[p]) * k;
    float dot = 0;
    for (long t = lane; t < k; t += kWarp) dot += w[t] * hj[t];
    dot = warp_sum(dot);
    if (lane == 0) g[p] = 2.0f * (dot + b[inner[p]] - rating[p]);
  }
  __syncthreads();
  for (long t = threadIdx.x; t < k; t += blockDim.x) {
    float sum = 0;
    for (int p = begin; p < end; ++p) sum += g[p] * W[long(inner[p]) * k + t];
    const float ht = hj[t];
    dz[j * k + t] = sum * ht * (1.0f - ht);
  }
}

// C = A B for A sparse CSR (rows x n) and B, C dense row-major (n x k, rows x k). One block
// per row of C, threads over its k columns; C(i, t) sums row i of A in stored order, so the
// result is the same on every run (with cuSPARSE's SpMM, training was not reproducible).
__global__ void sparse_times_dense(const int* outer, const int* inner, const float* values, const float* b, long k,
                                   float* c) {
  const long i = blockIdx.x;
  const int begin = outer[i], end = outer[i + 1];
  for (long t = threadIdx.x; t < k; t += blockDim.x) {
    float sum = 0;
    for (int p = begin; p < end; ++p) sum += values[p] * b[long(inner[p]) * k + t];
    c[i * k + t] = sum;
  }
}

// values[p] = W(u, :) h_j + b(u) for the entries of a pattern (prediction, no gradient).
__global__ void decoder_at(const int* outer, const int* inner, const float* W, const float* b, const float* h,
                           long k, float* values) {
  const long j = blockIdx.x;
  const float* hj = h + j * k;
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp, warps = blockDim.x / kWarp;
  for (int p = outer[j] + warp; p < outer[j + 1]; p += warps) {
    const float* w = W + long(inner[p]) * k;
    float dot = 0;
    for (long t = lane; t < k; t += kWarp) dot += w[t] * hj[t];
    dot = warp_sum(dot);
    if (lane == 0) values[p] = dot + b[inner[p]];
  }
}

// out[i] = W(row_i, :) h_col_i + b(row_i) for a whole output row (fixed row, every column) or
// column (fixed column, every row); -inf where skip is set. One warp per output.
__global__ void decoder_line(const float* W, const float* b, const float* h, long k, long count, long fixed,
                             bool fixed_is_row, const char* skip, float* out, int* index) {
  const long i = (blockIdx.x * long(blockDim.x) + threadIdx.x) / kWarp;
  const int lane = threadIdx.x % kWarp;
  if (i >= count) return;
  const long row = fixed_is_row ? fixed : i, col = fixed_is_row ? i : fixed;
  const float* w = W + row * k;
  const float* hc = h + col * k;
  float dot = 0;
  for (long t = lane; t < k; t += kWarp) dot += w[t] * hc[t];
  dot = warp_sum(dot);
  if (lane == 0) {
    out[i] = skip[i] ? -FLT_MAX : dot + b[row];
    index[i] = int(i);
  }
}

__global__ void gather(const float* source, const int* position, float* out, long count) {
  for (long i = blockIdx.x * long(blockDim.x) + threadIdx.x; i < count; i += long(gridDim.x) * blockDim.x)
    out[i] = source[position[i]];
}

__global__ void row_sums(const int* outer, const float* values, float* out, long rows) {
  const long u = blockIdx.x * long(blockDim.x) + threadIdx.x;
  if (u >= rows) return;
  float sum = 0;
  for (int q = outer[u]; q < outer[u + 1]; ++q) sum += values[q];
  out[u] = sum;
}

// Is flat index i a weight (in V or W)? Both hold kd scalars; where they start is the host
// network's layout (DeviceLayout).
__device__ bool is_weight(long i, DeviceLayout layout) {
  const long kd = layout.hidden * layout.inputs;
  return (i >= layout.V && i < layout.V + kd) || (i >= layout.W && i < layout.W + kd);
}

__global__ void add_l2(float* gradient, const float* theta, float strength, DeviceLayout layout, long count) {
  for (long i = blockIdx.x * long(blockDim.x) + threadIdx.x; i < count; i += long(gridDim.x) * blockDim.x)
    if (is_weight(i, layout)) gradient[i] += strength * theta[i];
}

__global__ void adam_update(float* theta, const float* gradient, float* m, float* v, AdamSettings s,
                            float step_size, float root_correction2, DeviceLayout layout, long count) {
  for (long i = blockIdx.x * long(blockDim.x) + threadIdx.x; i < count; i += long(gridDim.x) * blockDim.x) {
    const float g = gradient[i] + (is_weight(i, layout) ? s.weight_decay * theta[i] : 0.0f);
    m[i] = s.beta1 * m[i] + (1 - s.beta1) * g;
    v[i] = s.beta2 * v[i] + (1 - s.beta2) * g * g;
    theta[i] -= step_size * m[i] / (sqrtf(v[i]) / root_correction2 + s.epsilon);
  }
}

__global__ void rprop_update(float* theta, const float* gradient, float* step, float* previous, RPropSettings s,
                             long count) {
  for (long i = blockIdx.x * long(blockDim.x) + threadIdx.x; i < count; i += long(gridDim.x) * blockDim.x) {
    float g = gradient[i];
    const float agreement = g * previous[i];
    if (agreement > 0) {
      step[i] *= s.grow;
    } else if (agreement < 0) {
      step[i] = fmaxf(step[i] * s.shrink, s.min_step);
      g = 0;
    }
    step[i] = fminf(step[i], s.max_step);  // grown steps, and held ones under a shrinking cap (RProp::step)
    theta[i] -= float((g > 0) - (g < 0)) * step[i];
    previous[i] = g;
  }
}

__global__ void fill(float* out, float value, long count) {
  for (long i = blockIdx.x * long(blockDim.x) + threadIdx.x; i < count; i += long(gridDim.x) * blockDim.x)
    out[i] = value;
}

int grid_for(long count) { return int(std::min<long>((count + kThreads - 1) / kThreads, 65535)); }

// ---- sparse structure on the host: the rows of a CSC matrix, with each entry's position ----

struct RowOrder {
  std::vector<int> outer, inner, position;
  std::vector<float> values;
};
RowOrder rows_of(const CscView& m) {
  RowOrder r;
  r.outer.assign(std::size_t(m.rows) + 1, 0);
  for (long p = 0; p < m.nnz; ++p) ++r.outer[std::size_t(m.inner[p]) + 1];
  for (long u = 0; u < m.rows; ++u) r.outer[std::size_t(u) + 1] += r.outer[std::size_t(u)];
  std::vector<int> next(r.outer.begin(), r.outer.end() - 1);
  r.inner.resize(std::size_t(m.nnz));
  r.position.resize(std::size_t(m.nnz));
  r.values.resize(std::size_t(m.nnz));
  for (long j = 0; j < m.cols; ++j)
    for (int p = m.outer[j]; p < m.outer[j + 1]; ++p) {
      const int q = next[std::size_t(m.inner[p])]++;
      r.inner[std::size_t(q)] = int(j);
      r.position[std::size_t(q)] = p;
      r.values[std::size_t(q)] = m.values[p];
    }
  return r;
}

void require_device() {
  std::string reason;
  if (!device_available(&reason)) throw CudaError("no usable CUDA device: " + reason);
}

}  // namespace

bool device_available(std::string* reason) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    if (reason) *reason = cudaGetErrorString(status);
    cudaGetLastError();  // clear the sticky error so later calls are not poisoned
    return false;
  }
  if (count == 0) {
    if (reason) *reason = "cudaGetDeviceCount found no device";
    return false;
  }
  return true;
}

std::string device_name() {
  if (!device_available()) return "";
  cudaDeviceProp properties{};
  AUTOREC_CHECK(cudaGetDeviceProperties(&properties, 0));
  return properties.name;
}

struct DeviceModel::State {
  long d = 0, k = 0, B = 0, nnz = 0;
  DeviceLayout layout;
  float lambda = 0;
  float squared_error = 0;
  // Adam's (m, v) or RProp's (step sizes, previous gradient) in `first`, `second`; a step of
  // the other optimizer starts its own state afresh, as a new CPU optimizer object would.
  enum class Optimizer { none, adam, rprop } optimizer = Optimizer::none;
  long adam_steps = 0;
  cublasHandle_t cublas = nullptr;
  // The input by column (CSR of X^T) and by row (CSR of X), uploaded once.
  DeviceBuffer<int> col_outer, col_inner, row_outer, row_inner, position;
  DeviceBuffer<float> col_values, row_values;
  DeviceBuffer<float> theta, gradient, first, second;  // parameters, gradient, optimizer state
  DeviceBuffer<float> h, dz, g, g_rows, ones;

  float* V() const { return theta.data() + layout.V; }
  float* mu() const { return theta.data() + layout.mu; }
  float* W() const { return theta.data() + layout.W; }
  float* b() const { return theta.data() + layout.b; }
  long count() const { return layout.count; }

  ~State() {
    if (cublas) cublasDestroy(cublas);
  }

  // C = A B with A sparse (CSR, `rows` rows), B and C dense row-major with k columns. The
  // column-major k x n matrices (V, H, dZ and dV) are row-major n x k ones.
  void product(const DeviceBuffer<int>& outer, const DeviceBuffer<int>& inner, const float* values, long rows,
               const float* dense, float* out) const {
    sparse_times_dense<<<int(rows), kThreads>>>(outer.data(), inner.data(), values, dense, k, out);
    AUTOREC_CHECK_LAUNCH("sparse_times_dense");
  }

  // H = sigmoid(V X + mu 1^T) for every column of the uploaded input.
  void encode() {
    product(col_outer, col_inner, col_values.data(), B, V(), h.data());  // Z^T = X^T V^T
    bias_sigmoid<<<grid_for(k * B), kThreads>>>(h.data(), mu(), k, k * B);
    AUTOREC_CHECK_LAUNCH("bias_sigmoid");
  }

  float dot(const float* x, long n) const {
    float result = 0;
    AUTOREC_CHECK(cublasSdot(cublas, int(n), x, 1, x, 1, &result));
    return result;
  }

  std::vector<Scored> top(long count, long n, long fixed, bool fixed_is_row, const std::vector<char>& skip) {
    if (long(skip.size()) != n) throw std::invalid_argument("DeviceModel: skip has the wrong size");
    encode();
    DeviceBuffer<char> skip_device;
    skip_device.upload(skip.data(), skip.size());
    DeviceBuffer<float> keys{std::size_t(n)}, keys_sorted{std::size_t(n)};
    DeviceBuffer<int> index{std::size_t(n)}, index_sorted{std::size_t(n)};
    decoder_line<<<int((n * kWarp + kThreads - 1) / kThreads), kThreads>>>(W(), b(), h.data(), k, n, fixed,
                                                                             fixed_is_row, skip_device.data(),
                                                                             keys.data(), index.data());
    AUTOREC_CHECK_LAUNCH("decoder_line");
    std::size_t bytes = 0;
    AUTOREC_CHECK(cub::DeviceRadixSort::SortPairsDescending(nullptr, bytes, keys.data(), keys_sorted.data(),
                                                            index.data(), index_sorted.data(), int(n)));
    DeviceBuffer<char> temporary(bytes);
    AUTOREC_CHECK(cub::DeviceRadixSort::SortPairsDescending(temporary.data(), bytes, keys.data(), keys_sorted.data(),
                                                            index.data(), index_sorted.data(), int(n)));
    std::size_t unskipped = 0;
    for (char s : skip) unskipped += !s;
    const long kept = std::min<long>(count, long(unskipped));
    std::vector<float> values(static_cast<std::size_t>(kept));
    std::vector<int> indices(static_cast<std::size_t>(kept));
    keys_sorted.download(values.data(), values.size());
    index_sorted.download(indices.data(), indices.size());
    std::vector<Scored> result(static_cast<std::size_t>(kept));
    for (long i = 0; i < kept; ++i) result[std::size_t(i)] = {indices[std::size_t(i)], values[std::size_t(i)]};
    return result;
  }
};

DeviceModel::DeviceModel(const CscView& input, const DeviceLayout& layout, float lambda, const float* parameters)
    : state_(std::make_unique<State>()) {
  require_device();
  if (layout.hidden <= 0 || input.rows <= 0 || input.cols <= 0 || input.nnz <= 0)
    throw std::invalid_argument("DeviceModel: empty input or hidden layer");
  if (layout.inputs != input.rows)
    throw std::invalid_argument("DeviceModel: the layout has " + std::to_string(layout.inputs) +
                                " inputs, the input matrix " + std::to_string(input.rows) + " rows");
  State& s = *state_;
  s.d = input.rows;
  s.k = layout.hidden;
  s.layout = layout;
  s.B = input.cols;
  s.nnz = input.nnz;
  s.lambda = lambda;
  AUTOREC_CHECK(cublasCreate(&s.cublas));

  const RowOrder rows = rows_of(input);
  s.col_outer.upload(input.outer, std::size_t(s.B) + 1);
  s.col_inner.upload(input.inner, std::size_t(s.nnz));
  s.col_values.upload(input.values, std::size_t(s.nnz));
  s.row_outer.upload(rows.outer.data(), rows.outer.size());
  s.row_inner.upload(rows.inner.data(), rows.inner.size());
  s.row_values.upload(rows.values.data(), rows.values.size());
  s.position.upload(rows.position.data(), rows.position.size());
  s.theta.upload(parameters, std::size_t(s.count()));
  s.gradient.resize(std::size_t(s.count()));
  s.h.resize(std::size_t(s.k * s.B));
  s.dz.resize(std::size_t(s.k * s.B));
  s.g.resize(std::size_t(s.nnz));
  s.g_rows.resize(std::size_t(s.nnz));
  s.ones.resize(std::size_t(s.B));
  fill<<<grid_for(s.B), kThreads>>>(s.ones.data(), 1.0f, s.B);
  AUTOREC_CHECK_LAUNCH("fill");
}

DeviceModel::~DeviceModel() = default;
DeviceModel::DeviceModel(DeviceModel&&) noexcept = default;
DeviceModel& DeviceModel::operator=(DeviceModel&&) noexcept = default;

long DeviceModel::inputs() const { return state_->d; }
long DeviceModel::hidden() const { return state_->k; }
long DeviceModel::parameter_count() const { return state_->count(); }
float DeviceModel::last_squared_error() const { return state_->squared_error; }

float DeviceModel::loss_and_gradient(float share) {
  State& s = *state_;
  s.encode();  // H = sigmoid(V X + mu)
  // g = dL/dO at the observed entries; dZ = (W^T dO) .* H .* (1 - H)
  observed_decoder<<<int(s.B), kThreads>>>(s.col_outer.data(), s.col_inner.data(), s.col_values.data(), s.W(), s.b(),
                                           s.h.data(), s.k, s.g.data(), s.dz.data());
  AUTOREC_CHECK_LAUNCH("observed_decoder");
  s.squared_error = s.dot(s.g.data(), s.nnz) / 4;  // g = 2 E
  gather<<<grid_for(s.nnz), kThreads>>>(s.g.data(), s.position.data(), s.g_rows.data(), s.nnz);
  AUTOREC_CHECK_LAUNCH("gather");
  s.product(s.row_outer, s.row_inner, s.g_rows.data(), s.d, s.h.data(), s.gradient.data() + s.layout.W);  // dW = dO H^T
  row_sums<<<grid_for(s.d), kThreads>>>(s.row_outer.data(), s.g_rows.data(), s.gradient.data() + s.layout.b,
                                        s.d);  // db = dO 1
  AUTOREC_CHECK_LAUNCH("row_sums");
  s.product(s.row_outer, s.row_inner, s.row_values.data(), s.d, s.dz.data(), s.gradient.data() + s.layout.V);  // dV^T = X dZ^T
  const float one = 1, zero = 0;  // dmu = dZ 1
  AUTOREC_CHECK(cublasSgemv(s.cublas, CUBLAS_OP_N, int(s.k), int(s.B), &one, s.dz.data(), int(s.k), s.ones.data(), 1,
                            &zero, s.gradient.data() + s.layout.mu, 1));
  const float strength = share * s.lambda;
  float regularizer = 0;
  if (strength != 0) {
    add_l2<<<grid_for(s.count()), kThreads>>>(s.gradient.data(), s.theta.data(), strength, s.layout, s.count());
    AUTOREC_CHECK_LAUNCH("add_l2");
    regularizer = strength / 2 * (s.dot(s.V(), s.k * s.d) + s.dot(s.W(), s.k * s.d));
  }
  return s.squared_error + regularizer;
}

void DeviceModel::adam_step(const AdamSettings& settings) {
  State& s = *state_;
  if (s.optimizer != State::Optimizer::adam) {
    s.first.resize(std::size_t(s.count()));
    s.second.resize(std::size_t(s.count()));
    s.first.fill_zero();
    s.second.fill_zero();
    s.adam_steps = 0;
    s.optimizer = State::Optimizer::adam;
  }
  ++s.adam_steps;
  const double correction1 = 1 - std::pow(double(settings.beta1), double(s.adam_steps));
  const double correction2 = 1 - std::pow(double(settings.beta2), double(s.adam_steps));
  adam_update<<<grid_for(s.count()), kThreads>>>(s.theta.data(), s.gradient.data(), s.first.data(), s.second.data(),
                                                 settings, float(settings.learning_rate / correction1),
                                                 float(std::sqrt(correction2)), s.layout, s.count());
  AUTOREC_CHECK_LAUNCH("adam_update");
}

void DeviceModel::rprop_step(const RPropSettings& settings) {
  State& s = *state_;
  if (s.optimizer != State::Optimizer::rprop) {
    s.first.resize(std::size_t(s.count()));
    s.second.resize(std::size_t(s.count()));
    fill<<<grid_for(s.count()), kThreads>>>(s.first.data(), settings.initial_step, s.count());
    AUTOREC_CHECK_LAUNCH("fill");
    s.second.fill_zero();
    s.optimizer = State::Optimizer::rprop;
  }
  rprop_update<<<grid_for(s.count()), kThreads>>>(s.theta.data(), s.gradient.data(), s.first.data(), s.second.data(),
                                                  settings, s.count());
  AUTOREC_CHECK_LAUNCH("rprop_update");
}

void DeviceModel::synchronize() const { AUTOREC_CHECK(cudaDeviceSynchronize()); }

void DeviceModel::download_parameters(float* parameters) const {
  state_->theta.download(parameters, std::size_t(state_->count()));
}
void DeviceModel::download_gradient(float* gradient) const {
  state_->gradient.download(gradient, std::size_t(state_->count()));
}
void DeviceModel::upload_parameters(const float* parameters) {
  AUTOREC_CHECK(cudaMemcpy(state_->theta.data(), parameters, std::size_t(state_->count()) * sizeof(float),
                           cudaMemcpyHostToDevice));
}

std::vector<float> DeviceModel::predict_at(const CscView& pattern) const {
  State& s = *state_;
  if (pattern.rows != s.d || pattern.cols != s.B)
    throw std::invalid_argument("DeviceModel::predict_at: the pattern's shape differs from the input's");
  std::vector<float> values(static_cast<std::size_t>(pattern.nnz));
  if (pattern.nnz == 0) return values;
  s.encode();
  DeviceBuffer<int> outer, inner;
  outer.upload(pattern.outer, std::size_t(pattern.cols) + 1);
  inner.upload(pattern.inner, std::size_t(pattern.nnz));
  DeviceBuffer<float> out{std::size_t(pattern.nnz)};
  decoder_at<<<int(s.B), kThreads>>>(outer.data(), inner.data(), s.W(), s.b(), s.h.data(), s.k, out.data());
  AUTOREC_CHECK_LAUNCH("decoder_at");
  out.download(values.data(), values.size());
  return values;
}

std::vector<Scored> DeviceModel::top_in_row(long row, long count, const std::vector<char>& skip) const {
  if (row < 0 || row >= state_->d) throw std::out_of_range("DeviceModel::top_in_row: no such row");
  return state_->top(count, state_->B, row, true, skip);
}

std::vector<Scored> DeviceModel::top_in_column(long col, long count, const std::vector<char>& skip) const {
  if (col < 0 || col >= state_->B) throw std::out_of_range("DeviceModel::top_in_column: no such column");
  return state_->top(count, state_->d, col, false, skip);
}

}  // namespace autorec::gpu

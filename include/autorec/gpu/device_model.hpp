#pragma once
// AutoRec on one NVIDIA GPU (the optional autorec::cuda target, cuda/autorec_cuda.cu).
// This header names no CUDA type, so code that includes it builds with any C++ compiler;
// only the library's one translation unit needs nvcc. The device holds the ratings (uploaded
// once, by column and by row), the flat parameter vector of a one-hidden-layer
// autorec::Network<float> in the layout that network derives (DeviceLayout), its gradient and
// the optimizer state; parameters move to and from the host as that same flat vector.

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace autorec::gpu {

/// Every failed CUDA or cuBLAS call, and a missing device, becomes this exception;
/// what() names the call and the library's error string.
class CudaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// True when a CUDA device can be used; otherwise false with the reason in `reason`.
bool device_available(std::string* reason = nullptr);

/// The name of device 0 ("" when there is none).
std::string device_name();

/// A compressed-sparse-column matrix as raw arrays (what Eigen's compressed SparseMatrix
/// holds): outer has cols + 1 offsets, inner and values nnz entries, rows sorted per column.
struct CscView {
  long rows = 0;
  long cols = 0;
  long nnz = 0;
  const int* outer = nullptr;
  const int* inner = nullptr;
  const float* values = nullptr;
};

/// Where V (k x d, column-major), mu (k), W (d x k, row-major) and b (d) start in the flat
/// parameter vector of `count` scalars: taken from the host network's parameter groups
/// (gpu/train.hpp), never computed here.
struct DeviceLayout {
  long inputs = 0;  ///< d
  long hidden = 0;  ///< k
  long V = 0, mu = 0, W = 0, b = 0;
  long count = 0;
};

struct AdamSettings {
  float learning_rate = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float epsilon = 1e-8f;
  float weight_decay = 0;  ///< on V and W only
};

struct RPropSettings {  // the defaults of autorec::RProp<float>::Options
  float initial_step = 0.01f;
  float grow = 1.1f;
  float shrink = 0.5f;
  float min_step = 1e-6f;
  float max_step = 0.01f;
};

/// One item (or user) scored for a top-N list.
struct Scored {
  int index;
  float value;
};

class DeviceModel {
 public:
  /// Uploads `input` (d x B, the model's input: users x items for I-AutoRec) and the
  /// layout.count `parameters`. Throws CudaError when no device can be used.
  DeviceModel(const CscView& input, const DeviceLayout& layout, float lambda, const float* parameters);
  ~DeviceModel();
  DeviceModel(DeviceModel&&) noexcept;
  DeviceModel& operator=(DeviceModel&&) noexcept;
  DeviceModel(const DeviceModel&) = delete;
  DeviceModel& operator=(const DeviceModel&) = delete;

  long inputs() const;
  long hidden() const;
  long parameter_count() const;

  /// The objective of TrainingPass::loss_and_gradient on the whole uploaded input, with the
  /// regulariser scaled by `share`; fills the device gradient.
  float loss_and_gradient(float share = 1);
  /// Its data term (sum of squared errors on the observed entries).
  float last_squared_error() const;

  /// One update of the device parameters from the device gradient (fused kernels). The
  /// model keeps one optimizer's state: a step of the other optimizer starts it afresh.
  void adam_step(const AdamSettings& settings);
  void rprop_step(const RPropSettings& settings);

  /// Waits until the device has finished the work queued so far (for timing).
  void synchronize() const;

  void download_parameters(float* parameters) const;
  void download_gradient(float* gradient) const;
  void upload_parameters(const float* parameters);

  /// Reconstructions of the uploaded input's columns at the entries of `pattern` (same
  /// shape as the input), in pattern's storage order. Not clipped.
  std::vector<float> predict_at(const CscView& pattern) const;

  /// The `count` largest outputs of row `row` over all columns (I-AutoRec: a user's ratings
  /// of every item), skipping columns where `skip` is nonzero (size cols), best first.
  std::vector<Scored> top_in_row(long row, long count, const std::vector<char>& skip) const;
  /// The `count` largest outputs of column `col`'s reconstruction over all rows (U-AutoRec:
  /// a user's ratings of every item), skipping rows where `skip` is nonzero, best first.
  std::vector<Scored> top_in_column(long col, long count, const std::vector<char>& skip) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace autorec::gpu

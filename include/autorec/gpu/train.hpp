#pragma once
// Training and prediction on the GPU with the CPU path's types: the same TrainOptions,
// PredictionRules and reports as autorec::train, and the same AutoRec<float> parameters in and
// out, so a GPU-trained model is saved, loaded and used like any other. Needs the autorec::cuda
// target (CMake option AUTOREC_CUDA).

#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/eval/predict.hpp"
#include "autorec/gpu/device_model.hpp"
#include "autorec/model/autorec.hpp"
#include "autorec/train/trainer.hpp"

namespace autorec::gpu {

inline CscView view_of(const SparseColumns<float>& matrix) {
  if (!matrix.isCompressed()) throw std::invalid_argument("gpu: sparse matrices must be compressed");
  return {long(matrix.rows()), long(matrix.cols()), long(matrix.nonZeros()), matrix.outerIndexPtr(),
          matrix.innerIndexPtr(), matrix.valuePtr()};
}

/// Uploads `input` and `model`'s parameters.
inline DeviceModel upload(const AutoRec<float>& model, const SparseColumns<float>& input) {
  return DeviceModel(view_of(input), long(model.hidden()), model.lambda(), model.parameters().data());
}

/// autorec::predict_ratings computed on the device (cold start and clipping as on the CPU).
inline std::vector<float> predict_ratings(const DeviceModel& device, const SparseColumns<float>& input,
                                          const std::vector<Rating>& pairs, Variant variant,
                                          const PredictionRules& rules) {
  std::vector<float> predictions(pairs.size(), rules.default_rating);
  const Coverage coverage(input);
  std::vector<Rating> warm;
  std::vector<std::size_t> warm_index;
  for (std::size_t i = 0; i < pairs.size(); ++i)
    if (coverage.covers(entry_of(pairs[i], variant))) {
      warm.push_back(pairs[i]);
      warm_index.push_back(i);
    }
  if (warm.empty()) return predictions;
  const Index users = variant == Variant::item ? input.rows() : input.cols();
  const Index items = variant == Variant::item ? input.cols() : input.rows();
  std::vector<std::size_t> position;
  const SparseColumns<float> pattern = rating_matrix<float>(warm, users, items, variant, &position);
  const std::vector<float> values = device.predict_at(view_of(pattern));
  for (std::size_t p = 0; p < values.size(); ++p) predictions[warm_index[position[p]]] = rules.clip(values[p]);
  return predictions;
}

/// autorec::train on the device, full batch (RProp, or Adam with batch_size >= the number of
/// encoded vectors): minibatches would re-upload data every step. Early stopping restores the
/// best epoch's parameters, which end in `model`.
inline TrainReport train(AutoRec<float>& model, const SparseColumns<float>& input,
                         const std::vector<Rating>& validation, Variant variant, const PredictionRules& rules,
                         const TrainOptions<float>& options, const TrainCallbacks& callbacks = {}) {
  if (options.optimizer == OptimizerKind::adam && options.batch_size < input.cols())
    throw std::invalid_argument("gpu::train trains full batch: use the rprop optimizer or a batch size of at least " +
                                std::to_string(input.cols()));
  if (options.epochs < 1) throw std::invalid_argument("train: epochs must be at least 1");
  using Clock = std::chrono::steady_clock;
  DeviceModel device = upload(model, input);
  const AdamSettings adam{options.adam.learning_rate, options.adam.beta1, options.adam.beta2, options.adam.epsilon,
                          options.adam.weight_decay};
  const RPropSettings rprop{options.rprop.initial_step, options.rprop.grow, options.rprop.shrink,
                            options.rprop.min_step, options.rprop.max_step};
  TrainReport report;
  Vector<float> best_parameters = model.parameters();
  int epochs_since_best = 0;
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto start = Clock::now();
    device.loss_and_gradient(1);
    const double squared_error = device.last_squared_error();
    if (options.optimizer == OptimizerKind::rprop)
      device.rprop_step(rprop);
    else
      device.adam_step(adam);
    EpochReport epoch_report;
    epoch_report.epoch = epoch;
    epoch_report.train_rmse = std::sqrt(squared_error / double(input.nonZeros()));
    if (!std::isfinite(epoch_report.train_rmse))
      throw std::runtime_error("train: the loss diverged at epoch " + std::to_string(epoch));
    bool improved = true;
    if (!validation.empty()) {
      epoch_report.validation_rmse = score(validation, predict_ratings(device, input, validation, variant, rules)).rmse;
      improved = !(epoch_report.validation_rmse >= report.best_validation_rmse);
    }
    epoch_report.best = improved;
    if (improved) {
      report.best_epoch = epoch;
      report.best_validation_rmse = epoch_report.validation_rmse;
      device.download_parameters(best_parameters.data());
      epochs_since_best = 0;
    } else {
      ++epochs_since_best;
    }
    epoch_report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    report.history.push_back(epoch_report);
    if (callbacks.on_epoch) callbacks.on_epoch(epoch_report);
    if (options.patience > 0 && epochs_since_best >= options.patience) {
      report.stopped_early = true;
      break;
    }
  }
  model.parameters() = best_parameters;
  return report;
}

}  // namespace autorec::gpu

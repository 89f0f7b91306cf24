#pragma once
// Training and prediction on the GPU with the CPU path's types: the same TrainOptions,
// PredictionRules and reports as autorec::train, and the same AutoRec<float> parameters in and
// out, so a GPU-trained model is saved, loaded and used like any other. Needs the autorec::cuda
// target (CMake option AUTOREC_CUDA). Results agree with the CPU's within the GPU tests'
// tolerances, and a run is bit-identical to the last.

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
inline std::vector<float> predict_ratings(const DeviceModel& device, const PredictionPlan<float>& plan,
                                          const PredictionRules& rules) {
  return predict_ratings_with(
      [&](const SparseColumns<float>& pattern) { return device.predict_at(view_of(pattern)); }, plan, rules);
}
inline std::vector<float> predict_ratings(const DeviceModel& device, const SparseColumns<float>& input,
                                          const std::vector<Rating>& pairs, Variant variant,
                                          const PredictionRules& rules) {
  return predict_ratings(device, PredictionPlan<float>(input, pairs, variant), rules);
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
  DeviceModel device = upload(model, input);
  const AdamSettings adam{options.adam.learning_rate, options.adam.beta1, options.adam.beta2, options.adam.epsilon,
                          options.adam.weight_decay};
  const RPropSettings rprop{options.rprop.initial_step, options.rprop.grow, options.rprop.shrink,
                            options.rprop.min_step, options.rprop.max_step};
  const PredictionPlan<float> validation_plan(input, validation, variant);
  Vector<float> best_parameters = model.parameters();
  const TrainReport report = run_epochs(
      options, double(input.nonZeros()), !validation.empty(), callbacks,
      [&] {
        device.loss_and_gradient(1);
        const double squared_error = device.last_squared_error();
        if (options.optimizer == OptimizerKind::rprop)
          device.rprop_step(rprop);
        else
          device.adam_step(adam);
        return squared_error;
      },
      [&] { return score(validation, predict_ratings(device, validation_plan, rules)).rmse; },
      [&] { device.download_parameters(best_parameters.data()); });
  model.parameters() = best_parameters;
  return report;
}

}  // namespace autorec::gpu

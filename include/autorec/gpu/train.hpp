#pragma once
// Training and prediction on the GPU with the CPU path's types: the same TrainOptions,
// PredictionRules and reports as autorec::train, and the same Network<float> parameters in and
// out, so a GPU-trained model is saved, loaded and used like any other. Only the paper's
// one-hidden-layer network trains here (require_device_architecture). Needs the autorec::cuda
// target (CMake option AUTOREC_CUDA). Results agree with the CPU's within the GPU tests'
// tolerances, and a run is bit-identical to the last.

#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/eval/predict.hpp"
#include "autorec/gpu/device_model.hpp"
#include "autorec/model/network.hpp"
#include "autorec/train/trainer.hpp"

namespace autorec::gpu {

inline CscView view_of(const SparseColumns<float>& matrix) {
  if (!matrix.isCompressed()) throw std::invalid_argument("gpu: sparse matrices must be compressed");
  return {long(matrix.rows()), long(matrix.cols()), long(matrix.nonZeros()), matrix.outerIndexPtr(),
          matrix.innerIndexPtr(), matrix.valuePtr()};
}

/// The device trains the paper's network: one sigmoid hidden layer, identity output, no
/// dropout, no kernelised layer. Any other network is rejected with this message.
inline void require_device_architecture(const Network<float>& model) {
  const bool paper = model.stage_count() == 1 && model.stage(0).spec().kind == "sigmoid" &&
                     model.output_activation().spec().kind == "identity" &&
                     model.architecture().input_dropout == 0 && !model.architecture().kernelised() &&
                     model.architecture().squared_error_on_raw_input();
  if (!paper)
    throw std::invalid_argument("gpu: the CUDA path trains the one-hidden-layer sigmoid AutoRec with an identity "
                                "output, no dropout and no kernel; this network is " + model.architecture().describe() +
                                ": train it on the CPU");
}

/// The network's layout as the device needs it, from its parameter groups [V, mu, W, b].
inline DeviceLayout layout_of(const Network<float>& model) {
  require_device_architecture(model);
  const auto& groups = model.parameter_groups();
  return {long(model.inputs()), long(model.hidden_sizes().front()), long(groups[0].offset), long(groups[1].offset),
          long(groups[2].offset), long(groups[3].offset), long(model.parameters().size())};
}

/// Uploads `input` and `model`'s parameters.
inline DeviceModel upload(const Network<float>& model, const SparseColumns<float>& input) {
  return DeviceModel(view_of(input), layout_of(model), model.lambda(), model.parameters().data());
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

/// One optimizer step on the device: where the CPU optimizers (optim/optimizers.hpp) map to
/// the device's kernels, the only place that names them. The device has Adam and RProp.
class DeviceStep {
 public:
  explicit DeviceStep(const TrainOptions<float>& options) : options_(options) {
    if (options.optimizer != "adam" && options.optimizer != "rprop")
      throw std::invalid_argument("gpu::train has device kernels for adam and rprop, not '" + options.optimizer +
                                  "': train with it on the CPU");
  }
  void operator()(DeviceModel& device) {
    if (options_.optimizer == "rprop") {
      const auto& o = options_.rprop;
      // the CPU RProp's cap schedule
      device.rprop_step({o.initial_step, o.grow, o.shrink, o.min_step, o.max_step_at(steps_++)});
    } else {
      const auto& o = options_.adam;
      device.adam_step({o.learning_rate, o.beta1, o.beta2, o.epsilon, o.weight_decay});
    }
  }

 private:
  TrainOptions<float> options_;
  long steps_ = 0;
};

/// autorec::train on the device, full batch (RProp, or Adam with batch_size >= the number of
/// encoded vectors): minibatches would re-upload data every step. Early stopping restores the
/// best epoch's parameters, which end in `model`.
inline TrainReport train(Network<float>& model, const SparseColumns<float>& input,
                         const std::vector<Rating>& validation, Variant variant, const PredictionRules& rules,
                         const TrainOptions<float>& options, const TrainCallbacks& callbacks = {}) {
  DeviceStep step(options);
  if (options.optimizer == "adam" && options.batch_size < input.cols())
    throw std::invalid_argument("gpu::train trains full batch: use the rprop optimizer or a batch size of at least " +
                                std::to_string(input.cols()));
  DeviceModel device = upload(model, input);
  const PredictionPlan<float> validation_plan(input, validation, variant);
  Vector<float> best_parameters = model.parameters();
  const TrainReport report = run_epochs(
      options, double(input.nonZeros()), double(rules.scale), !validation.empty(), callbacks,
      [&] {
        device.loss_and_gradient(1);
        const double squared_error = device.last_squared_error();
        step(device);
        return squared_error;
      },
      [&] { return score(validation, predict_ratings(device, validation_plan, rules)).rmse; },
      [&] { device.download_parameters(best_parameters.data()); });
  model.parameters() = best_parameters;
  return report;
}

}  // namespace autorec::gpu

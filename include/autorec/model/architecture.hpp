#pragma once
// What a network is made of, as plain data: the model file stores it and rebuilds the network
// from it. The sparse ends are fixed (a sparse-input Dense of `inputs` x first_width, an
// observed-output Dense back to `inputs`); `stages` are the dense layers between them, each a
// kind known to the layer registry.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "autorec/layers/layer.hpp"

namespace autorec {

/// Hidden layer widths, first (the encoder's) first. Converts from one width, so that
/// `options.hidden = 500` and `options.hidden = {500, 250, 500}` both read naturally.
struct HiddenSizes : std::vector<Index> {
  HiddenSizes(Index width) : std::vector<Index>{width} {}  // NOLINT: implicit on purpose
  HiddenSizes(std::initializer_list<Index> widths) : std::vector<Index>(widths) {}
  HiddenSizes(std::vector<Index> widths) : std::vector<Index>(std::move(widths)) {}  // NOLINT
};

struct Architecture {
  Index inputs = 0;               ///< d: users for I-AutoRec, items for U-AutoRec
  Index first_width = 0;          ///< outputs of the sparse-input layer
  double input_dropout = 0;       ///< dropout on the sparse input (denoising), in [0, 1)
  std::vector<LayerSpec> stages;  ///< between the two sparse layers
  std::string output_activation = "identity";
  Index input_kernel_dims = 0;   ///< > 0: the sparse-input Dense is kernelised (layers/local_kernel.hpp)
  Index output_kernel_dims = 0;  ///< > 0: the observed-output Dense is kernelised
  /// The output loss by name (loss/output_losses.hpp): "squared-error" at the observed
  /// entries (AutoRec), or "multinomial", a softmax over all outputs (Mult-DAE, Mult-VAE).
  std::string loss = "squared-error";
  /// Each input column is scaled to unit L2 norm before the first layer (and before input
  /// dropout), as Mult-DAE and Mult-VAE read a user's items.
  bool normalize_input = false;

  /// Whether this is AutoRec's end: squared error on raw inputs (what the sharded and CUDA
  /// trainers, and the fold-in by gradient steps, know).
  bool squared_error_on_raw_input() const { return loss == "squared-error" && !normalize_input; }

  /// Whether any layer is kernelised.
  bool kernelised() const {
    if (input_kernel_dims > 0 || output_kernel_dims > 0) return true;
    for (const LayerSpec& stage : stages)
      if (stage.dims > 0) return true;
    return false;
  }

  /// The usual stack: for each width w_i, Dense (the sparse-input one for i = 0), then
  /// `activation`, then Dropout(`dropout`) if it is > 0; then the observed-output Dense.
  /// AutoRec is stack(d, 500, "sigmoid"). With kernel_dims > 0 every Dense, the ends
  /// included, is kernelised with embeddings of that size: Sparse FC is
  /// stack(d, {500, 500}, "sigmoid", "identity", 0, 0, 5).
  static Architecture stack(Index inputs, const HiddenSizes& hidden, const std::string& activation,
                            const std::string& output_activation = "identity", double dropout = 0,
                            double input_dropout = 0, Index kernel_dims = 0) {
    Architecture a;
    a.inputs = inputs;
    a.input_kernel_dims = a.output_kernel_dims = kernel_dims;
    a.first_width = hidden.empty() ? 0 : hidden.front();
    a.input_dropout = input_dropout;
    a.output_activation = output_activation;
    for (std::size_t i = 0; i < hidden.size(); ++i) {
      if (i > 0) a.stages.push_back({"dense", hidden[i], 0, kernel_dims});
      a.stages.push_back({activation, 0, 0});
      if (dropout > 0) a.stages.push_back({"dropout", 0, dropout});
    }
    return a;
  }

  /// A variational autoencoder over d inputs (Mult-VAE is variational(d, {600}, 200)): the
  /// encoder's widths with `activation`, a Dense to 2 x latent (mean and log variance, no
  /// activation), a Gaussian layer drawing the latent code (layers/gaussian.hpp, KL weight
  /// `beta`), then the decoder's widths (the encoder's reversed) with `activation`, and the
  /// output Dense back to d; the input L2-normalised with `input_dropout`, the multinomial loss.
  static Architecture variational(Index inputs, const HiddenSizes& encoder, Index latent,
                                  const std::string& activation = "tanh", double input_dropout = 0.5,
                                  double beta = 0) {
    Architecture a;
    a.inputs = inputs;
    a.first_width = encoder.empty() ? 0 : encoder.front();
    a.input_dropout = input_dropout;
    a.normalize_input = true;
    a.loss = "multinomial";
    for (std::size_t i = 0; i < encoder.size(); ++i) {
      if (i > 0) a.stages.push_back({"dense", encoder[i], 0});
      a.stages.push_back({activation, 0, 0});
    }
    a.stages.push_back({"dense", 2 * latent, 0});
    a.stages.push_back({"gaussian", latent, beta});
    for (std::size_t i = encoder.size(); i-- > 0;) {
      a.stages.push_back({"dense", encoder[i], 0});
      a.stages.push_back({activation, 0, 0});
    }
    return a;
  }

  /// "d-500-250-500-d, elu, output identity, dropout 0.2": the shape in one line.
  std::string describe() const {
    std::string text = std::to_string(inputs) + "-" + std::to_string(first_width);
    std::string kinds;
    for (const LayerSpec& stage : stages) {
      if (stage.kind == "dense") {
        text += "-" + std::to_string(stage.size);
        continue;
      }
      if (stage.kind == "gaussian") {
        text += "-(" + std::to_string(stage.size) + ")";
        continue;
      }
      const std::string part = stage.kind == "dropout" ? "dropout " + format_rate(stage.rate) : stage.kind;
      if (kinds.find(", " + part) == std::string::npos) kinds += ", " + part;
    }
    text += "-" + std::to_string(inputs) + kinds + ", output " + output_activation;
    if (normalize_input) text += ", input L2-normalised";
    if (input_dropout > 0) text += ", input dropout " + format_rate(input_dropout);
    if (loss != "squared-error") text += ", " + loss + " loss";
    if (kernelised()) {
      text += ", local kernel " + std::to_string(input_kernel_dims);
      for (const LayerSpec& stage : stages)
        if (stage.kind == "dense") text += "/" + std::to_string(stage.dims);
      text += "/" + std::to_string(output_kernel_dims);
    }
    return text;
  }

 private:
  static std::string format_rate(double rate) {
    std::string text = std::to_string(rate);
    while (text.size() > 1 && text.back() == '0') text.pop_back();
    return text;
  }
};

}  // namespace autorec

#pragma once
// The network options autorec-train and bench/reproduce_paper share on their command lines
// (and in --config files): the architecture, the initial scale and the ensemble size.

#include <CLI/CLI.hpp>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "autorec/layers/layer_kinds.hpp"
#include "autorec/model/network.hpp"

namespace autorec_programs {

struct NetworkFlags {
  std::vector<autorec::Index> hidden = {500};
  std::string activation = "sigmoid";
  std::string output_activation = "identity";
  double dropout = 0;
  double input_dropout = 0;
  float weight_scale = 0.01f;
  int ensemble = 1;
  bool bf16_weights = false;
  autorec::Index kernel_dims = 0;
  float kernel_lambda = 0;

  void add_to(CLI::App& app) {
    const auto activations = CLI::IsMember(activation_names());
    app.add_option("--hidden", hidden, "hidden widths, encoder first: 500 (AutoRec) or 500,250,500 (deeper)")
        ->delimiter(',')->check(CLI::PositiveNumber)->capture_default_str();
    app.add_option("--activation", activation, "activation after each hidden layer")
        ->check(activations)->capture_default_str();
    app.add_option("--output-activation", output_activation, "activation of the reconstruction")
        ->check(activations)->capture_default_str();
    app.add_option("--dropout", dropout, "dropout rate after each hidden activation")
        ->check(CLI::Range(0.0, 0.95))->capture_default_str();
    app.add_option("--input-dropout", input_dropout, "dropout rate on the input ratings (denoising)")
        ->check(CLI::Range(0.0, 0.95))->capture_default_str();
    app.add_option("--weight-scale", weight_scale, "the sparse layers' initial weights: scale * N(0, 1)")
        ->check(CLI::PositiveNumber)->capture_default_str();
    app.add_option("--ensemble", ensemble, "train this many networks from successive seeds and average them (--save writes them all)")
        ->check(CLI::Range(1, 100))->capture_default_str();
    app.add_option("--kernel-dims", kernel_dims,
                   "kernelise every Dense, the ends included, with a local kernel whose unit embeddings have this "
                   "size (Sparse FC: 5; 0: plain weights)")
        ->check(CLI::Range(0, 1000))->capture_default_str();
    app.add_option("--kernel-lambda", kernel_lambda,
                   "lambda_s: the objective adds lambda_s / 2 |K|^2 for each kernelised layer")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
    app.add_flag("--bf16-weights", bf16_weights,
                 "training passes read the sparse layers' weights as bfloat16 (faster on CPUs; sums, parameters "
                 "and the model stay float; see docs/performance.md)");
  }

  autorec::Network<float>::Options options(autorec::Index inputs, float lambda, std::uint64_t seed) const {
    autorec::Network<float>::Options o;
    o.inputs = inputs;
    o.hidden = hidden;
    o.activation = activation;
    o.output_activation = output_activation;
    o.dropout = dropout;
    o.input_dropout = input_dropout;
    o.lambda = lambda;
    o.seed = seed;
    o.weight_scale = weight_scale;
    o.bf16_weights = bf16_weights;
    o.kernel_dims = kernel_dims;
    o.kernel_lambda = kernel_lambda;
    return o;
  }

  /// The network's shape for `inputs` inputs.
  autorec::Architecture architecture(autorec::Index inputs) const {
    return autorec::Architecture::stack(inputs, hidden, activation, output_activation, dropout, input_dropout,
                                        kernel_dims);
  }

  /// "k = 500" or "500-250-500, elu, dropout 0.2", for progress lines and titles.
  std::string describe() const {
    std::string text;
    for (std::size_t i = 0; i < hidden.size(); ++i) text += (i ? "-" : "") + std::to_string(hidden[i]);
    if (hidden.size() == 1) text = "k = " + text;
    if (activation != "sigmoid") text += ", " + activation;
    if (output_activation != "identity") text += ", output " + output_activation;
    if (dropout > 0) text += ", dropout " + format(dropout);
    if (input_dropout > 0) text += ", input dropout " + format(input_dropout);
    if (kernel_dims > 0) text += ", local kernel " + std::to_string(kernel_dims) + " (lambda_s " + format(kernel_lambda) + ")";
    if (bf16_weights) text += ", bf16 weights";
    if (ensemble > 1) text += ", ensemble of " + std::to_string(ensemble);
    return text;
  }

 private:
  static std::string format(double value) {
    std::ostringstream text;
    text << value;
    return text.str();
  }
  static std::vector<std::string> activation_names() { return autorec::activation_kinds<float>(); }
};

}  // namespace autorec_programs

#pragma once
// Every layer kind by name: the built-in kinds, registered for a scalar type on the first
// request for a layer of that type, and a host program's own (layers/registry.hpp).
//
//   make_layer<Scalar>(spec, inputs)      a layer of kind spec.kind taking `inputs` rows
//   make_activation<Scalar>(kind, width)  an activation layer of `width` units
//
// A built-in kind is one header in layers/ (or layers/activations/) plus its line in
// register_builtin_layers below; a host's kind registers itself (docs/extending.md).

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/layers/activations.hpp"
#include "autorec/layers/dense.hpp"
#include "autorec/layers/dropout.hpp"
#include "autorec/layers/gaussian.hpp"
#include "autorec/layers/registry.hpp"

namespace autorec {

/// Registers the built-in kinds for `Scalar`, once (thread-safe); make_layer and
/// make_activation call it, so a program never needs to.
template <typename Scalar>
void register_builtin_layers() {
  static const bool registered = [] {
    register_layer_for<Scalar, detail::MakeFromSpec<Dense>>(Dense<Scalar>::kind);
    register_layer_for<Scalar, detail::MakeFromSpec<Dropout>>(Dropout<Scalar>::kind);
    register_layer_for<Scalar, detail::MakeFromSpec<Gaussian>>(Gaussian<Scalar>::kind);
    register_activation_for<Scalar, Elu>();
    register_activation_for<Scalar, Identity>();
    register_activation_for<Scalar, Relu>();
    register_activation_for<Scalar, Selu>();
    register_activation_for<Scalar, Sigmoid>();
    register_activation_for<Scalar, Tanh>();
    return true;
  }();
  (void)registered;
}

/// The registered kinds, for error messages: "dense, dropout, elu, ...".
template <typename Scalar>
std::string known_layer_kinds() {
  register_builtin_layers<Scalar>();
  std::string names;
  for (const auto& [kind, factory] : layer_factories<Scalar>()) names += (names.empty() ? "" : ", ") + kind;
  return names;
}

/// The registered activations, in order of name.
template <typename Scalar>
std::vector<std::string> activation_kinds() {
  register_builtin_layers<Scalar>();
  std::vector<std::string> names;
  for (const auto& [kind, factory] : activation_factories<Scalar>()) names.push_back(kind);
  return names;
}

/// The registered activations: "elu, identity, ...".
template <typename Scalar>
std::string known_activations() {
  std::string names;
  for (const std::string& kind : activation_kinds<Scalar>()) names += (names.empty() ? "" : ", ") + kind;
  return names;
}

/// A new activation layer of kind `kind` and width `width`; throws naming the known kinds.
template <typename Scalar>
std::unique_ptr<ActivationLayer<Scalar>> make_activation(const std::string& kind, Index width) {
  register_builtin_layers<Scalar>();
  const auto found = activation_factories<Scalar>().find(kind);
  if (found == activation_factories<Scalar>().end())
    throw std::invalid_argument("unknown activation '" + kind + "' (known: " + known_activations<Scalar>() + ")");
  return found->second(width);
}

/// A new layer for `spec` taking `inputs` rows; throws naming the known kinds.
template <typename Scalar>
std::unique_ptr<Layer<Scalar>> make_layer(const LayerSpec& spec, Index inputs) {
  register_builtin_layers<Scalar>();
  const auto found = layer_factories<Scalar>().find(spec.kind);
  if (found == layer_factories<Scalar>().end())
    throw std::invalid_argument("unknown layer kind '" + spec.kind + "' (known: " + known_layer_kinds<Scalar>() + ")");
  return found->second(spec, inputs);
}

}  // namespace autorec

#pragma once
// Layer kinds by name, so a model file or a command line can name a layer: "dense",
// "dropout" and every activation register themselves here, and so can a host program's own
// layers (docs/extending.md). Each kind is registered for float and double.

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "autorec/layers/layer.hpp"

namespace autorec {

/// Makes a layer of a registered kind from its spec and its input width.
template <typename Scalar>
using LayerFactory = std::function<std::unique_ptr<Layer<Scalar>>(const LayerSpec&, Index inputs)>;
/// Makes an activation of a registered kind for a given width.
template <typename Scalar>
using ActivationFactory = std::function<std::unique_ptr<ActivationLayer<Scalar>>(Index width)>;

template <typename Scalar>
std::map<std::string, LayerFactory<Scalar>>& layer_factories() {
  static std::map<std::string, LayerFactory<Scalar>> factories;
  return factories;
}
template <typename Scalar>
std::map<std::string, ActivationFactory<Scalar>>& activation_factories() {
  static std::map<std::string, ActivationFactory<Scalar>> factories;
  return factories;
}

/// Registers `Make::template make<Scalar>(spec, inputs)` under `kind`, for float and double.
template <typename Make>
bool register_layer(const std::string& kind) {
  layer_factories<float>()[kind] = [](const LayerSpec& spec, Index inputs) { return Make::template make<float>(spec, inputs); };
  layer_factories<double>()[kind] = [](const LayerSpec& spec, Index inputs) { return Make::template make<double>(spec, inputs); };
  return true;
}

namespace detail {
template <template <typename> class L>
struct MakeFromSpec {
  template <typename Scalar>
  static std::unique_ptr<Layer<Scalar>> make(const LayerSpec& spec, Index inputs) {
    return L<Scalar>::from_spec(spec, inputs);
  }
};
}  // namespace detail

/// Registers a layer template whose `L<Scalar>::from_spec(spec, inputs)` builds it.
template <template <typename> class L>
bool register_layer_template(const std::string& kind) {
  return register_layer<detail::MakeFromSpec<L>>(kind);
}

/// The registered kinds, for error messages: "dense, dropout, elu, ...".
inline std::string known_layer_kinds() {
  std::string names;
  for (const auto& [kind, factory] : layer_factories<double>()) names += (names.empty() ? "" : ", ") + kind;
  return names;
}

/// The registered activations: "elu, identity, ...".
inline std::string known_activations() {
  std::string names;
  for (const auto& [kind, factory] : activation_factories<double>()) names += (names.empty() ? "" : ", ") + kind;
  return names;
}

/// A new activation layer of kind `kind` and width `width`; throws naming the known kinds.
template <typename Scalar>
std::unique_ptr<ActivationLayer<Scalar>> make_activation(const std::string& kind, Index width) {
  const auto found = activation_factories<Scalar>().find(kind);
  if (found == activation_factories<Scalar>().end())
    throw std::invalid_argument("unknown activation '" + kind + "' (known: " + known_activations() + ")");
  return found->second(width);
}

/// A new layer for `spec` taking `inputs` rows; throws naming the known kinds.
template <typename Scalar>
std::unique_ptr<Layer<Scalar>> make_layer(const LayerSpec& spec, Index inputs) {
  const auto found = layer_factories<Scalar>().find(spec.kind);
  if (found == layer_factories<Scalar>().end())
    throw std::invalid_argument("unknown layer kind '" + spec.kind + "' (known: " + known_layer_kinds() + ")");
  return found->second(spec, inputs);
}

}  // namespace autorec

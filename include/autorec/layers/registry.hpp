#pragma once
// Layer kinds by name, so a model file or a command line can name a layer. A host program's
// own layers register here for float and double (docs/extending.md); the built-in kinds
// ("dense", "dropout", "gaussian" and every activation) register for a scalar type only when
// a program first asks for a layer of that type (layers/layer_kinds.hpp), so that a file which
// includes the headers compiles no layer it does not use (instantiating all of them for both
// types cost 11 s of g++ -O2 in every translation unit).
// make_layer and make_activation, which look kinds up, are in layers/layer_kinds.hpp.

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

/// Registers `Make::template make<Scalar>(spec, inputs)` under `kind` for one scalar type.
template <typename Scalar, typename Make>
bool register_layer_for(const std::string& kind) {
  layer_factories<Scalar>()[kind] = [](const LayerSpec& spec, Index inputs) { return Make::template make<Scalar>(spec, inputs); };
  return true;
}

/// Registers `Make::template make<Scalar>(spec, inputs)` under `kind`, for float and double.
template <typename Make>
bool register_layer(const std::string& kind) {
  return register_layer_for<float, Make>(kind) && register_layer_for<double, Make>(kind);
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

/// Registers a layer template whose `L<Scalar>::from_spec(spec, inputs)` builds it, for float
/// and double.
template <template <typename> class L>
bool register_layer_template(const std::string& kind) {
  return register_layer<detail::MakeFromSpec<L>>(kind);
}

}  // namespace autorec

#pragma once
// Output losses by name, so an architecture (and a model file) can name one: "squared-error"
// (AutoRec) and "multinomial" (Mult-DAE, Mult-VAE) register here, and so can a host's own.

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "autorec/loss/multinomial.hpp"
#include "autorec/loss/observed_squared_error.hpp"
#include "autorec/loss/output_loss.hpp"

namespace autorec {

template <typename Scalar>
using OutputLossFactory = std::function<std::unique_ptr<OutputLoss<Scalar>>()>;

template <typename Scalar>
std::map<std::string, OutputLossFactory<Scalar>>& output_loss_factories() {
  static std::map<std::string, OutputLossFactory<Scalar>> factories{
      {"squared-error", [] { return std::make_unique<ObservedSquaredError<Scalar>>(); }},
      {"multinomial", [] { return std::make_unique<Multinomial<Scalar>>(); }},
  };
  return factories;
}

/// Registers `L<Scalar>` (default-constructible) under `name`, for float and double.
template <template <typename> class L>
bool register_output_loss(const std::string& name) {
  output_loss_factories<float>()[name] = [] { return std::make_unique<L<float>>(); };
  output_loss_factories<double>()[name] = [] { return std::make_unique<L<double>>(); };
  return true;
}

/// The registered names, for error messages: "multinomial, squared-error".
inline std::string known_output_losses() {
  std::string names;
  for (const auto& entry : output_loss_factories<float>()) names += (names.empty() ? "" : ", ") + entry.first;
  return names;
}

template <typename Scalar>
std::unique_ptr<OutputLoss<Scalar>> make_output_loss(const std::string& name) {
  const auto& factories = output_loss_factories<Scalar>();
  const auto it = factories.find(name);
  if (it == factories.end())
    throw std::invalid_argument("unknown output loss '" + name + "' (known: " + known_output_losses() + ")");
  return it->second();
}

}  // namespace autorec

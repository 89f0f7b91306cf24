#pragma once
// Optimizers by name: "adam", "rprop" and "lbfgs" register themselves here, and so can a
// host program's own (a factory under a new name). A trainer asks make_optimizer for the
// policy its options name and then calls only the Optimizer interface (optim/optimizer.hpp).

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/optim/adam.hpp"
#include "autorec/optim/lbfgs.hpp"
#include "autorec/optim/optimizer.hpp"
#include "autorec/optim/parameter_group.hpp"
#include "autorec/optim/rprop.hpp"

namespace autorec {

/// Which optimizer, and the settings of each built-in one (only the named one's are read).
template <typename Scalar>
struct OptimizerOptions {
  std::string optimizer = "adam";           ///< a registered name: adam, rprop, lbfgs, or a host's
  typename Adam<Scalar>::Options adam;      ///< learning rate etc.
  typename RProp<Scalar>::Options rprop;    ///< step sizes
  typename LBFGS<Scalar>::Options lbfgs;    ///< history and line search
};

/// Makes an optimizer over a parameter vector of `count` entries laid out as `groups`.
template <typename Scalar>
using OptimizerFactory = std::function<std::unique_ptr<Optimizer<Scalar>>(
    const OptimizerOptions<Scalar>&, const std::vector<ParameterGroup>& groups, Index count)>;

template <typename Scalar>
std::map<std::string, OptimizerFactory<Scalar>>& optimizer_factories() {
  static std::map<std::string, OptimizerFactory<Scalar>> factories = {
      {"adam",
       [](const OptimizerOptions<Scalar>& o, const std::vector<ParameterGroup>& groups, Index count) {
         return std::unique_ptr<Optimizer<Scalar>>(std::make_unique<Adam<Scalar>>(groups, count, o.adam));
       }},
      {"rprop",
       [](const OptimizerOptions<Scalar>& o, const std::vector<ParameterGroup>&, Index count) {
         return std::unique_ptr<Optimizer<Scalar>>(std::make_unique<RProp<Scalar>>(count, o.rprop));
       }},
      {"lbfgs",
       [](const OptimizerOptions<Scalar>& o, const std::vector<ParameterGroup>&, Index count) {
         return std::unique_ptr<Optimizer<Scalar>>(std::make_unique<LBFGS<Scalar>>(count, o.lbfgs));
       }},
  };
  return factories;
}

/// Registers a host's optimizer under `name` (for float and double: call once per Scalar).
template <typename Scalar>
bool register_optimizer(const std::string& name, OptimizerFactory<Scalar> factory) {
  optimizer_factories<Scalar>()[name] = std::move(factory);
  return true;
}

/// "adam, lbfgs, rprop": the registered names, for messages and command-line checks.
template <typename Scalar = float>
std::vector<std::string> known_optimizers() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : optimizer_factories<Scalar>()) names.push_back(name);
  return names;
}

/// The optimizer `options.optimizer` names; throws naming the known ones.
template <typename Scalar>
std::unique_ptr<Optimizer<Scalar>> make_optimizer(const OptimizerOptions<Scalar>& options,
                                                  const std::vector<ParameterGroup>& groups, Index count) {
  const auto found = optimizer_factories<Scalar>().find(options.optimizer);
  if (found == optimizer_factories<Scalar>().end()) {
    std::string names;
    for (const std::string& name : known_optimizers<Scalar>()) names += (names.empty() ? "" : ", ") + name;
    throw std::invalid_argument("unknown optimizer '" + options.optimizer + "' (known: " + names + ")");
  }
  return found->second(options, groups, count);
}

/// Throws, with the optimizer's own message, when `options` would be refused: for checking
/// before a long run, since each network's optimizer is made only when that network starts
/// training (a bad RProp cap used to surface after a first network had trained).
template <typename Scalar>
void check_optimizer_options(const OptimizerOptions<Scalar>& options) {
  make_optimizer<Scalar>(options, {ParameterGroup{0, 1, true}}, 1);
}

}  // namespace autorec

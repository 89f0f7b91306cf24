#pragma once
// A contiguous slice of a model's flat parameter vector and whether weight decay applies to
// it. Models describe themselves as a list of groups (weights decay, biases do not), so an
// optimizer needs no knowledge of layers.

#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/types.hpp"

namespace autorec {

struct ParameterGroup {
  Index offset;
  Index size;
  bool decays;  ///< true for weights (L2 decay applies), false for biases
};

/// Throws unless `groups` tile [0, parameter_count) in order without gaps or overlaps.
inline void check_parameter_groups(const std::vector<ParameterGroup>& groups,
                                   Index parameter_count) {
  Index next = 0;
  for (const auto& group : groups) {
    if (group.offset != next || group.size < 0)
      throw std::invalid_argument("parameter groups must tile the parameter vector in order; a "
                                  "group starts at " + std::to_string(group.offset) +
                                  " where " + std::to_string(next) + " was expected");
    next += group.size;
  }
  if (next != parameter_count)
    throw std::invalid_argument("parameter groups cover " + std::to_string(next) + " of " +
                                std::to_string(parameter_count) + " parameters");
}

}  // namespace autorec

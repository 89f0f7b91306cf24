#pragma once
// The built-in activations, each registered by name: sigmoid, identity, tanh, relu, elu, selu.

#include "autorec/layers/activations/elu.hpp"
#include "autorec/layers/activations/identity.hpp"
#include "autorec/layers/activations/relu.hpp"
#include "autorec/layers/activations/selu.hpp"
#include "autorec/layers/activations/sigmoid.hpp"
#include "autorec/layers/activations/tanh.hpp"

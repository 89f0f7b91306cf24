#pragma once
// AutoRec (Sedhain et al., WWW 2015): h(r) = f(W g(V r + mu) + b), g = sigmoid, f = identity.
//   r: d (one item's ratings by d users for I-AutoRec), V: k x d, mu: k, W: d x k, b: d.
// It is the one-hidden-layer instance of the network container (model/network.hpp), which
// Network::Options describe by default: hidden = {500}, sigmoid, identity output, no dropout.
// Setting options.hidden = {500, 250, 500}, another activation or dropout gives the deeper
// and denoising variants with the same training, prediction and model files.

#include "autorec/model/network.hpp"

namespace autorec {

template <typename Scalar = float>
using AutoRec = Network<Scalar>;

}  // namespace autorec

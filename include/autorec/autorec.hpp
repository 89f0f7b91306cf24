#pragma once
// autorec: header-only AutoRec (Sedhain, Menon, Sanner, Xie, WWW 2015) on Eigen.
// Including this header brings in the whole library.

#include "autorec/check/gradient_check.hpp"
#include "autorec/layers/dense.hpp"
#include "autorec/layers/identity.hpp"
#include "autorec/layers/sigmoid.hpp"
#include "autorec/loss/masked_mse.hpp"
#include "autorec/model/autorec.hpp"
#include "autorec/optim/adam.hpp"
#include "autorec/optim/parameter_group.hpp"
#include "autorec/optim/rprop.hpp"
#include "autorec/parallel.hpp"
#include "autorec/random.hpp"
#include "autorec/types.hpp"

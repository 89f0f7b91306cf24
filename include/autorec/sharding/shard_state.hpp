#pragma once
// What a checkpoint keeps of one shard of a distributed run: a leaf, so that io/ need not
// include the trainer.

#include <cstdint>
#include <vector>

#include "autorec/types.hpp"

namespace autorec {

template <typename Scalar>
struct ShardState {
  Vector<Scalar> parameters;              ///< as after the last epoch
  Vector<Scalar> best;                    ///< the best epoch's, restored at the end
  std::vector<Vector<Scalar>> optimizer;  ///< the optimizer's state() vectors
  /// The state of the optimizer of the replicated parameters (the same in every shard's).
  std::vector<Vector<Scalar>> replicated_optimizer;
  std::uint64_t noise_step = 0;           ///< TrainingPass::noise_step()
};

}  // namespace autorec

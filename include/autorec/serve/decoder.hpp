#pragma once
// The decode step: how one trained model turns what it holds of a user into a score for every
// item. The Scorer (serve/scorer.hpp) asks its decoders for known users, for blocks of users
// and for users folded in; it owns no model arithmetic of its own. One decoder per model kind:
//   ItemLayoutDecoder  I-AutoRec: item codes C (kn x |items|), cached; a user is a decoder row,
//                      s = f(C^T W(u, :)^T + b(u)); a new user is a fitted row (serve/fold_in.hpp)
//   UserLayoutDecoder  U-AutoRec, Mult-DAE, Mult-VAE: user codes C (kn x |users|), cached;
//                      s = f(W C(:, u) + b); a new user is one more encoding
//   EaseDecoder        EASE: s = B^T x, x the user's item vector; a new user is their x
//   BlendDecoder       a blend: its members' scores, standardised per user and weighted
//                      (model/blend.hpp); a new user is folded into every member
// Scores are in model units: a rating model's predicted rating / scale before clipping, an
// implicit model's ranking score (a multinomial network's logits: softmax keeps their order).
//
// A decoder is immutable and holds no pointers: the training matrix (in the model's layout,
// rating_matrix) is passed to each call that reads it, as layers get their parameters.

#include <string>
#include <vector>

#include "autorec/model/network.hpp"
#include "autorec/serve/fold_in.hpp"
#include "autorec/types.hpp"

namespace autorec {

template <typename Scalar>
class Decoder {
 public:
  virtual ~Decoder() = default;
  /// What the model is, in words.
  virtual std::string describe() const = 0;
  /// The network it decodes with; nullptr for a model without one (EASE).
  virtual const Network<Scalar>* network() const { return nullptr; }

  /// Known user `user`'s score of `item`.
  virtual Scalar score(const SparseColumns<Scalar>& training, int user, int item) const = 0;
  /// Every item's score for users[0 .. count): `out` is items x count.
  virtual void scores(const SparseColumns<Scalar>& training, const int* users, Index count,
                      Matrix<Scalar>& out) const = 0;
  /// A new user fitted to `values` (model units) of `items` (sorted, distinct indices).
  virtual FoldedFit<Scalar> fold_in(const SparseColumns<Scalar>& training, const std::vector<int>& items,
                                    const Vector<Scalar>& values, const FoldInOptions& options) const = 0;
  /// Every item's score for a user folded in from `items` (as given to fold_in).
  virtual void scores(const FoldedFit<Scalar>& fit, const std::vector<int>& items, Vector<Scalar>& out) const = 0;
};

}  // namespace autorec

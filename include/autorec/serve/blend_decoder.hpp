#pragma once
// A blend's decode step (serve/decoder.hpp, model/blend.hpp): each member decodes the user
// as it would alone, its scores over the catalogue are standardised, and the blend sums them
// with its weights:
//   s(u) = sum over members m of  w_m standardised(s_m(u))     (items)
// A known user is decoded by every member; a new user is folded into every member (one
// FoldedFit each, in FoldedFit::members). One score needs the user's whole score vector
// (the standardisation reads every item), so score() costs what scores() of one user does.
// Members share the Scorer's training matrix: they must all read the same layout (the user
// layout of implicit feedback: EASE, Mult-DAE, Mult-VAE).

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "autorec/model/blend.hpp"
#include "autorec/serve/decoder.hpp"

namespace autorec {

template <typename Scalar>
class BlendDecoder final : public Decoder<Scalar> {
 public:
  struct Member {
    std::shared_ptr<const Decoder<Scalar>> decoder;
    double weight = 0;
  };

  explicit BlendDecoder(std::vector<Member> members) : members_(std::move(members)) {
    if (members_.empty()) throw std::invalid_argument("BlendDecoder: a blend of no models");
    for (const Member& member : members_) {
      if (member.decoder == nullptr) throw std::invalid_argument("BlendDecoder: a null member");
      if (!std::isfinite(member.weight))
        throw std::invalid_argument("BlendDecoder: a member's weight is not finite");
    }
  }

  std::string describe() const override {
    std::string text = "a blend of";
    for (std::size_t m = 0; m < members_.size(); ++m)
      text += (m == 0 ? " " : m + 1 == members_.size() ? " and " : ", ") + members_[m].decoder->describe() +
              " (weight " + std::to_string(members_[m].weight) + ")";
    return text;
  }

  const std::vector<Member>& members() const { return members_; }

  Scalar score(const SparseColumns<Scalar>& training, int user, int item) const override {
    Matrix<Scalar> all;
    scores(training, &user, 1, all);
    return all(item, 0);
  }

  void scores(const SparseColumns<Scalar>& training, const int* users, Index count, Matrix<Scalar>& out) const override {
    Matrix<Scalar> part;
    for (std::size_t m = 0; m < members_.size(); ++m) {
      members_[m].decoder->scores(training, users, count, part);
      if (m == 0) out.setZero(part.rows(), part.cols());
      for (Index j = 0; j < count; ++j) add_standardized(part.col(j), members_[m].weight, out.col(j));
    }
  }

  FoldedFit<Scalar> fold_in(const SparseColumns<Scalar>& training, const std::vector<int>& items,
                            const Vector<Scalar>& values, const FoldInOptions& options) const override {
    FoldedFit<Scalar> fit;
    for (const Member& member : members_) fit.members.push_back(member.decoder->fold_in(training, items, values, options));
    return fit;
  }

  void scores(const FoldedFit<Scalar>& fit, const std::vector<int>& items, Vector<Scalar>& out) const override {
    if (fit.members.size() != members_.size())
      throw std::invalid_argument("BlendDecoder: a user folded into " + std::to_string(fit.members.size()) +
                                  " models, the blend has " + std::to_string(members_.size()));
    Vector<Scalar> part;
    for (std::size_t m = 0; m < members_.size(); ++m) {
      members_[m].decoder->scores(fit.members[m], items, part);
      if (m == 0) out.setZero(part.size());
      add_standardized(part, members_[m].weight, out);
    }
  }

 private:
  std::vector<Member> members_;
};

}  // namespace autorec

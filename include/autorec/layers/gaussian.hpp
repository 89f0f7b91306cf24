#pragma once
// The Gaussian stochastic layer of a variational autoencoder (Mult-VAE; Kingma and Welling's
// reparameterisation). Its input (2k x B) is the encoder's mean M (the first k rows) and log
// variance S (the last k); its output (k x B) is a code drawn from N(M, exp(S)):
//   training:   Y = M + E .* exp(S / 2),  E ~ N(0, 1) drawn from the step's seed
//   prediction: Y = M
// and it adds the KL divergence from the prior N(0, I), weighted by beta (annealed by the
// trainer through set_penalty_weight), to the objective:
//   KL = sum over (i, j) of (exp(S) + M^2 - 1 - S) / 2,   penalty = beta KL
//   dM = dY + beta M,   dS = dY .* E .* exp(S / 2) / 2 + beta (exp(S) - 1) / 2
// LayerSpec: kind "gaussian", size k (outputs), rate the starting beta.

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

#include "autorec/kernels/noise.hpp"
#include "autorec/layers/layer.hpp"
#include "autorec/parallel.hpp"

namespace autorec {

/// Standard normal draw i from `seed` (Box-Muller on two hashed uniforms): the same for a
/// given (seed, i) on every platform and thread count.
inline double normal_draw(std::uint64_t seed, std::uint64_t i) {
  const std::uint64_t a = mix64(seed ^ mix64(2 * i + 1)), b = mix64(seed ^ mix64(2 * i + 2));
  const double u1 = (double(a >> 11) + 0.5) * 0x1.0p-53, u2 = double(b >> 11) * 0x1.0p-53;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
}

template <typename Scalar>
class Gaussian final : public Layer<Scalar> {
 public:
  static constexpr const char* kind = "gaussian";

  Gaussian(Index latent, double beta) : latent_(latent), beta_(beta) {
    if (latent <= 0) throw std::invalid_argument("gaussian: the code size must be positive");
    if (!(beta >= 0 && std::isfinite(beta)))
      throw std::invalid_argument("gaussian: the KL weight must be finite and >= 0, got " + std::to_string(beta));
  }
  static std::unique_ptr<Layer<Scalar>> from_spec(const LayerSpec& spec, Index inputs) {
    if (inputs != 2 * spec.size)
      throw std::invalid_argument("gaussian: a code of " + std::to_string(spec.size) + " reads " +
                                  std::to_string(2 * spec.size) + " inputs (mean and log variance), given " +
                                  std::to_string(inputs));
    return std::make_unique<Gaussian>(spec.size, spec.rate);
  }

  LayerSpec spec() const override { return {kind, latent_, beta_}; }
  Index inputs() const override { return 2 * latent_; }
  Index outputs() const override { return latent_; }
  bool stochastic() const override { return true; }
  double penalty() const override { return penalty_; }
  void set_penalty_weight(double beta) override {
    if (!(beta >= 0 && std::isfinite(beta)))
      throw std::invalid_argument("gaussian: the KL weight must be finite and >= 0, got " + std::to_string(beta));
    beta_ = beta;
  }

  void forward(const Scalar*, const Matrix<Scalar>& input, Matrix<Scalar>& output) const override {
    require(input);
    output = input.topRows(latent_);
  }
  void forward_training(const Scalar*, const Matrix<Scalar>& input, Matrix<Scalar>& output,
                        std::uint64_t seed) override {
    require(input);
    const Index k = latent_, b = input.cols();
    noise_.resize(k, b);
    deviation_.resize(k, b);
    output.resize(k, b);
    std::vector<double> column_kl(std::size_t(b), 0.0);
    AUTOREC_PARALLEL_FOR_STATIC
    for (Index j = 0; j < b; ++j) {
      double kl = 0;
      for (Index i = 0; i < k; ++i) {
        const Scalar mean = input(i, j), log_variance = input(k + i, j);
        noise_(i, j) = Scalar(normal_draw(seed, std::uint64_t(j * k + i)));
        deviation_(i, j) = std::exp(log_variance / 2);
        output(i, j) = mean + noise_(i, j) * deviation_(i, j);
        kl += (double(deviation_(i, j)) * double(deviation_(i, j)) + double(mean) * double(mean) - 1 -
               double(log_variance)) / 2;
      }
      column_kl[std::size_t(j)] = kl;
    }
    double kl = 0;
    for (double column : column_kl) kl += column;
    penalty_ = beta_ * kl;
  }
  void backward(const Scalar*, const Matrix<Scalar>& input, const Matrix<Scalar>&, const Matrix<Scalar>& output_gradient,
                Matrix<Scalar>& input_gradient) const override {
    const Index k = latent_;
    if (noise_.cols() != output_gradient.cols() || noise_.rows() != k)
      throw std::invalid_argument("gaussian: backward's gradient does not match the last training forward");
    const Scalar beta = Scalar(beta_);
    input_gradient.resize(2 * k, output_gradient.cols());
    input_gradient.topRows(k) = output_gradient + beta * input.topRows(k);
    input_gradient.bottomRows(k) =
        (output_gradient.array() * noise_.array() * deviation_.array() / Scalar(2) +
         beta * (deviation_.array().square() - Scalar(1)) / Scalar(2)).matrix();
  }

  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Gaussian>(*this); }

 private:
  void require(const Matrix<Scalar>& input) const {
    if (input.rows() != 2 * latent_)
      throw std::invalid_argument("gaussian: input has " + std::to_string(input.rows()) + " rows, expected " +
                                  std::to_string(2 * latent_));
  }
  Index latent_;
  double beta_;
  double penalty_ = 0;                 // beta KL of the last training forward
  Matrix<Scalar> noise_, deviation_;   // E and exp(S / 2) of the last training forward
};


}  // namespace autorec

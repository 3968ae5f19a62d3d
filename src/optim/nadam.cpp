// NAdam's update rule as one fused pass (torch 1.13's _single_tensor_nadam).
#include "ember/optim/nadam.h"

#include <cmath>

#include "optim/fused.h"

namespace ember::optim {

void NAdamOptions::fields(StateFields &f) {
  f("lr", lr_);
  f("betas", betas_);
  f("eps", eps_);
  f("weight_decay", weight_decay_);
  f("momentum_decay", momentum_decay_);
}

NAdam::NAdam(std::vector<ParamGroup> param_groups, const NAdamOptions &defaults)
    : Optimizer(std::move(param_groups), defaults.clone()) {
  const auto [beta1, beta2] = defaults.betas();
  EMBER_CHECK(defaults.lr() >= 0, "NAdam: invalid learning rate: ", defaults.lr());
  EMBER_CHECK(defaults.eps() >= 0, "NAdam: invalid epsilon value: ", defaults.eps());
  EMBER_CHECK(beta1 >= 0 && beta1 < 1, "NAdam: invalid beta parameter at index 0: ", beta1);
  EMBER_CHECK(beta2 >= 0 && beta2 < 1, "NAdam: invalid beta parameter at index 1: ", beta2);
  EMBER_CHECK(defaults.weight_decay() >= 0,
              "NAdam: invalid weight_decay value: ", defaults.weight_decay());
  EMBER_CHECK(defaults.momentum_decay() >= 0,
              "NAdam: invalid momentum_decay value: ", defaults.momentum_decay());
}

void NAdam::update(const Tensor &param, const Tensor &grad, StateDict &state,
                   const OptimizerOptions &options) {
  const auto &o = detail::options_as<NAdamOptions>(options);
  const double step = ++detail::state_number(state, "step");
  double &mu_product = detail::state_number(state, "mu_product", 1.0);
  const Tensor exp_avg = detail::state_tensor(state, "exp_avg", param);
  const Tensor exp_avg_sq = detail::state_tensor(state, "exp_avg_sq", param);
  const auto [beta1, beta2] = o.betas();
  const double lr = o.lr(), eps = o.eps(), weight_decay = o.weight_decay();
  const double bias_correction2 = 1 - std::pow(beta2, step);
  const double mu = beta1 * (1 - 0.5 * std::pow(0.96, step * o.momentum_decay()));
  const double mu_next = beta1 * (1 - 0.5 * std::pow(0.96, (step + 1) * o.momentum_decay()));
  // torch keeps mu_product in a 0-d tensor of the default dtype; with float32 (the usual
  // default) rounding each product the same way keeps the numbers equal.
  const bool float32 = default_dtype() != kFloat64;
  auto round = [float32](double x) {
    return float32 ? static_cast<double>(static_cast<float>(x)) : x;
  };
  const double product = round(round(mu_product) * round(mu));
  const double product_next = round(round(product * round(mu)) * round(mu_next));
  mu_product = product;
  const double grad_coef = -lr * (1 - mu) / (1 - product);
  const double avg_coef = -lr * mu_next / (1 - product_next);
  detail::fused_update(
      "NAdam", param, grad,
      [&](int64_t n, auto *__restrict p, const auto *__restrict g, auto *__restrict m,
          auto *__restrict v) {
        using T = std::remove_cvref_t<decltype(*p)>;
        const T b1 = beta1, b2 = beta2, one_minus_b1 = 1 - beta1, one_minus_b2 = 1 - beta2;
        const T eps_t = eps, decay_t = weight_decay, bc2 = bias_correction2;
        const T grad_coef_t = grad_coef, avg_coef_t = avg_coef;
        for (int64_t i = 0; i < n; ++i) {
          T d = g[i];
          if (weight_decay != 0)
            d = d + decay_t * p[i];
          const T mi = m[i] * b1 + one_minus_b1 * d;
          const T vi = v[i] * b2 + one_minus_b2 * d * d;
          m[i] = mi;
          v[i] = vi;
          const T denom = std::sqrt(vi / bc2) + eps_t;
          const T pi = p[i] + grad_coef_t * d / denom;
          p[i] = pi + avg_coef_t * mi / denom;
        }
      },
      exp_avg, exp_avg_sq);
}

} // namespace ember::optim

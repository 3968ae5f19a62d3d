// RAdam's update rule as one fused pass (torch 1.13's _single_tensor_radam).
#include "ember/optim/radam.h"

#include <cmath>

#include "optim/fused.h"

namespace ember::optim {

void RAdamOptions::fields(StateFields &f) {
  f("lr", lr_);
  f("betas", betas_);
  f("eps", eps_);
  f("weight_decay", weight_decay_);
}

RAdam::RAdam(std::vector<ParamGroup> param_groups, const RAdamOptions &defaults)
    : Optimizer(std::move(param_groups), defaults.clone()) {
  const auto [beta1, beta2] = defaults.betas();
  EMBER_CHECK(defaults.lr() >= 0, "RAdam: invalid learning rate: ", defaults.lr());
  EMBER_CHECK(defaults.eps() >= 0, "RAdam: invalid epsilon value: ", defaults.eps());
  EMBER_CHECK(beta1 >= 0 && beta1 < 1, "RAdam: invalid beta parameter at index 0: ", beta1);
  EMBER_CHECK(beta2 >= 0 && beta2 < 1, "RAdam: invalid beta parameter at index 1: ", beta2);
  EMBER_CHECK(defaults.weight_decay() >= 0,
              "RAdam: invalid weight_decay value: ", defaults.weight_decay());
}

void RAdam::update(const Tensor &param, const Tensor &grad, StateDict &state,
                   const OptimizerOptions &options) {
  const auto &o = detail::options_as<RAdamOptions>(options);
  const double step = ++detail::state_number(state, "step");
  const Tensor exp_avg = detail::state_tensor(state, "exp_avg", param);
  const Tensor exp_avg_sq = detail::state_tensor(state, "exp_avg_sq", param);
  const auto [beta1, beta2] = o.betas();
  const double lr = o.lr(), eps = o.eps(), weight_decay = o.weight_decay();
  const double bias_correction1 = 1 - std::pow(beta1, step);
  const double bias_correction2 = 1 - std::pow(beta2, step);
  // The length of the approximated simple moving average; the variance is tractable (and the
  // adaptive term used) only when it exceeds 5.
  const double rho_inf = 2 / (1 - beta2) - 1;
  const double rho_t = rho_inf - 2 * step * std::pow(beta2, step) / bias_correction2;
  const bool rectify = rho_t > 5;
  const double rect =
      rectify
          ? std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
          : 0;
  detail::fused_update(
      "RAdam", param, grad,
      [&](int64_t n, auto *__restrict p, const auto *__restrict g, auto *__restrict m,
          auto *__restrict v) {
        using T = std::remove_cvref_t<decltype(*p)>;
        const T b1 = beta1, b2 = beta2, one_minus_b1 = 1 - beta1, one_minus_b2 = 1 - beta2;
        const T eps_t = eps, decay_t = weight_decay, bc1 = bias_correction1, lr_t = lr;
        const T bc2_sqrt = std::sqrt(bias_correction2), rect_t = rect;
        for (int64_t i = 0; i < n; ++i) {
          T d = g[i];
          if (weight_decay != 0)
            d = d + decay_t * p[i];
          const T mi = m[i] * b1 + one_minus_b1 * d;
          const T vi = v[i] * b2 + one_minus_b2 * d * d;
          m[i] = mi;
          v[i] = vi;
          T update = mi / bc1 * lr_t;
          if (rectify)
            update = update * (T(1) / (std::sqrt(vi) + eps_t) * bc2_sqrt) * rect_t;
          p[i] = p[i] - update;
        }
      },
      exp_avg, exp_avg_sq);
}

} // namespace ember::optim

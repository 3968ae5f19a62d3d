// Adamax's update rule as one fused pass (torch 1.13's _single_tensor_adamax).
#include "ember/optim/adamax.h"

#include <cmath>

#include "optim/fused.h"

namespace ember::optim {

void AdamaxOptions::fields(StateFields &f) {
  f("lr", lr_);
  f("betas", betas_);
  f("eps", eps_);
  f("weight_decay", weight_decay_);
  f("maximize", maximize_);
}

Adamax::Adamax(std::vector<ParamGroup> param_groups, const AdamaxOptions &defaults)
    : Optimizer(std::move(param_groups), defaults.clone()) {
  const auto [beta1, beta2] = defaults.betas();
  EMBER_CHECK(defaults.lr() >= 0, "Adamax: invalid learning rate: ", defaults.lr());
  EMBER_CHECK(defaults.eps() >= 0, "Adamax: invalid epsilon value: ", defaults.eps());
  EMBER_CHECK(beta1 >= 0 && beta1 < 1, "Adamax: invalid beta parameter at index 0: ", beta1);
  EMBER_CHECK(beta2 >= 0 && beta2 < 1, "Adamax: invalid beta parameter at index 1: ", beta2);
  EMBER_CHECK(defaults.weight_decay() >= 0,
              "Adamax: invalid weight_decay value: ", defaults.weight_decay());
}

void Adamax::update(const Tensor &param, const Tensor &grad, StateDict &state,
                    const OptimizerOptions &options) {
  const auto &o = detail::options_as<AdamaxOptions>(options);
  const double step = ++detail::state_number(state, "step");
  const Tensor exp_avg = detail::state_tensor(state, "exp_avg", param);
  const Tensor exp_inf = detail::state_tensor(state, "exp_inf", param);
  const auto [beta1, beta2] = o.betas();
  const double clr = o.lr() / (1 - std::pow(beta1, step));
  const double eps = o.eps(), weight_decay = o.weight_decay();
  const bool maximize = o.maximize();
  detail::fused_update(
      "Adamax", param, grad,
      [&](int64_t n, auto *__restrict p, const auto *__restrict g, auto *__restrict m,
          auto *__restrict u) {
        using T = std::remove_cvref_t<decltype(*p)>;
        const T b1 = beta1, b2 = beta2, one_minus_b1 = 1 - beta1, eps_t = eps;
        const T decay_t = weight_decay, neg_clr = -clr;
        for (int64_t i = 0; i < n; ++i) {
          T d = maximize ? -g[i] : g[i];
          if (weight_decay != 0)
            d = d + decay_t * p[i];
          const T mi = m[i] * b1 + one_minus_b1 * d;
          const T ui = std::max(u[i] * b2, std::abs(d) + eps_t);
          m[i] = mi;
          u[i] = ui;
          p[i] = p[i] + neg_clr * mi / ui;
        }
      },
      exp_avg, exp_inf);
}

} // namespace ember::optim

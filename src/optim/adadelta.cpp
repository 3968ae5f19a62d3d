// Adadelta's update rule as one fused pass (torch 1.13's _single_tensor_adadelta).
#include "ember/optim/adadelta.h"

#include <cmath>

#include "optim/fused.h"

namespace ember::optim {

void AdadeltaOptions::fields(StateFields &f) {
  f("lr", lr_);
  f("rho", rho_);
  f("eps", eps_);
  f("weight_decay", weight_decay_);
  f("maximize", maximize_);
}

Adadelta::Adadelta(std::vector<ParamGroup> param_groups, const AdadeltaOptions &defaults)
    : Optimizer(std::move(param_groups), defaults.clone()) {
  EMBER_CHECK(defaults.lr() >= 0, "Adadelta: invalid learning rate: ", defaults.lr());
  EMBER_CHECK(defaults.rho() >= 0 && defaults.rho() <= 1,
              "Adadelta: invalid rho value: ", defaults.rho());
  EMBER_CHECK(defaults.eps() >= 0, "Adadelta: invalid epsilon value: ", defaults.eps());
  EMBER_CHECK(defaults.weight_decay() >= 0,
              "Adadelta: invalid weight_decay value: ", defaults.weight_decay());
}

void Adadelta::update(const Tensor &param, const Tensor &grad, StateDict &state,
                      const OptimizerOptions &options) {
  const auto &o = detail::options_as<AdadeltaOptions>(options);
  ++detail::state_number(state, "step");
  const Tensor square_avg = detail::state_tensor(state, "square_avg", param);
  const Tensor acc_delta = detail::state_tensor(state, "acc_delta", param);
  const double lr = o.lr(), rho = o.rho(), eps = o.eps(), weight_decay = o.weight_decay();
  const bool maximize = o.maximize();
  detail::fused_update(
      "Adadelta", param, grad,
      [&](int64_t n, auto *__restrict p, const auto *__restrict g, auto *__restrict sq,
          auto *__restrict acc) {
        using T = std::remove_cvref_t<decltype(*p)>;
        const T rho_t = rho, one_minus_rho = 1 - rho, eps_t = eps, decay_t = weight_decay;
        const T neg_lr = -lr;
        for (int64_t i = 0; i < n; ++i) {
          T d = maximize ? -g[i] : g[i];
          if (weight_decay != 0)
            d = d + decay_t * p[i];
          const T s = sq[i] * rho_t + one_minus_rho * d * d;
          sq[i] = s;
          const T delta = std::sqrt(acc[i] + eps_t) / std::sqrt(s + eps_t) * d;
          acc[i] = acc[i] * rho_t + one_minus_rho * delta * delta;
          p[i] = p[i] + neg_lr * delta;
        }
      },
      square_avg, acc_delta);
}

} // namespace ember::optim

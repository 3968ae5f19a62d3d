// Adagrad's update rule as one fused pass (torch 1.13's _single_tensor_adagrad, dense gradients).
#include "ember/optim/adagrad.h"

#include <cmath>

#include "optim/fused.h"

namespace ember::optim {

void AdagradOptions::fields(StateFields &f) {
  f("lr", lr_);
  f("lr_decay", lr_decay_);
  f("weight_decay", weight_decay_);
  f("initial_accumulator_value", initial_accumulator_value_);
  f("eps", eps_);
  f("maximize", maximize_);
}

Adagrad::Adagrad(std::vector<ParamGroup> param_groups, const AdagradOptions &defaults)
    : Optimizer(std::move(param_groups), defaults.clone()) {
  EMBER_CHECK(defaults.lr() >= 0, "Adagrad: invalid learning rate: ", defaults.lr());
  EMBER_CHECK(defaults.lr_decay() >= 0, "Adagrad: invalid lr_decay value: ", defaults.lr_decay());
  EMBER_CHECK(defaults.weight_decay() >= 0,
              "Adagrad: invalid weight_decay value: ", defaults.weight_decay());
  EMBER_CHECK(
      defaults.initial_accumulator_value() >= 0,
      "Adagrad: invalid initial_accumulator_value value: ", defaults.initial_accumulator_value());
  EMBER_CHECK(defaults.eps() >= 0, "Adagrad: invalid epsilon value: ", defaults.eps());
}

void Adagrad::update(const Tensor &param, const Tensor &grad, StateDict &state,
                     const OptimizerOptions &options) {
  const auto &o = detail::options_as<AdagradOptions>(options);
  const double step = ++detail::state_number(state, "step");
  const Tensor sum = detail::state_tensor(state, "sum", param, o.initial_accumulator_value());
  const double clr = o.lr() / (1 + (step - 1) * o.lr_decay());
  const double eps = o.eps(), weight_decay = o.weight_decay();
  const bool maximize = o.maximize();
  detail::fused_update(
      "Adagrad", param, grad,
      [&](int64_t n, auto *__restrict p, const auto *__restrict g, auto *__restrict acc) {
        using T = std::remove_cvref_t<decltype(*p)>;
        const T eps_t = eps, decay_t = weight_decay, neg_clr = -clr;
        for (int64_t i = 0; i < n; ++i) {
          T d = maximize ? -g[i] : g[i];
          if (weight_decay != 0)
            d = d + decay_t * p[i];
          const T s = acc[i] + d * d;
          acc[i] = s;
          p[i] = p[i] + neg_clr * d / (std::sqrt(s) + eps_t);
        }
      },
      sum);
}

} // namespace ember::optim

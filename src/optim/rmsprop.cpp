// RMSprop's update rule as one fused pass (torch 1.13's _single_tensor_rmsprop).
#include "ember/optim/rmsprop.h"

#include <cmath>

#include "optim/fused.h"

namespace ember::optim {

void RMSpropOptions::fields(StateFields &f) {
  f("lr", lr_);
  f("alpha", alpha_);
  f("eps", eps_);
  f("weight_decay", weight_decay_);
  f("momentum", momentum_);
  f("centered", centered_);
  f("maximize", maximize_);
}

RMSprop::RMSprop(std::vector<ParamGroup> param_groups, const RMSpropOptions &defaults)
    : Optimizer(std::move(param_groups), defaults.clone()) {
  EMBER_CHECK(defaults.lr() >= 0, "RMSprop: invalid learning rate: ", defaults.lr());
  EMBER_CHECK(defaults.eps() >= 0, "RMSprop: invalid epsilon value: ", defaults.eps());
  EMBER_CHECK(defaults.momentum() >= 0, "RMSprop: invalid momentum value: ", defaults.momentum());
  EMBER_CHECK(defaults.weight_decay() >= 0,
              "RMSprop: invalid weight_decay value: ", defaults.weight_decay());
  EMBER_CHECK(defaults.alpha() >= 0, "RMSprop: invalid alpha value: ", defaults.alpha());
}

void RMSprop::update(const Tensor &param, const Tensor &grad, StateDict &state,
                     const OptimizerOptions &options) {
  const auto &o = detail::options_as<RMSpropOptions>(options);
  ++detail::state_number(state, "step");
  const Tensor square_avg = detail::state_tensor(state, "square_avg", param);
  const Tensor buffer =
      o.momentum() > 0 ? detail::state_tensor(state, "momentum_buffer", param) : Tensor();
  const Tensor grad_avg = o.centered() ? detail::state_tensor(state, "grad_avg", param) : Tensor();
  const double lr = o.lr(), alpha = o.alpha(), eps = o.eps(), weight_decay = o.weight_decay();
  const double momentum = o.momentum();
  detail::with_flags(
      [&](auto maximize, auto decay, auto has_momentum, auto centered) {
        detail::fused_update(
            "RMSprop", param, grad,
            [&](int64_t n, auto *__restrict p, const auto *__restrict g, auto *__restrict sq,
                auto *__restrict buf, auto *__restrict ga) {
              using T = std::remove_cvref_t<decltype(*p)>;
              const T alpha_t = alpha, one_minus_alpha = 1 - alpha, eps_t = eps;
              const T decay_t = weight_decay, momentum_t = momentum, neg_lr = -lr;
              for (int64_t i = 0; i < n; ++i) {
                T d = maximize ? -g[i] : g[i];
                if constexpr (decay)
                  d = d + decay_t * p[i];
                const T s = sq[i] * alpha_t + one_minus_alpha * d * d;
                sq[i] = s;
                T avg;
                if constexpr (centered) {
                  const T a = ga[i] * alpha_t + one_minus_alpha * d;
                  ga[i] = a;
                  avg = std::sqrt(s + T(-1) * a * a);
                } else {
                  avg = std::sqrt(s);
                }
                avg = avg + eps_t;
                if constexpr (has_momentum) {
                  const T b = buf[i] * momentum_t + d / avg;
                  buf[i] = b;
                  p[i] = p[i] + neg_lr * b;
                } else {
                  p[i] = p[i] + neg_lr * d / avg;
                }
              }
            },
            square_avg, buffer, grad_avg);
      },
      o.maximize(), weight_decay != 0, buffer.defined(), grad_avg.defined());
}

} // namespace ember::optim

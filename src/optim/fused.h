// The driver of the fused optimizer kernels: one pass over a parameter's memory that reads the
// parameter, its gradient and its state tensors and writes them back, split across threads,
// without temporaries. Each optimizer supplies only its per-element rule.
#pragma once

#include <array>
#include <tuple>
#include <type_traits>

#include "backend/cpu/parallel.h"
#include "ember/ops.h"
#include "ember/optim/optimizer.h"

namespace ember::optim::detail {

// The state tensor `name`, created filled with `initial` like param on first use.
inline Tensor &state_tensor(StateDict &state, const std::string &name, const Tensor &param,
                            double initial = 0) {
  auto it = state.find(name);
  if (it == state.end())
    it = state.emplace(name, full(param.sizes(), initial, dtype(param.dtype()))).first;
  return std::get<Tensor>(it->second);
}

// The number `name`, created as `initial` on first use.
inline double &state_number(StateDict &state, const std::string &name, double initial = 0) {
  auto it = state.find(name);
  if (it == state.end())
    it = state.emplace(name, initial).first;
  return std::get<double>(it->second);
}

// Calls fn with each flag as a std::bool_constant, so that a kernel tests its options with
// `if constexpr` and its per-element loop compiles, branch-free and vectorized, once per
// combination.
template <typename Fn> decltype(auto) with_flags(Fn &&fn) { return fn(); }
template <typename Fn, typename... Flags>
decltype(auto) with_flags(Fn &&fn, bool flag, Flags... rest) {
  auto bind = [&](auto constant) {
    return with_flags([&](auto... constants) { return fn(constant, constants...); }, rest...);
  };
  return flag ? bind(std::true_type{}) : bind(std::false_type{});
}

template <typename Options> const Options &options_as(const OptimizerOptions &options) {
  return static_cast<const Options &>(options);
}

// Calls kernel(n, param, grad, state...) on consecutive chunks of the elements, where each
// argument after n points at the chunk's first element (float or double, as the parameter).
// A state tensor may be undefined (an option is off); the kernel then gets a null pointer.
// Non-contiguous parameters or gradients go through contiguous copies.
template <typename Kernel, typename... State>
void fused_update(const char *optimizer, const Tensor &param, const Tensor &grad,
                  const Kernel &kernel, const State &...state) {
  EMBER_CHECK(param.dtype() == kFloat32 || param.dtype() == kFloat64, optimizer,
              ": parameters must be float32 or float64, got ", param.dtype());
  EMBER_CHECK(grad.sizes() == param.sizes(), optimizer, ": gradient of shape ", grad.sizes(),
              " does not match its parameter of shape ", param.sizes());
  const Tensor work = param.is_contiguous() ? param : param.contiguous();
  const Tensor g = (grad.dtype() == param.dtype() ? grad : grad.to(param.dtype())).contiguous();
  auto run = [&](auto zero) {
    using T = decltype(zero);
    auto state_ptr = [](const Tensor &t) -> T * {
      EMBER_INTERNAL_ASSERT(!t.defined() || t.is_contiguous());
      return t.defined() ? t.data_ptr<T>() : nullptr;
    };
    T *p = work.data_ptr<T>();
    const T *gp = g.data_ptr<T>();
    const std::array<T *, sizeof...(State)> s{state_ptr(state)...};
    cpu::parallel_for(0, param.numel(), cpu::kGrainSize, [&](int64_t begin, int64_t end) {
      std::apply(
          [&](auto *...sp) {
            kernel(end - begin, p + begin, gp + begin, (sp ? sp + begin : nullptr)...);
          },
          s);
    });
  };
  if (param.dtype() == kFloat32)
    run(float{});
  else
    run(double{});
  if (!work.is_same(param))
    Tensor(param).copy_(work);
  else
    param.impl()->storage()->bump_version();
}

} // namespace ember::optim::detail

// gradcheck and gradgradcheck: analytical Jacobians (from backward, one output element at a
// time) against central finite differences (perturbing one input element at a time).
#include <cmath>

#include "ember/autograd.h"
#include "ember/ops.h"
#include "ember/random.h"

namespace ember::autograd {

namespace {

// Address of the element with flat (row-major) index `flat` in a strided tensor.
double *element(const Tensor &t, int64_t flat) {
  int64_t offset = 0;
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    offset += (flat % t.size(d)) * t.stride(d);
    flat /= t.size(d);
  }
  return t.data_ptr<double>() + offset;
}

TensorList differentiable_outputs(const TensorList &outputs) {
  TensorList result;
  for (const Tensor &output : outputs)
    if (output.defined() && output.is_floating_point())
      result.push_back(output);
  return result;
}

// Flattened float64 copies of every output, evaluated without recording.
std::vector<Tensor> evaluate(const std::function<TensorList(const TensorList &)> &fn,
                             const TensorList &inputs) {
  NoGradGuard no_grad;
  std::vector<Tensor> values;
  for (const Tensor &output : differentiable_outputs(fn(inputs)))
    values.push_back(output.to(kFloat64).contiguous().reshape({-1}).clone());
  return values;
}

} // namespace

bool gradcheck(const std::function<TensorList(const TensorList &)> &fn, const TensorList &inputs,
               GradcheckOptions options) {
  std::vector<size_t> checked;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || !inputs[i].requires_grad())
      continue;
    EMBER_CHECK(inputs[i].dtype() == kFloat64, "gradcheck: input ", i, " has dtype ",
                inputs[i].dtype(), "; gradcheck needs float64 inputs for accurate differences");
    checked.push_back(i);
  }
  EMBER_CHECK(!checked.empty(), "gradcheck: no input requires grad");

  TensorList outputs = differentiable_outputs(fn(inputs));
  TensorList wrt;
  for (size_t i : checked)
    wrt.push_back(inputs[i]);

  for (size_t o = 0; o < outputs.size(); ++o) {
    const Tensor &output = outputs[o];
    // analytical[k][j, e]: d output[j] / d input_k[e]
    std::vector<Tensor> analytical;
    for (size_t i : checked)
      analytical.push_back(zeros({output.numel(), inputs[i].numel()}, dtype(kFloat64)));
    for (int64_t j = 0; j < output.numel(); ++j) {
      Tensor seed = zeros({output.numel()}, dtype(kFloat64));
      seed.data_ptr<double>()[j] = 1.0;
      TensorList grads = grad({output}, wrt, {seed.to(output.dtype()).view(output.sizes())}, /*retain_graph=*/true,
                              /*create_graph=*/false, /*allow_unused=*/true);
      NoGradGuard no_grad;
      for (size_t k = 0; k < checked.size(); ++k)
        if (grads[k].defined())
          analytical[k].select(0, j).copy_(grads[k].to(kFloat64).reshape({-1}));
    }

    for (size_t k = 0; k < checked.size(); ++k) {
      const Tensor &input = inputs[checked[k]];
      const double *jacobian = analytical[k].contiguous().data_ptr<double>();
      for (int64_t e = 0; e < input.numel(); ++e) {
        double *slot = element(input, e);
        const double original = *slot;
        *slot = original + options.eps;
        Tensor plus = evaluate(fn, inputs)[o];
        *slot = original - options.eps;
        Tensor minus = evaluate(fn, inputs)[o];
        *slot = original;
        const double *p = plus.data_ptr<double>();
        const double *m = minus.data_ptr<double>();
        for (int64_t j = 0; j < output.numel(); ++j) {
          double numerical = (p[j] - m[j]) / (2 * options.eps);
          double analytic = jacobian[j * input.numel() + e];
          EMBER_CHECK(std::abs(numerical - analytic) <= options.atol + options.rtol * std::abs(numerical),
                      "gradcheck: Jacobian mismatch for output ", o, " with respect to input ",
                      checked[k], " (shape ", input.sizes(), "), output element ", j,
                      ", input element ", e, ": numerical ", numerical, ", analytical ", analytic);
        }
      }
    }
  }
  return true;
}

bool gradgradcheck(const std::function<TensorList(const TensorList &)> &fn,
                   const TensorList &inputs, GradcheckOptions options) {
  TensorList outputs = differentiable_outputs(fn(inputs));
  // Fixed random weights for the outputs, so the checked function is a fixed scalar map.
  Generator generator(1234);
  TensorList grad_outputs;
  for (const Tensor &output : outputs)
    grad_outputs.push_back(randn(output.sizes(), generator, dtype(kFloat64)).requires_grad_());
  const size_t num_inputs = inputs.size();
  auto first_derivatives = [&](const TensorList &all) {
    // gradcheck also evaluates this under NoGradGuard for finite differences; the inner
    // backward needs its graph all the same.
    EnableGradGuard enable_grad;
    TensorList primal(all.begin(), all.begin() + num_inputs);
    TensorList weights(all.begin() + num_inputs, all.end());
    TensorList wrt;
    for (const Tensor &input : primal)
      if (input.defined() && input.requires_grad())
        wrt.push_back(input);
    TensorList results = differentiable_outputs(fn(primal));
    TensorList grads = grad(results, wrt, weights, /*retain_graph=*/true, /*create_graph=*/true,
                            /*allow_unused=*/true);
    TensorList defined;
    for (const Tensor &g : grads)
      if (g.defined())
        defined.push_back(g);
    return defined;
  };
  TensorList all = inputs;
  all.insert(all.end(), grad_outputs.begin(), grad_outputs.end());
  return gradcheck(first_derivatives, all, options);
}

} // namespace ember::autograd

// Helpers shared by the C++ tests.
#pragma once

#include <gtest/gtest.h>

#include <cmath>

#include <string>

#include "ember/ember.h"

namespace ember::testing {

// Expects statement to throw ember::Error (or a subclass) whose message contains substring.
#define EXPECT_THROW_WITH(statement, substring)                                                    \
  do {                                                                                             \
    try {                                                                                          \
      statement;                                                                                   \
      ADD_FAILURE() << "expected ember::Error containing \"" << (substring) << "\"";               \
    } catch (const ::ember::Error &error) {                                                        \
      EXPECT_NE(std::string(error.what()).find(substring), std::string::npos)                      \
          << "message was: " << error.what();                                                      \
    }                                                                                              \
  } while (0)

// Expects same shape and elementwise |actual - expected| <= atol + rtol * |expected|.
inline void expect_close(const Tensor &actual, const Tensor &expected, double rtol = 1e-5,
                         double atol = 1e-6) {
  ASSERT_EQ(actual.sizes(), expected.sizes());
  Tensor a = actual.to(kFloat64).contiguous();
  Tensor e = expected.to(kFloat64).contiguous();
  const double *pa = a.data_ptr<double>();
  const double *pe = e.data_ptr<double>();
  for (int64_t i = 0; i < a.numel(); ++i) {
    if (std::isnan(pe[i])) {
      EXPECT_TRUE(std::isnan(pa[i])) << "at flat index " << i;
      continue;
    }
    EXPECT_LE(std::abs(pa[i] - pe[i]), atol + rtol * std::abs(pe[i]))
        << "at flat index " << i << ": got " << pa[i] << ", expected " << pe[i];
  }
}

// A float64 tensor of the given shape filled with values (row-major).
inline Tensor make(std::vector<double> values, Shape sizes, DType dtype = kFloat64) {
  EXPECT_EQ(static_cast<int64_t>(values.size()), shape_numel(sizes));
  Tensor t = empty(sizes, ember::dtype(kFloat64));
  std::copy(values.begin(), values.end(), t.data_ptr<double>());
  return t.to(dtype);
}

// A float64 tensor with random values in [-1, 1) that requires grad, for gradcheck.
inline Tensor grad_input(Shape sizes) {
  return (rand(sizes, ember::dtype(kFloat64)) * 2 - 1).detach().requires_grad_();
}

// Values ((i * a) % m - m / 2) / 4 + i / 100 in row-major order (float64): an irregular input
// that the torch scripts producing expected numbers rebuild with the same formula in Python.
inline Tensor ramp(Shape sizes, int64_t a = 7, int64_t m = 11) {
  std::vector<double> values;
  for (int64_t i = 0; i < shape_numel(sizes); ++i)
    values.push_back(static_cast<double>((i * a) % m - m / 2) * 0.25 +
                     0.01 * static_cast<double>(i));
  return make(values, sizes);
}

// A 1-d float64 tensor.
inline Tensor vec(std::vector<double> values) {
  const int64_t n = static_cast<int64_t>(values.size());
  return make(std::move(values), {n});
}

// gradcheck (or, with second, gradgradcheck) of a function of inputs returning one tensor.
template <typename Fn> bool check_grad(Fn fn, const TensorList &inputs, bool second = false) {
  auto wrapped = [&](const TensorList &in) { return TensorList{fn(in)}; };
  return second ? autograd::gradgradcheck(wrapped, inputs) : autograd::gradcheck(wrapped, inputs);
}

} // namespace ember::testing

// What the layer modules share: the EMBER_ARG accessor macro of their Options structs (libtorch's
// TORCH_ARG), ExpandingArray for per-dimension sizes given as one integer or a list, and the
// helpers that print options the way torch's repr does.
#pragma once

#include <array>
#include <initializer_list>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "ember/error.h"
#include "ember/shape.h"

// Declares an option with libtorch's accessors: options.bias(false) sets and returns the options
// (so setters chain), options.bias() reads, and the non-const options.bias() gives a reference.
#define EMBER_ARG(T, name)                                                                         \
public:                                                                                            \
  auto &name(const T &new_value) {                                                                 \
    name##_ = new_value;                                                                           \
    return *this;                                                                                  \
  }                                                                                                \
  const T &name() const noexcept { return name##_; }                                               \
  T &name() noexcept { return name##_; }                                                           \
                                                                                                   \
private:                                                                                           \
  T name##_

namespace ember::nn {

// D sizes (a kernel size, a stride, ...) given as one integer for every dim or as D integers.
// It remembers which, because torch's pooling layers print the value as it was given.
template <size_t D> class ExpandingArray {
public:
  ExpandingArray(int64_t value) : given_as_scalar_(true) { values_.fill(value); }
  ExpandingArray(std::initializer_list<int64_t> values) : ExpandingArray(Shape(values)) {}
  ExpandingArray(const Shape &values) {
    EMBER_CHECK(values.size() == D, "expected ", D, " values (one per spatial dim), got ", values);
    std::copy(values.begin(), values.end(), values_.begin());
  }

  operator IntArrayRef() const { return IntArrayRef(values_.data(), D); }
  int64_t operator[](size_t index) const { return values_[index]; }
  const int64_t *begin() const { return values_.data(); }
  const int64_t *end() const { return values_.data() + D; }
  bool given_as_scalar() const { return given_as_scalar_; }

private:
  std::array<int64_t, D> values_{};
  bool given_as_scalar_ = false;
};

namespace repr {
// Python's repr of a float: 0.1, 1.0, 1e-05.
std::string real(double value);
// A float whose default is an integer in torch (Softplus's beta=1): integral values print as such.
std::string number(double value);
// A Python tuple: (3, 3), or (3,) for one element.
std::string tuple(IntArrayRef values);
inline const char *boolean(bool value) { return value ? "true" : "false"; }
// One integer when given as one, a tuple otherwise (torch's pooling layers keep what they got).
template <size_t D> std::string as_given(const ExpandingArray<D> &values) {
  return values.given_as_scalar() ? std::to_string(values[0]) : tuple(values);
}
} // namespace repr

} // namespace ember::nn

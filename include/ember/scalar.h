// Scalar: a number passed to an op (add(t, 2.5), full({2}, 7)) that remembers its kind,
// because torch's type promotion treats Python/C++ ints, floats and bools differently.
#pragma once

#include <cstdint>
#include <ostream>
#include <type_traits>

#include "ember/dtype.h"

namespace ember {

class Scalar {
public:
  enum class Kind : uint8_t { Bool, Int, Float };

  Scalar() : Scalar(int64_t{0}) {}
  Scalar(bool value) : kind_(Kind::Bool), int_(value) {}
  template <typename T>
    requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
  Scalar(T value) : kind_(Kind::Int), int_(static_cast<int64_t>(value)) {}
  template <typename T>
    requires std::is_floating_point_v<T>
  Scalar(T value) : kind_(Kind::Float), float_(static_cast<double>(value)) {}
  Scalar(Half value) : Scalar(static_cast<float>(value)) {}
  Scalar(BFloat16 value) : Scalar(static_cast<float>(value)) {}

  Kind kind() const { return kind_; }
  bool is_floating_point() const { return kind_ == Kind::Float; }
  bool is_integral() const { return kind_ == Kind::Int; }
  bool is_bool() const { return kind_ == Kind::Bool; }

  template <typename T> T to() const {
    if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>)
      return T(static_cast<float>(to<double>()));
    else
      return kind_ == Kind::Float ? static_cast<T>(float_) : static_cast<T>(int_);
  }
  double to_double() const { return to<double>(); }
  int64_t to_long() const { return to<int64_t>(); }

  // The dtype of a tensor made from this number alone (torch.tensor(2.5) is float32).
  DType natural_dtype() const;

private:
  Kind kind_;
  union {
    int64_t int_;
    double float_;
  };
};

std::ostream &operator<<(std::ostream &out, const Scalar &value);

} // namespace ember

// Element types: the DType enum, half-precision storage types, promotion and dispatch.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string_view>

#include "ember/error.h"

namespace ember {

// IEEE 754 binary16, a storage type: arithmetic converts to float.
struct Half {
  uint16_t bits = 0;
  Half() = default;
  Half(float value) : bits(from_float(value)) {}
  operator float() const { return to_float(bits); }

  static uint16_t from_float(float value);
  static float to_float(uint16_t bits);
};

// bfloat16 (the upper half of a float32), a storage type: arithmetic converts to float.
struct BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  BFloat16(float value) {
    uint32_t u = std::bit_cast<uint32_t>(value);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
      bits = 0x7fc0; // keep NaN a NaN
    } else {
      uint32_t rounding = 0x7fffu + ((u >> 16) & 1u); // round to nearest even
      bits = static_cast<uint16_t>((u + rounding) >> 16);
    }
  }
  operator float() const { return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16); }
};

// Ordered so that promotion within a category picks the larger enumerator.
enum class DType : uint8_t { Bool, UInt8, Int32, Int64, Float16, BFloat16, Float32, Float64 };

constexpr DType kBool = DType::Bool;
constexpr DType kUInt8 = DType::UInt8;
constexpr DType kByte = DType::UInt8;
constexpr DType kInt32 = DType::Int32;
constexpr DType kInt = DType::Int32;
constexpr DType kInt64 = DType::Int64;
constexpr DType kLong = DType::Int64;
constexpr DType kFloat16 = DType::Float16;
constexpr DType kHalf = DType::Float16;
constexpr DType kBFloat16 = DType::BFloat16;
constexpr DType kFloat32 = DType::Float32;
constexpr DType kFloat = DType::Float32;
constexpr DType kFloat64 = DType::Float64;
constexpr DType kDouble = DType::Float64;

constexpr int kNumDTypes = 8;

constexpr size_t element_size(DType dtype) {
  switch (dtype) {
  case DType::Bool:
  case DType::UInt8:
    return 1;
  case DType::Float16:
  case DType::BFloat16:
    return 2;
  case DType::Int32:
  case DType::Float32:
    return 4;
  case DType::Int64:
  case DType::Float64:
    return 8;
  }
  return 0;
}

constexpr bool is_floating_point(DType dtype) {
  return dtype == DType::Float16 || dtype == DType::BFloat16 || dtype == DType::Float32 ||
         dtype == DType::Float64;
}
constexpr bool is_integral(DType dtype, bool include_bool) {
  return (include_bool && dtype == DType::Bool) || dtype == DType::UInt8 ||
         dtype == DType::Int32 || dtype == DType::Int64;
}

// torch's names: "float32", "int64", ...
std::string_view dtype_name(DType dtype);
std::ostream &operator<<(std::ostream &out, DType dtype);

// The dtype that holds values of both a and b (torch.promote_types).
DType promote_types(DType a, DType b);

// Whether a result of dtype from may be written into a tensor of dtype to (torch.can_cast):
// no floating -> integral, no non-bool -> bool.
bool can_cast(DType from, DType to);
// An Error naming op unless can_cast(result, output), worded as torch's.
void check_can_cast(DType result, DType output, const char *op);

// The dtype of float tensors created without an explicit dtype (torch.get_default_dtype).
DType default_dtype();
void set_default_dtype(DType dtype);

template <typename T> struct dtype_of;
template <> struct dtype_of<bool> { static constexpr DType value = DType::Bool; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::UInt8; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::Int32; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::Int64; };
template <> struct dtype_of<Half> { static constexpr DType value = DType::Float16; };
template <> struct dtype_of<BFloat16> { static constexpr DType value = DType::BFloat16; };
template <> struct dtype_of<float> { static constexpr DType value = DType::Float32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::Float64; };
template <typename T> constexpr DType dtype_v = dtype_of<T>::value;

// Calls fn with a value of the C++ type of dtype (fn(float{}) for kFloat32, ...).
// op names the caller for the error raised when the dtype is not among those allowed.
template <typename Fn> decltype(auto) dispatch_all(DType dtype, const char *op, Fn &&fn) {
  switch (dtype) {
  case DType::Bool:
    return fn(bool{});
  case DType::UInt8:
    return fn(uint8_t{});
  case DType::Int32:
    return fn(int32_t{});
  case DType::Int64:
    return fn(int64_t{});
  case DType::Float16:
    return fn(Half{});
  case DType::BFloat16:
    return fn(BFloat16{});
  case DType::Float32:
    return fn(float{});
  case DType::Float64:
    return fn(double{});
  }
  throw Error(detail::concat(op, ": unknown dtype"));
}

// Arithmetic dispatch: every dtype but the half-precision storage types.
template <typename Fn> decltype(auto) dispatch_arith(DType dtype, const char *op, Fn &&fn) {
  switch (dtype) {
  case DType::Bool:
    return fn(bool{});
  case DType::UInt8:
    return fn(uint8_t{});
  case DType::Int32:
    return fn(int32_t{});
  case DType::Int64:
    return fn(int64_t{});
  case DType::Float32:
    return fn(float{});
  case DType::Float64:
    return fn(double{});
  default:
    break;
  }
  throw Error(detail::concat(op, ": unsupported dtype ", dtype_name(dtype),
                             " (float16 and bfloat16 are storage types: convert with .to(kFloat32))"));
}

// Floating dispatch: float32 and float64.
template <typename Fn> decltype(auto) dispatch_floating(DType dtype, const char *op, Fn &&fn) {
  switch (dtype) {
  case DType::Float32:
    return fn(float{});
  case DType::Float64:
    return fn(double{});
  default:
    break;
  }
  throw Error(detail::concat(op, ": expected a float32 or float64 tensor, got ", dtype_name(dtype)));
}

} // namespace ember

// dtype names, promotion and half-precision conversion.
#include "ember/dtype.h"

#include <array>

namespace ember {

uint16_t Half::from_float(float value) {
  uint32_t x = std::bit_cast<uint32_t>(value);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t magnitude = x & 0x7fffffffu;
  if (magnitude > 0x7f800000u) // NaN
    return static_cast<uint16_t>(sign | 0x7e00u);
  if (magnitude >= 0x477ff000u) // rounds to or above 65520: infinity
    return static_cast<uint16_t>(sign | 0x7c00u);
  if (magnitude < 0x38800000u) { // below the smallest normal half: subnormal or zero
    // Adding 0.5 shifts the value so that the float adder rounds it to a half subnormal.
    float shifted = std::bit_cast<float>(magnitude) + 0.5f;
    return static_cast<uint16_t>(sign | (std::bit_cast<uint32_t>(shifted) - 0x3f000000u));
  }
  uint32_t odd = (magnitude >> 13) & 1u;
  magnitude += 0xc8000fffu + odd; // rebias exponent (-112 << 23) and round to nearest even
  return static_cast<uint16_t>(sign | (magnitude >> 13));
}

float Half::to_float(uint16_t bits) {
  uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1fu;
  uint32_t mantissa = bits & 0x3ffu;
  if (exponent == 0x1f) // inf or NaN
    return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  if (exponent == 0) { // zero or subnormal: mantissa * 2^-24
    float value = static_cast<float>(mantissa) * 5.9604644775390625e-08f;
    return sign ? -value : value;
  }
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

std::string_view dtype_name(DType dtype) {
  switch (dtype) {
  case DType::Bool:
    return "bool";
  case DType::UInt8:
    return "uint8";
  case DType::Int32:
    return "int32";
  case DType::Int64:
    return "int64";
  case DType::Float16:
    return "float16";
  case DType::BFloat16:
    return "bfloat16";
  case DType::Float32:
    return "float32";
  case DType::Float64:
    return "float64";
  }
  return "unknown";
}

std::ostream &operator<<(std::ostream &out, DType dtype) { return out << dtype_name(dtype); }

namespace {

// torch's C++ type names, used in the cast error so that messages match torch's.
const char *torch_type_name(DType dtype) {
  switch (dtype) {
  case kBool:
    return "Bool";
  case kUInt8:
    return "Byte";
  case kInt32:
    return "Int";
  case kInt64:
    return "Long";
  case kFloat16:
    return "Half";
  case kBFloat16:
    return "BFloat16";
  case kFloat32:
    return "Float";
  case kFloat64:
    return "Double";
  }
  return "Unknown";
}

} // namespace

bool can_cast(DType from, DType to) {
  if (is_floating_point(from) && !is_floating_point(to))
    return false;
  return from == kBool || to != kBool;
}

void check_can_cast(DType result, DType output, const char *op) {
  EMBER_CHECK(can_cast(result, output), op, ": result type ", torch_type_name(result),
              " can't be cast to the desired output type ", torch_type_name(output));
}

DType promote_types(DType a, DType b) {
  if (a == b)
    return a;
  // float16 with bfloat16 has no common 16-bit type: torch picks float32.
  if ((a == DType::Float16 && b == DType::BFloat16) || (a == DType::BFloat16 && b == DType::Float16))
    return DType::Float32;
  bool a_float = is_floating_point(a), b_float = is_floating_point(b);
  if (a_float != b_float)
    return a_float ? a : b;
  return a > b ? a : b;
}

namespace {
DType &default_dtype_slot() {
  static DType dtype = DType::Float32;
  return dtype;
}
} // namespace

DType default_dtype() { return default_dtype_slot(); }

void set_default_dtype(DType dtype) {
  EMBER_CHECK(dtype == DType::Float32 || dtype == DType::Float64,
              "set_default_dtype: only float32 and float64 are supported, got ", dtype);
  default_dtype_slot() = dtype;
}

} // namespace ember

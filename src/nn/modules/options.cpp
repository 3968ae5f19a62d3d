// Printing of module options in torch's repr format.
#include "ember/nn/modules/options.h"

#include <charconv>
#include <cmath>

namespace ember::nn::repr {

std::string real(double value) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value > 0 ? "inf" : "-inf";
  // Python prints the shortest round-trip digits, in fixed notation for exponents in [-4, 16).
  char buffer[64];
  const double magnitude = std::abs(value);
  const bool fixed = value == 0 || (magnitude >= 1e-4 && magnitude < 1e16);
  auto [end, error] =
      std::to_chars(buffer, buffer + sizeof buffer, value,
                    fixed ? std::chars_format::fixed : std::chars_format::scientific);
  std::string text(buffer, end);
  if (fixed && text.find('.') == std::string::npos)
    text += ".0";
  return text;
}

std::string number(double value) {
  if (std::isfinite(value) && value == std::trunc(value) && std::abs(value) < 1e15)
    return std::to_string(static_cast<int64_t>(value));
  return real(value);
}

std::string tuple(IntArrayRef values) {
  std::string text = "(";
  for (size_t i = 0; i < values.size(); ++i)
    text += (i ? ", " : "") + std::to_string(values[i]);
  return text + (values.size() == 1 ? ",)" : ")");
}

} // namespace ember::nn::repr

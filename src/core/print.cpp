// Printing tensors in torch's format: tensor([[ 1.0000, -2.5000], ...], dtype=torch.float64).
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "ember/autograd.h"
#include "ember/ops.h"

namespace ember {

namespace {

constexpr int64_t kSummarizeThreshold = 1000;
constexpr int64_t kEdgeItems = 3;

// How every element of one tensor is written, chosen once from all its values as torch does.
struct Formatter {
  enum class Mode { Integer, Bool, IntegralFloat, Fixed, Scientific } mode = Mode::Fixed;
  int width = 1;

  std::string format(double value) const {
    std::ostringstream out;
    if (std::isnan(value))
      out << "nan";
    else if (std::isinf(value))
      out << (value > 0 ? "inf" : "-inf");
    else
      switch (mode) {
      case Mode::Bool:
        out << (value != 0 ? "True" : "False");
        break;
      case Mode::Integer:
        out << static_cast<int64_t>(value);
        break;
      case Mode::IntegralFloat:
        out << std::fixed << std::setprecision(0) << value << '.';
        break;
      case Mode::Fixed:
        out << std::fixed << std::setprecision(4) << value;
        break;
      case Mode::Scientific:
        out << std::scientific << std::setprecision(4) << value;
        break;
      }
    return out.str();
  }
};

Formatter make_formatter(const Tensor &values, DType dtype) {
  Formatter formatter;
  const double *data = values.data_ptr<double>();
  const int64_t n = values.numel();
  if (dtype == kBool) {
    formatter.mode = Formatter::Mode::Bool;
  } else if (!is_floating_point(dtype)) {
    formatter.mode = Formatter::Mode::Integer;
  } else {
    bool integral = true;
    double max_abs = 0, min_abs = INFINITY;
    for (int64_t i = 0; i < n; ++i) {
      if (!std::isfinite(data[i]))
        continue;
      double magnitude = std::abs(data[i]);
      integral = integral && data[i] == std::ceil(data[i]);
      max_abs = std::max(max_abs, magnitude);
      if (magnitude > 0)
        min_abs = std::min(min_abs, magnitude);
    }
    // As torch: a wide range (ratio above 1000) goes scientific, integral values included.
    const bool wide = max_abs > 1e8 || (min_abs != INFINITY && max_abs / min_abs > 1000);
    if (integral && !wide)
      formatter.mode = Formatter::Mode::IntegralFloat;
    else if (wide || min_abs < 1e-4)
      formatter.mode = Formatter::Mode::Scientific;
  }
  for (int64_t i = 0; i < n; ++i)
    formatter.width = std::max<int>(formatter.width, formatter.format(data[i]).size());
  return formatter;
}

void print_dims(std::ostream &out, const Tensor &t, const Formatter &formatter, int indent,
                bool summarize) {
  if (t.dim() == 0) {
    std::string text = formatter.format(t.item<double>());
    out << std::string(formatter.width - text.size(), ' ') << text;
    return;
  }
  const int64_t size = t.size(0);
  auto print_index = [&](int64_t i) {
    print_dims(out, t.select(0, i), formatter, indent + 1, summarize);
  };
  out << '[';
  bool elide = summarize && size > 2 * kEdgeItems;
  const std::string separator =
      t.dim() == 1 ? ", " : "," + std::string(t.dim() - 1, '\n') + std::string(indent + 1, ' ');
  for (int64_t i = 0; i < size; ++i) {
    if (elide && i == kEdgeItems) {
      // torch pads the 1-d ellipsis like an element: "2,  ..., 1997".
      out << (t.dim() == 1 ? " ..." : "...") << separator;
      i = size - kEdgeItems;
    }
    print_index(i);
    if (i + 1 < size)
      out << separator;
  }
  out << ']';
}

} // namespace

std::ostream &operator<<(std::ostream &out, const Tensor &tensor) {
  if (!tensor.defined())
    return out << "[ undefined Tensor ]";
  NoGradGuard no_grad;
  const std::string prefix = "tensor(";
  Tensor values = tensor.to(kFloat64).contiguous();
  bool summarize = tensor.numel() > kSummarizeThreshold;
  Formatter formatter = make_formatter(values, tensor.dtype());
  std::ostringstream body;
  if (tensor.numel() == 0 && tensor.dim() == 1)
    body << "[]";
  else if (tensor.numel() == 0) {
    // torch prints the size of an empty tensor as a tuple: size=(2, 0).
    body << "[], size=(";
    for (size_t i = 0; i < tensor.sizes().size(); ++i)
      body << (i ? ", " : "") << tensor.sizes()[i];
    body << (tensor.sizes().size() == 1 ? ",)" : ")");
  } else
    print_dims(body, values, formatter, static_cast<int>(prefix.size()), summarize);
  out << prefix << body.str();
  if (tensor.dtype() != default_dtype() && tensor.dtype() != kInt64 && tensor.dtype() != kBool)
    out << ", dtype=torch." << tensor.dtype();
  if (const auto &fn = tensor.grad_fn())
    out << ", grad_fn=<" << fn->name() << '>';
  else if (tensor.requires_grad())
    out << ", requires_grad=True";
  return out << ')';
}

} // namespace ember

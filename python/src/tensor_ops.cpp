// The ops of ember.Tensor, bound once as methods (t.add(u)) and as functions (ember.add(t, u))
// with torch's names, argument names and defaults; and the Python operators.
#include "casters.h"

namespace ember::python {

namespace {

using Binding = py::class_<Tensor>;

// Registers fn as the method `name` and as the function ember.name(input, ...).
template <typename Fn, typename... Extra>
void def_both(Binding &cls, py::module_ &m, const char *name, Fn &&fn, const Extra &...extra) {
  cls.def(name, fn, extra...);
  m.def(name, fn, py::arg("input"), extra...);
}

py::object not_implemented() { return py::reinterpret_borrow<py::object>(Py_NotImplemented); }

// A binary op whose other operand is a Tensor or a Python number; NotImplemented otherwise, so
// Python tries the reflected operator of the other operand.
template <typename WithTensor, typename WithScalar>
py::object binary(const Tensor &self, py::handle other, WithTensor &&with_tensor,
                  WithScalar &&with_scalar) {
  if (const Tensor *t = as_tensor(other))
    return py::cast(with_tensor(*t));
  Scalar value;
  if (load_scalar(other, value))
    return py::cast(with_scalar(value));
  return not_implemented();
}

// The same for in-place ops: returns self, the very Python object (a Parameter stays one).
template <typename WithTensor, typename WithScalar>
py::object binary_(py::object self, py::handle other, WithTensor &&with_tensor,
                   WithScalar &&with_scalar) {
  Tensor &t = self_tensor(self);
  if (const Tensor *o = as_tensor(other)) {
    with_tensor(t, *o);
    return self;
  }
  Scalar value;
  if (load_scalar(other, value)) {
    with_scalar(t, value);
    return self;
  }
  return not_implemented();
}

// A binary op as a method/function: a non-Tensor, non-number operand is a TypeError there.
template <typename WithTensor, typename WithScalar>
Tensor binary_strict(const char *op, const Tensor &self, py::handle other, WithTensor &&with_tensor,
                     WithScalar &&with_scalar) {
  if (const Tensor *t = as_tensor(other))
    return with_tensor(*t);
  Scalar value;
  if (load_scalar(other, value))
    return with_scalar(value);
  throw py::type_error(std::string(op) + "(): argument 'other' must be Tensor or Number, not " +
                       py::str(other.get_type().attr("__name__")).cast<std::string>());
}

Tensor wrapped(const Scalar &value) {
  Tensor t = scalar_tensor(value);
  t.impl()->is_wrapped_number = true;
  return t;
}

// torch.return_types-like named tuples: values and indices of max(dim), sort, topk, ...
py::object named_pair(const char *name, const char *first, const char *second) {
  return py::module_::import("collections").attr("namedtuple")(name, py::make_tuple(first, second));
}

std::optional<Scalar> correction_of(const py::object &unbiased, std::optional<Scalar> correction) {
  if (correction)
    return correction;
  if (!unbiased.is_none())
    return Scalar(int64_t{unbiased.cast<bool>() ? 1 : 0});
  return std::nullopt;
}

Shape dims_or_all(const std::optional<Dims> &dims) { return dims ? dims->values : Shape{}; }

void bind_arithmetic(Binding &cls, py::module_ &m) {
// add, sub and div take one more argument (alpha, rounding_mode): method, function, in-place.
#define EMBER_BINARY_OP_WITH(name, Extra, extra_arg)                                               \
  def_both(                                                                                        \
      cls, m, #name,                                                                               \
      [](const Tensor &a, py::handle b, Extra extra) {                                             \
        return binary_strict(                                                                      \
            #name, a, b, [&](const Tensor &t) { return ember::name(a, t, extra); },                \
            [&](const Scalar &s) { return ember::name(a, s, extra); });                            \
      },                                                                                           \
      py::arg("other"), py::kw_only(), extra_arg);                                                 \
  cls.def(                                                                                         \
      #name "_",                                                                                   \
      [](py::object self, py::handle b, Extra extra) {                                             \
        return binary_(                                                                            \
            self, b, [&](Tensor &a, const Tensor &t) { a.name##_(t, extra); },                     \
            [&](Tensor &a, const Scalar &s) { a.name##_(s, extra); });                             \
      },                                                                                           \
      py::arg("other"), py::kw_only(), extra_arg);
  EMBER_BINARY_OP_WITH(add, const Scalar &, py::arg("alpha") = 1)
  EMBER_BINARY_OP_WITH(sub, const Scalar &, py::arg("alpha") = 1)
  EMBER_BINARY_OP_WITH(div, std::optional<std::string>, py::arg("rounding_mode") = py::none())
#undef EMBER_BINARY_OP_WITH

#define EMBER_BINARY_OP(name)                                                                      \
  def_both(                                                                                        \
      cls, m, #name,                                                                               \
      [](const Tensor &a, py::handle b) {                                                          \
        return binary_strict(                                                                      \
            #name, a, b, [&](const Tensor &t) { return ember::name(a, t); },                       \
            [&](const Scalar &s) { return ember::name(a, s); });                                   \
      },                                                                                           \
      py::arg("other"));                                                                           \
  cls.def(#name "_", [](py::object self, py::handle b) {                                           \
    return binary_(                                                                                \
        self, b, [](Tensor &a, const Tensor &t) { a.name##_(t); },                                 \
        [](Tensor &a, const Scalar &s) { a.name##_(s); });                                         \
  });
#include "ember/binary_ops.def"
#undef EMBER_BINARY_OP

#define EMBER_UNARY_OP(name)                                                                       \
  def_both(cls, m, #name, [](const Tensor &a) { return ember::name(a); });                         \
  cls.def(#name "_", [](py::object self) {                                                         \
    self_tensor(self).name##_();                                                                   \
    return self;                                                                                   \
  });
#include "ember/unary_ops.def"
#undef EMBER_UNARY_OP
  def_both(cls, m, "isnan", [](const Tensor &a) { return a.isnan(); });
  def_both(cls, m, "isinf", [](const Tensor &a) { return a.isinf(); });
  def_both(cls, m, "isfinite", [](const Tensor &a) { return a.isfinite(); });
  def_both(cls, m, "logical_not", [](const Tensor &a) { return a.logical_not(); });

  def_both(
      cls, m, "clamp",
      [](const Tensor &a, py::object min, py::object max) {
        const Tensor *min_t = as_tensor(min), *max_t = as_tensor(max);
        if (min_t || max_t) {
          EMBER_CHECK(min_t && max_t, "clamp: give both min and max as tensors");
          return a.clamp(*min_t, *max_t);
        }
        return a.clamp(min.is_none() ? std::nullopt : std::optional(min.cast<Scalar>()),
                       max.is_none() ? std::nullopt : std::optional(max.cast<Scalar>()));
      },
      py::arg("min") = py::none(), py::arg("max") = py::none());
  cls.def(
      "clamp_",
      [](py::object self, std::optional<Scalar> min, std::optional<Scalar> max) {
        self_tensor(self).clamp_(min, max);
        return self;
      },
      py::arg("min") = py::none(), py::arg("max") = py::none());
  def_both(
      cls, m, "clamp_min", [](const Tensor &a, const Scalar &min) { return a.clamp_min(min); },
      py::arg("min"));
  def_both(
      cls, m, "clamp_max", [](const Tensor &a, const Scalar &max) { return a.clamp_max(max); },
      py::arg("max"));
  def_both(
      cls, m, "lerp",
      [](const Tensor &a, const Tensor &end, py::handle weight) {
        return binary_strict(
            "lerp", a, weight, [&](const Tensor &w) { return a.lerp(end, w); },
            [&](const Scalar &w) { return a.lerp(end, w); });
      },
      py::arg("end"), py::arg("weight"));
  def_both(
      cls, m, "masked_fill",
      [](const Tensor &a, const Tensor &mask, py::handle value) {
        return binary_strict(
            "masked_fill", a, value, [&](const Tensor &v) { return a.masked_fill(mask, v); },
            [&](const Scalar &v) { return a.masked_fill(mask, v); });
      },
      py::arg("mask"), py::arg("value"));
  cls.def(
      "masked_fill_",
      [](py::object self, const Tensor &mask, const Scalar &value) {
        self_tensor(self).masked_fill_(mask, value);
        return self;
      },
      py::arg("mask"), py::arg("value"));
  cls.def(
      "where",
      [](const Tensor &a, const Tensor &condition, py::handle other) {
        return ember::where(condition, a, to_tensor_operand(other, "where"));
      },
      py::arg("condition"), py::arg("other"));
  m.def(
      "where",
      [](const Tensor &condition, py::handle input, py::handle other) {
        return ember::where(condition, to_tensor_operand(input, "where"),
                            to_tensor_operand(other, "where"));
      },
      py::arg("condition"), py::arg("input"), py::arg("other"));
  m.def(
      "pow",
      [](py::handle input, py::handle exponent) {
        if (const Tensor *base = as_tensor(input))
          return binary_strict(
              "pow", *base, exponent, [&](const Tensor &e) { return ember::pow(*base, e); },
              [&](const Scalar &e) { return ember::pow(*base, e); });
        return ember::pow(input.cast<Scalar>(), exponent.cast<Tensor>());
      },
      py::arg("input"), py::arg("exponent"));
}

void bind_operators(Binding &cls) {
  auto op = py::is_operator();
#define EMBER_OPERATOR(pyname, iname, name)                                                        \
  cls.def(                                                                                         \
      pyname,                                                                                      \
      [](const Tensor &a, py::handle b) {                                                          \
        return binary(                                                                             \
            a, b, [&](const Tensor &t) { return ember::name(a, t); },                              \
            [&](const Scalar &s) { return ember::name(a, s); });                                   \
      },                                                                                           \
      op);                                                                                         \
  cls.def(                                                                                         \
      iname,                                                                                       \
      [](py::object self, py::handle b) {                                                          \
        return binary_(                                                                            \
            self, b, [](Tensor &a, const Tensor &t) { a.name##_(t); },                             \
            [](Tensor &a, const Scalar &s) { a.name##_(s); });                                     \
      },                                                                                           \
      op);
  EMBER_OPERATOR("__add__", "__iadd__", add)
  EMBER_OPERATOR("__sub__", "__isub__", sub)
  EMBER_OPERATOR("__mul__", "__imul__", mul)
  EMBER_OPERATOR("__truediv__", "__itruediv__", div)
  EMBER_OPERATOR("__floordiv__", "__ifloordiv__", floor_divide)
  EMBER_OPERATOR("__mod__", "__imod__", remainder)
  EMBER_OPERATOR("__pow__", "__ipow__", pow)
#undef EMBER_OPERATOR
#define EMBER_COMPARISON(pyname, name)                                                             \
  cls.def(                                                                                         \
      pyname,                                                                                      \
      [](const Tensor &a, py::handle b) {                                                          \
        return binary(                                                                             \
            a, b, [&](const Tensor &t) { return ember::name(a, t); },                              \
            [&](const Scalar &s) { return ember::name(a, s); });                                   \
      },                                                                                           \
      op);
  EMBER_COMPARISON("__eq__", eq)
  EMBER_COMPARISON("__ne__", ne)
  EMBER_COMPARISON("__lt__", lt)
  EMBER_COMPARISON("__le__", le)
  EMBER_COMPARISON("__gt__", gt)
  EMBER_COMPARISON("__ge__", ge)
  EMBER_COMPARISON("__and__", logical_and)
  EMBER_COMPARISON("__or__", logical_or)
  EMBER_COMPARISON("__xor__", logical_xor)
  EMBER_COMPARISON("__rand__", logical_and)
  EMBER_COMPARISON("__ror__", logical_or)
  EMBER_COMPARISON("__rxor__", logical_xor)
  EMBER_COMPARISON("__radd__", add)
  EMBER_COMPARISON("__rmul__", mul)
#undef EMBER_COMPARISON
  // Reflected ops: self is the right operand and other a Python number.
  auto reflected = [&](const char *name, Tensor (*fn)(const Scalar &, const Tensor &)) {
    cls.def(
        name,
        [fn](const Tensor &a, py::handle b) -> py::object {
          Scalar value;
          if (!load_scalar(b, value))
            return not_implemented();
          return py::cast(fn(value, a));
        },
        op);
  };
  reflected("__rsub__", [](const Scalar &s, const Tensor &a) { return ember::rsub(a, s); });
  reflected("__rtruediv__", [](const Scalar &s, const Tensor &a) { return s / a; });
  reflected("__rpow__", [](const Scalar &s, const Tensor &a) { return ember::pow(s, a); });
  reflected("__rfloordiv__",
            [](const Scalar &s, const Tensor &a) { return ember::floor_divide(wrapped(s), a); });
  reflected("__rmod__",
            [](const Scalar &s, const Tensor &a) { return ember::remainder(wrapped(s), a); });
  cls.def(
      "__matmul__", [](const Tensor &a, const Tensor &b) { return ember::matmul(a, b); }, op);
  cls.def("__neg__", [](const Tensor &a) { return ember::neg(a); })
      .def("__pos__", [](py::object self) { return self; })
      .def("__abs__", [](const Tensor &a) { return ember::abs(a); })
      .def("__invert__", [](const Tensor &a) {
        EMBER_CHECK(a.dtype() == kBool, "~ (bitwise not) is only supported for bool tensors, got ",
                    a.dtype());
        return a.logical_not();
      });
}

void bind_reductions(Binding &cls, py::module_ &m) {
  auto kw = py::kw_only();
  const py::object max_type = named_pair("max", "values", "indices");
  const py::object min_type = named_pair("min", "values", "indices");
  def_both(
      cls, m, "sum",
      [](const Tensor &a, std::optional<Dims> dim, bool keepdim, std::optional<DType> dtype) {
        return dim ? a.sum(*dim, keepdim, dtype) : a.sum(dtype);
      },
      py::arg("dim") = py::none(), py::arg("keepdim") = false, kw, py::arg("dtype") = py::none());
  def_both(
      cls, m, "mean",
      [](const Tensor &a, std::optional<Dims> dim, bool keepdim, std::optional<DType> dtype) {
        return dim ? a.mean(*dim, keepdim, dtype) : a.mean(dtype);
      },
      py::arg("dim") = py::none(), py::arg("keepdim") = false, kw, py::arg("dtype") = py::none());
  def_both(
      cls, m, "prod",
      [](const Tensor &a, std::optional<int64_t> dim, bool keepdim, std::optional<DType> dtype) {
        return dim ? a.prod(*dim, keepdim, dtype) : a.prod(dtype);
      },
      py::arg("dim") = py::none(), py::arg("keepdim") = false, kw, py::arg("dtype") = py::none());
  auto extremum = [&](const char *name, py::object type, bool is_max) {
    def_both(
        cls, m, name,
        [type, is_max](const Tensor &a, py::object dim, bool keepdim) -> py::object {
          if (dim.is_none())
            return py::cast(is_max ? a.max() : a.min());
          if (const Tensor *other = as_tensor(dim))
            return py::cast(is_max ? a.max(*other) : a.min(*other));
          auto [values, indices] =
              is_max ? a.max(dim.cast<int64_t>(), keepdim) : a.min(dim.cast<int64_t>(), keepdim);
          return type(values, indices);
        },
        py::arg("dim") = py::none(), py::arg("keepdim") = false);
  };
  extremum("max", max_type, true);
  extremum("min", min_type, false);
  def_both(
      cls, m, "amax",
      [](const Tensor &a, const Dims &dim, bool keepdim) { return a.amax(dim, keepdim); },
      py::arg("dim") = Dims{}, py::arg("keepdim") = false);
  def_both(
      cls, m, "amin",
      [](const Tensor &a, const Dims &dim, bool keepdim) { return a.amin(dim, keepdim); },
      py::arg("dim") = Dims{}, py::arg("keepdim") = false);
  def_both(
      cls, m, "argmax",
      [](const Tensor &a, std::optional<int64_t> dim, bool keepdim) {
        return a.argmax(dim, keepdim);
      },
      py::arg("dim") = py::none(), py::arg("keepdim") = false);
  def_both(
      cls, m, "argmin",
      [](const Tensor &a, std::optional<int64_t> dim, bool keepdim) {
        return a.argmin(dim, keepdim);
      },
      py::arg("dim") = py::none(), py::arg("keepdim") = false);
  for (bool is_var : {true, false})
    def_both(
        cls, m, is_var ? "var" : "std",
        [is_var](const Tensor &a, std::optional<Dims> dim, py::object unbiased, bool keepdim,
                 std::optional<Scalar> correction) {
          auto c = correction_of(unbiased, correction);
          return is_var ? a.var(dims_or_all(dim), c, keepdim) : a.std(dims_or_all(dim), c, keepdim);
        },
        py::arg("dim") = py::none(), py::arg("unbiased") = py::none(), py::arg("keepdim") = false,
        kw, py::arg("correction") = py::none());
  m.def(
      "var_mean",
      [](const Tensor &a, std::optional<Dims> dim, py::object unbiased, bool keepdim,
         std::optional<Scalar> correction) {
        return ember::var_mean(a, dims_or_all(dim), correction_of(unbiased, correction), keepdim);
      },
      py::arg("input"), py::arg("dim") = py::none(), py::arg("unbiased") = py::none(),
      py::arg("keepdim") = false, kw, py::arg("correction") = py::none());
  def_both(
      cls, m, "logsumexp",
      [](const Tensor &a, const Dims &dim, bool keepdim) { return a.logsumexp(dim, keepdim); },
      py::arg("dim"), py::arg("keepdim") = false);
  def_both(
      cls, m, "norm",
      [](const Tensor &a, py::object p, std::optional<Dims> dim, bool keepdim) {
        Scalar order = 2;
        if (py::isinstance<py::str>(p))
          EMBER_CHECK(p.cast<std::string>() == "fro", "norm: unsupported norm type ",
                      p.cast<std::string>());
        else if (!p.is_none())
          order = p.cast<Scalar>();
        return a.norm(order, dims_or_all(dim), keepdim);
      },
      py::arg("p") = "fro", py::arg("dim") = py::none(), py::arg("keepdim") = false);
  for (bool is_all : {true, false})
    def_both(
        cls, m, is_all ? "all" : "any",
        [is_all](const Tensor &a, std::optional<int64_t> dim, bool keepdim) {
          if (!dim)
            return is_all ? a.all() : a.any();
          return is_all ? a.all(*dim, keepdim) : a.any(*dim, keepdim);
        },
        py::arg("dim") = py::none(), py::arg("keepdim") = false);
  def_both(
      cls, m, "cumsum",
      [](const Tensor &a, int64_t dim, std::optional<DType> dtype) { return a.cumsum(dim, dtype); },
      py::arg("dim"), kw, py::arg("dtype") = py::none());
  def_both(
      cls, m, "cumprod",
      [](const Tensor &a, int64_t dim, std::optional<DType> dtype) {
        return a.cumprod(dim, dtype);
      },
      py::arg("dim"), kw, py::arg("dtype") = py::none());
}

void bind_linalg(Binding &cls, py::module_ &m) {
  def_both(
      cls, m, "matmul", [](const Tensor &a, const Tensor &b) { return a.matmul(b); },
      py::arg("other"));
  def_both(
      cls, m, "mm", [](const Tensor &a, const Tensor &b) { return a.mm(b); }, py::arg("mat2"));
  def_both(
      cls, m, "bmm", [](const Tensor &a, const Tensor &b) { return a.bmm(b); }, py::arg("mat2"));
  def_both(
      cls, m, "mv", [](const Tensor &a, const Tensor &b) { return a.mv(b); }, py::arg("vec"));
  def_both(
      cls, m, "dot", [](const Tensor &a, const Tensor &b) { return a.dot(b); }, py::arg("other"));
  def_both(
      cls, m, "outer", [](const Tensor &a, const Tensor &b) { return a.outer(b); },
      py::arg("vec2"));
  def_both(
      cls, m, "addmm",
      [](const Tensor &a, const Tensor &mat1, const Tensor &mat2, const Scalar &beta,
         const Scalar &alpha) { return a.addmm(mat1, mat2, beta, alpha); },
      py::arg("mat1"), py::arg("mat2"), py::kw_only(), py::arg("beta") = 1, py::arg("alpha") = 1);
}

void bind_views(Binding &cls, py::module_ &m) {
  cls.def("view",
          [](const Tensor &a, py::args sizes) { return a.view(sizes_from_args(sizes, "view")); });
  cls.def("resize_", [](py::object self, py::args sizes) {
    self_tensor(self).resize_(sizes_from_args(sizes, "resize_"));
    return self;
  });
  cls.def("reshape", [](const Tensor &a, py::args sizes) {
    return a.reshape(sizes_from_args(sizes, "reshape"));
  });
  m.def(
      "reshape", [](const Tensor &a, const Dims &shape) { return a.reshape(shape); },
      py::arg("input"), py::arg("shape"));
  cls.def("permute", [](const Tensor &a, py::args dims) {
    return a.permute(sizes_from_args(dims, "permute"));
  });
  m.def(
      "permute", [](const Tensor &a, const Dims &dims) { return a.permute(dims); },
      py::arg("input"), py::arg("dims"));
  cls.def("expand", [](const Tensor &a, py::args sizes) {
    return a.expand(sizes_from_args(sizes, "expand"));
  });
  cls.def("repeat", [](const Tensor &a, py::args sizes) {
    return a.repeat(sizes_from_args(sizes, "repeat"));
  });
  cls.def("flip",
          [](const Tensor &a, py::args dims) { return a.flip(sizes_from_args(dims, "flip")); });
  m.def(
      "flip", [](const Tensor &a, const Dims &dims) { return a.flip(dims); }, py::arg("input"),
      py::arg("dims"));
  cls.def("view_as", &Tensor::view_as, py::arg("other"));
  cls.def("reshape_as", &Tensor::reshape_as, py::arg("other"));
  cls.def("expand_as", &Tensor::expand_as, py::arg("other"));
  for (const char *name : {"transpose", "swapaxes", "swapdims"})
    def_both(
        cls, m, name, [](const Tensor &a, int64_t d0, int64_t d1) { return a.transpose(d0, d1); },
        py::arg("dim0"), py::arg("dim1"));
  def_both(cls, m, "t", [](const Tensor &a) { return a.t(); });
  cls.def_property_readonly("T", [](const Tensor &a) {
    Shape dims(static_cast<size_t>(a.dim()));
    for (size_t i = 0; i < dims.size(); ++i)
      dims[i] = static_cast<int64_t>(dims.size() - 1 - i);
    return a.permute(dims);
  });
  cls.def_property_readonly("mT", &Tensor::mT);
  for (const char *name : {"movedim", "moveaxis"})
    def_both(
        cls, m, name, [](const Tensor &a, int64_t s, int64_t d) { return a.movedim(s, d); },
        py::arg("source"), py::arg("destination"));
  def_both(
      cls, m, "squeeze",
      [](const Tensor &a, std::optional<int64_t> dim) {
        return dim ? a.squeeze(*dim) : a.squeeze();
      },
      py::arg("dim") = py::none());
  def_both(
      cls, m, "unsqueeze", [](const Tensor &a, int64_t dim) { return a.unsqueeze(dim); },
      py::arg("dim"));
  def_both(
      cls, m, "flatten",
      [](const Tensor &a, int64_t start, int64_t end) { return a.flatten(start, end); },
      py::arg("start_dim") = 0, py::arg("end_dim") = -1);
  def_both(
      cls, m, "unflatten",
      [](const Tensor &a, int64_t dim, const Dims &sizes) { return a.unflatten(dim, sizes); },
      py::arg("dim"), py::arg("sizes"));
  def_both(
      cls, m, "narrow",
      [](const Tensor &a, int64_t dim, int64_t start, int64_t length) {
        return a.narrow(dim, start, length);
      },
      py::arg("dim"), py::arg("start"), py::arg("length"));
  def_both(
      cls, m, "select",
      [](const Tensor &a, int64_t dim, int64_t index) { return a.select(dim, index); },
      py::arg("dim"), py::arg("index"));
  cls.def(
      "unfold",
      [](const Tensor &a, int64_t dim, int64_t size, int64_t step) {
        return a.unfold(dim, size, step);
      },
      py::arg("dimension"), py::arg("size"), py::arg("step"));
  def_both(
      cls, m, "diagonal",
      [](const Tensor &a, int64_t offset, int64_t dim1, int64_t dim2) {
        return a.diagonal(offset, dim1, dim2);
      },
      py::arg("offset") = 0, py::arg("dim1") = 0, py::arg("dim2") = 1);
  def_both(
      cls, m, "as_strided",
      [](const Tensor &a, const Dims &size, const Dims &stride, std::optional<int64_t> offset) {
        return a.as_strided(size, stride, offset);
      },
      py::arg("size"), py::arg("stride"), py::arg("storage_offset") = py::none());
  m.def(
      "broadcast_to",
      [](const Tensor &a, const Dims &shape) { return ember::broadcast_to(a, shape); },
      py::arg("input"), py::arg("size"));
  cls.def(
      "broadcast_to",
      [](const Tensor &a, const Dims &shape) { return ember::broadcast_to(a, shape); },
      py::arg("size"));
  m.def("broadcast_tensors",
        [](py::args tensors) { return ember::broadcast_tensors(tensors.cast<TensorList>()); });
}

void bind_indexing_ops(Binding &cls, py::module_ &m) {
  const py::object sort_type = named_pair("sort", "values", "indices");
  const py::object topk_type = named_pair("topk", "values", "indices");
  def_both(
      cls, m, "split",
      [](const Tensor &a, py::handle size, int64_t dim) {
        if (PyLong_Check(size.ptr()))
          return a.split(size.cast<int64_t>(), dim);
        return a.split(size.cast<Dims>(), dim);
      },
      py::arg("split_size_or_sections"), py::arg("dim") = 0);
  def_both(
      cls, m, "chunk",
      [](const Tensor &a, int64_t chunks, int64_t dim) { return a.chunk(chunks, dim); },
      py::arg("chunks"), py::arg("dim") = 0);
  def_both(
      cls, m, "unbind",
      [](const Tensor &a, int64_t dim) { return py::tuple(py::cast(a.unbind(dim))); },
      py::arg("dim") = 0);
  def_both(
      cls, m, "gather",
      [](const Tensor &a, int64_t dim, const Tensor &index) { return a.gather(dim, index); },
      py::arg("dim"), py::arg("index"));
  def_both(
      cls, m, "scatter",
      [](const Tensor &a, int64_t dim, const Tensor &index, py::handle src) {
        return binary_strict(
            "scatter", a, src, [&](const Tensor &s) { return a.scatter(dim, index, s); },
            [&](const Scalar &v) { return a.scatter(dim, index, v); });
      },
      py::arg("dim"), py::arg("index"), py::arg("src"));
  cls.def(
      "scatter_",
      [](py::object self, int64_t dim, const Tensor &index, py::handle src) {
        return binary_(
            self, src, [&](Tensor &a, const Tensor &s) { a.scatter_(dim, index, s); },
            [&](Tensor &a, const Scalar &v) { a.scatter_(dim, index, v); });
      },
      py::arg("dim"), py::arg("index"), py::arg("src"));
  def_both(
      cls, m, "scatter_add",
      [](const Tensor &a, int64_t dim, const Tensor &index, const Tensor &src) {
        return a.scatter_add(dim, index, src);
      },
      py::arg("dim"), py::arg("index"), py::arg("src"));
  cls.def(
      "scatter_add_",
      [](py::object self, int64_t dim, const Tensor &index, const Tensor &src) {
        self_tensor(self).scatter_add_(dim, index, src);
        return self;
      },
      py::arg("dim"), py::arg("index"), py::arg("src"));
  def_both(
      cls, m, "index_select",
      [](const Tensor &a, int64_t dim, const Tensor &index) { return a.index_select(dim, index); },
      py::arg("dim"), py::arg("index"));
  def_both(
      cls, m, "index_add",
      [](const Tensor &a, int64_t dim, const Tensor &index, const Tensor &source,
         const Scalar &alpha) { return a.index_add(dim, index, source, alpha); },
      py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(), py::arg("alpha") = 1);
  cls.def(
      "index_add_",
      [](py::object self, int64_t dim, const Tensor &index, const Tensor &source,
         const Scalar &alpha) {
        self_tensor(self).index_add_(dim, index, source, alpha);
        return self;
      },
      py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(), py::arg("alpha") = 1);
  def_both(
      cls, m, "masked_select",
      [](const Tensor &a, const Tensor &mask) { return a.masked_select(mask); }, py::arg("mask"));
  def_both(
      cls, m, "nonzero",
      [](const Tensor &a, bool as_tuple) -> py::object {
        Tensor indices = a.nonzero();
        if (!as_tuple)
          return py::cast(indices);
        return py::tuple(py::cast(indices.unbind(1)));
      },
      py::kw_only(), py::arg("as_tuple") = false);
  def_both(
      cls, m, "sort",
      [sort_type](const Tensor &a, int64_t dim, bool descending, bool stable) {
        auto [values, indices] = a.sort(dim, descending, stable);
        return sort_type(values, indices);
      },
      py::arg("dim") = -1, py::arg("descending") = false, py::kw_only(), py::arg("stable") = false);
  def_both(
      cls, m, "argsort",
      [](const Tensor &a, int64_t dim, bool descending, bool stable) {
        return a.argsort(dim, descending, stable);
      },
      py::arg("dim") = -1, py::arg("descending") = false, py::kw_only(), py::arg("stable") = false);
  def_both(
      cls, m, "topk",
      [topk_type](const Tensor &a, int64_t k, int64_t dim, bool largest, bool sorted) {
        auto [values, indices] = a.topk(k, dim, largest, sorted);
        return topk_type(values, indices);
      },
      py::arg("k"), py::arg("dim") = -1, py::arg("largest") = true, py::arg("sorted") = true);
  def_both(
      cls, m, "tril", [](const Tensor &a, int64_t d) { return a.tril(d); },
      py::arg("diagonal") = 0);
  def_both(
      cls, m, "triu", [](const Tensor &a, int64_t d) { return a.triu(d); },
      py::arg("diagonal") = 0);
  def_both(
      cls, m, "roll",
      [](const Tensor &a, const Dims &shifts, std::optional<Dims> dims) {
        return a.roll(shifts, dims_or_all(dims));
      },
      py::arg("shifts"), py::arg("dims") = py::none());
  m.def(
      "cat", [](const TensorList &tensors, int64_t dim) { return ember::cat(tensors, dim); },
      py::arg("tensors"), py::arg("dim") = 0);
  m.def(
      "stack", [](const TensorList &tensors, int64_t dim) { return ember::stack(tensors, dim); },
      py::arg("tensors"), py::arg("dim") = 0);
}

void bind_random_fills(Binding &cls) {
  cls.def(
      "uniform_",
      [](py::object self, double from, double to) {
        self_tensor(self).uniform_(from, to);
        return self;
      },
      py::arg("from") = 0.0, py::arg("to") = 1.0);
  cls.def(
      "normal_",
      [](py::object self, double mean, double std) {
        self_tensor(self).normal_(mean, std);
        return self;
      },
      py::arg("mean") = 0.0, py::arg("std") = 1.0);
  cls.def(
      "bernoulli_",
      [](py::object self, double p) {
        self_tensor(self).bernoulli_(p);
        return self;
      },
      py::arg("p") = 0.5);
  cls.def("bernoulli", [](const Tensor &a) { return a.bernoulli(); });
}

} // namespace

void bind_tensor_ops(py::module_ &m, Binding &cls) {
  bind_arithmetic(cls, m);
  bind_operators(cls);
  bind_reductions(cls, m);
  bind_linalg(cls, m);
  bind_views(cls, m);
  bind_indexing_ops(cls, m);
  bind_random_fills(cls);
}

} // namespace ember::python

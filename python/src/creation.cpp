// Creation functions (ember.tensor from nested sequences, zeros, arange, rand, ...), generators
// and the comparisons that return Python values (allclose, equal).
#include "casters.h"

namespace ember::python {

namespace {

// Values of a nested sequence in row-major order, with the shape and kinds of number met.
struct Nested {
  std::vector<double> floats;
  std::vector<int64_t> ints;
  Shape sizes;
  bool any_float = false;
  bool all_bool = true;
};

void read_nested(py::handle object, size_t depth, Nested &out) {
  PyObject *o = object.ptr();
  const Tensor *t = as_tensor(object);
  if ((PyList_Check(o) || PyTuple_Check(o)) || (t != nullptr && t->dim() > 0)) {
    py::sequence items = py::reinterpret_borrow<py::sequence>(object);
    auto n = static_cast<int64_t>(py::len(object));
    if (depth == out.sizes.size())
      out.sizes.push_back(n);
    else if (depth > out.sizes.size() || out.sizes[depth] != n)
      throw py::value_error("tensor: expected a sequence of length " +
                            std::to_string(depth < out.sizes.size() ? out.sizes[depth] : 0) +
                            " at dim " + std::to_string(depth) + " (got " + std::to_string(n) +
                            ")");
    for (py::handle item : py::iter(object))
      read_nested(item, depth + 1, out);
    return;
  }
  if (depth != out.sizes.size())
    throw py::value_error("tensor: expected a sequence at dim " + std::to_string(depth) +
                          ", got a number (the nested lists are not rectangular)");
  if (PyUnicode_Check(o))
    throw py::value_error("tensor: too many dimensions 'str'");
  Scalar value;
  if (t != nullptr)
    value = t->item();
  else if (!load_scalar(object, value))
    throw py::type_error("tensor: could not infer dtype of " +
                         py::str(object.get_type().attr("__name__")).cast<std::string>());
  out.any_float |= value.is_floating_point();
  out.all_bool &= value.is_bool();
  out.floats.push_back(value.to_double());
  out.ints.push_back(value.is_floating_point() ? 0 : value.to_long());
}

Tensor tensor_from_data(py::handle data, std::optional<DType> dtype, bool requires_grad) {
  Nested nested;
  read_nested(data, 0, nested);
  const DType natural = nested.any_float
                            ? default_dtype()
                            : (nested.all_bool && !nested.ints.empty() ? kBool : kInt64);
  Tensor result;
  if (nested.any_float) {
    result = from_blob(nested.floats.data(), nested.sizes, ember::dtype(kFloat64))
                 .to(dtype.value_or(natural), true);
  } else if (nested.floats.empty()) {
    result = empty(nested.sizes, ember::dtype(dtype.value_or(default_dtype())));
  } else {
    result = from_blob(nested.ints.data(), nested.sizes, ember::dtype(kInt64))
                 .to(dtype.value_or(natural), true);
  }
  if (requires_grad)
    result.requires_grad_(true);
  return result;
}

TensorOptions options_of(std::optional<DType> dtype, bool requires_grad) {
  TensorOptions options;
  if (dtype)
    options = options.dtype(*dtype);
  return options.requires_grad(requires_grad);
}

TensorOptions like_options(const Tensor &other, std::optional<DType> dtype, bool requires_grad) {
  return TensorOptions(dtype.value_or(other.dtype())).requires_grad(requires_grad);
}

} // namespace

void bind_creation(py::module_ &m) {
  auto kw = py::kw_only();
  m.def("_tensor", &tensor_from_data, py::arg("data"), kw, py::arg("dtype") = py::none(),
        py::arg("requires_grad") = false);
  m.def(
      "scalar_tensor",
      [](const Scalar &value, std::optional<DType> dtype, py::object, bool requires_grad) {
        return scalar_tensor(value, options_of(dtype.value_or(default_dtype()), requires_grad));
      },
      py::arg("s"), kw, py::arg("dtype") = py::none(), py::arg("device") = py::none(),
      py::arg("requires_grad") = false);

  using Fill = Tensor (*)(IntArrayRef, const TensorOptions &);
  auto sized = [&](const char *name, Fill fill) {
    m.def(
        name,
        [fill, name](py::args size, std::optional<DType> dtype, py::object, bool requires_grad) {
          return fill(sizes_from_args(size, name), options_of(dtype, requires_grad));
        },
        kw, py::arg("dtype") = py::none(), py::arg("device") = py::none(),
        py::arg("requires_grad") = false);
  };
  sized("zeros", [](IntArrayRef s, const TensorOptions &o) { return zeros(s, o); });
  sized("ones", [](IntArrayRef s, const TensorOptions &o) { return ones(s, o); });
  sized("empty", [](IntArrayRef s, const TensorOptions &o) { return empty(s, o); });
  m.def(
      "full",
      [](const Dims &size, const Scalar &value, std::optional<DType> dtype, py::object,
         bool requires_grad) { return full(size, value, options_of(dtype, requires_grad)); },
      py::arg("size"), py::arg("fill_value"), kw, py::arg("dtype") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false);

  using FillLike = Tensor (*)(const Tensor &, const TensorOptions &);
  auto like = [&](const char *name, FillLike fill) {
    m.def(
        name,
        [fill](const Tensor &other, std::optional<DType> dtype, py::object, bool requires_grad) {
          return fill(other, like_options(other, dtype, requires_grad));
        },
        py::arg("input"), kw, py::arg("dtype") = py::none(), py::arg("device") = py::none(),
        py::arg("requires_grad") = false);
  };
  like("zeros_like", [](const Tensor &t, const TensorOptions &o) { return zeros_like(t, o); });
  like("ones_like", [](const Tensor &t, const TensorOptions &o) { return ones_like(t, o); });
  like("empty_like", [](const Tensor &t, const TensorOptions &o) { return empty_like(t, o); });
  like("rand_like", [](const Tensor &t, const TensorOptions &o) { return rand_like(t, o); });
  like("randn_like", [](const Tensor &t, const TensorOptions &o) { return randn_like(t, o); });
  m.def(
      "full_like",
      [](const Tensor &other, const Scalar &value, std::optional<DType> dtype, py::object,
         bool requires_grad) {
        return full(other.sizes(), value, like_options(other, dtype, requires_grad));
      },
      py::arg("input"), py::arg("fill_value"), kw, py::arg("dtype") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false);

  m.def(
      "arange",
      [](const Scalar &start, std::optional<Scalar> end, const Scalar &step,
         std::optional<DType> dtype, py::object, bool requires_grad) {
        TensorOptions options = options_of(dtype, requires_grad);
        return end ? arange(start, *end, step, options) : arange(start, options);
      },
      py::arg("start"), py::arg("end") = py::none(), py::arg("step") = 1, kw,
      py::arg("dtype") = py::none(), py::arg("device") = py::none(),
      py::arg("requires_grad") = false);
  m.def(
      "linspace",
      [](const Scalar &start, const Scalar &end, int64_t steps, std::optional<DType> dtype,
         py::object, bool requires_grad) {
        return linspace(start, end, steps, options_of(dtype, requires_grad));
      },
      py::arg("start"), py::arg("end"), py::arg("steps"), kw, py::arg("dtype") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def(
      "eye",
      [](int64_t n, std::optional<int64_t> columns, std::optional<DType> dtype, py::object,
         bool requires_grad) { return eye(n, columns, options_of(dtype, requires_grad)); },
      py::arg("n"), py::arg("m") = py::none(), kw, py::arg("dtype") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false);

  py::class_<Generator>(m, "Generator")
      .def(py::init([](py::object) { return std::make_unique<Generator>(); }),
           py::arg("device") = "cpu")
      .def(
          "manual_seed",
          [](py::object self, uint64_t seed) {
            self.cast<Generator &>().manual_seed(seed);
            return self;
          },
          py::arg("seed"))
      .def("initial_seed", &Generator::initial_seed)
      .def("get_state",
           [](const Generator &g) {
             auto state = g.get_state();
             return py::make_tuple(state.seed, state.offset);
           })
      .def("set_state", [](Generator &g, std::pair<uint64_t, uint64_t> state) {
        g.set_state({state.first, state.second});
      });
  m.attr("default_generator") = py::cast(&default_generator(), py::return_value_policy::reference);
  m.def(
      "manual_seed", [](uint64_t seed) { manual_seed(seed); }, py::arg("seed"));
  m.def("initial_seed", []() { return default_generator().initial_seed(); });

  for (bool normal : {false, true})
    m.def(
        normal ? "randn" : "rand",
        [normal](py::args size, Generator *generator, std::optional<DType> dtype, py::object,
                 bool requires_grad) {
          Shape sizes = sizes_from_args(size, normal ? "randn" : "rand");
          TensorOptions options = options_of(dtype, requires_grad);
          Generator &g = generator ? *generator : default_generator();
          return normal ? randn(sizes, g, options) : rand(sizes, g, options);
        },
        kw, py::arg("generator") = py::none(), py::arg("dtype") = py::none(),
        py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def(
      "randint",
      // randint(high, size) or randint(low, high, size), as torch.
      [](int64_t first, py::object second, py::object third, std::optional<DType> dtype, py::object,
         bool requires_grad) {
        TensorOptions options = options_of(dtype.value_or(kInt64), requires_grad);
        if (third.is_none()) {
          EMBER_CHECK_T(TypeError, !second.is_none(), "randint: missing the size argument");
          return randint(0, first, second.cast<Dims>(), options);
        }
        return randint(first, second.cast<int64_t>(), third.cast<Dims>(), options);
      },
      py::arg("low"), py::arg("high") = py::none(), py::arg("size") = py::none(), kw,
      py::arg("dtype") = py::none(), py::arg("device") = py::none(),
      py::arg("requires_grad") = false);
  m.def(
      "randperm",
      [](int64_t n, std::optional<DType> dtype, py::object, bool requires_grad) {
        return randperm(n, options_of(dtype.value_or(kInt64), requires_grad));
      },
      py::arg("n"), kw, py::arg("dtype") = py::none(), py::arg("device") = py::none(),
      py::arg("requires_grad") = false);
  m.def(
      "normal",
      [](double mean, double std, const Dims &size, std::optional<DType> dtype) {
        return normal(mean, std, size, options_of(dtype, false));
      },
      py::arg("mean"), py::arg("std"), py::arg("size"), kw, py::arg("dtype") = py::none());
  m.def(
      "bernoulli", [](const Tensor &p) { return bernoulli(p); }, py::arg("input"));
  m.def(
      "multinomial",
      [](const Tensor &probs, int64_t n, bool replacement) {
        return multinomial(probs, n, replacement);
      },
      py::arg("input"), py::arg("num_samples"), py::arg("replacement") = false);

  m.def("allclose", &allclose, py::arg("input"), py::arg("other"), py::arg("rtol") = 1e-5,
        py::arg("atol") = 1e-8, py::arg("equal_nan") = false);
  m.def("equal", &equal, py::arg("input"), py::arg("other"));
  m.def(
      "result_type",
      [](const Tensor &a, py::handle b) {
        if (const Tensor *t = as_tensor(b))
          return result_type(a, *t);
        return result_type(a, b.cast<Scalar>());
      },
      py::arg("tensor1"), py::arg("tensor2"));
}

} // namespace ember::python

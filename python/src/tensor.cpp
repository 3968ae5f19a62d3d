// ember.Tensor: the class, its properties, conversions to Python values, autograd state and the
// Python operators. Op methods live in tensor_ops.cpp, indexing in indexing.cpp.
#include <pybind11/functional.h>

#include "casters.h"

namespace ember::python {

namespace {

// tolist for whole tensors: one conversion to a contiguous buffer, then nested lists.
py::object tolist_fast(const Tensor &t) {
  NoGradGuard no_grad;
  if (t.dim() == 0)
    return scalar_to_python(t.item());
  const DType as = t.is_floating_point() ? kFloat64 : (t.dtype() == kBool ? kBool : kInt64);
  Tensor values = t.to(as).contiguous();
  const Shape &sizes = values.sizes();
  int64_t position = 0;
  std::function<py::object(size_t)> build = [&](size_t dim) -> py::object {
    py::list out(sizes[dim]);
    for (int64_t i = 0; i < sizes[dim]; ++i) {
      if (dim + 1 < sizes.size()) {
        out[i] = build(dim + 1);
        continue;
      }
      if (as == kFloat64)
        out[i] = py::float_(values.data_ptr<double>()[position++]);
      else if (as == kBool)
        out[i] = py::bool_(values.data_ptr<bool>()[position++]);
      else
        out[i] = py::int_(values.data_ptr<int64_t>()[position++]);
    }
    return out;
  };
  return build(0);
}

std::string repr(const Tensor &t) {
  std::string text = t.toString();
  const std::string from = "dtype=torch.";
  if (auto at = text.find(from); at != std::string::npos)
    text.replace(at, from.size(), "dtype=ember.");
  return text;
}

// to(dtype), to(device), to(tensor), to(device, dtype), with dtype=/device=/copy= keywords.
Tensor to(const Tensor &self, const py::args &args, const py::kwargs &kwargs) {
  std::optional<DType> dtype;
  bool copy = false;
  for (py::handle arg : args) {
    if (py::isinstance<DType>(arg))
      dtype = arg.cast<DType>();
    else if (const Tensor *other = as_tensor(arg))
      dtype = other->dtype();
    else if (PyBool_Check(arg.ptr()))
      copy = arg.cast<bool>();
    else
      arg.cast<Device>(); // only the CPU exists; parsing still rejects nonsense
  }
  if (kwargs.contains("dtype") && !kwargs["dtype"].is_none())
    dtype = kwargs["dtype"].cast<DType>();
  if (kwargs.contains("device") && !kwargs["device"].is_none())
    kwargs["device"].cast<Device>();
  if (kwargs.contains("copy"))
    copy = kwargs["copy"].cast<bool>();
  return self.to(dtype.value_or(self.dtype()), copy);
}

py::object node_or_none(const std::shared_ptr<autograd::Node> &node) {
  if (!node)
    return py::none();
  return py::cast(node);
}

} // namespace

void bind_tensor(py::module_ &m) {
  py::class_<autograd::Node, std::shared_ptr<autograd::Node>>(m, "Node")
      .def("name", &autograd::Node::name)
      .def_property_readonly("next_functions",
                             [](const autograd::Node &node) {
                               py::list out;
                               for (const auto &edge : node.next_edges)
                                 out.append(py::make_tuple(node_or_none(edge.fn), edge.input_nr));
                               return py::tuple(out);
                             })
      .def("__repr__", [](const autograd::Node &node) {
        return "<" + node.name() + " object at " +
               std::to_string(reinterpret_cast<uintptr_t>(&node)) + ">";
      });

  py::class_<Tensor> cls(m, "Tensor", py::buffer_protocol());
  // ember.Tensor() is an empty float tensor, as torch.Tensor().
  cls.def(py::init([] { return empty({0}); }))
      .def(py::init([](const Tensor &data) { return data.detach(); }), py::arg("data"))
      .def("__repr__", &repr)
      .def("__hash__", [](py::handle self) { return reinterpret_cast<intptr_t>(self.ptr()); })
      // ---- metadata ----
      .def_property_readonly("shape", [](const Tensor &t) { return make_size(t.sizes()); })
      .def(
          "size",
          [](const Tensor &t, std::optional<int64_t> dim) -> py::object {
            if (dim)
              return py::int_(t.size(*dim));
            return make_size(t.sizes());
          },
          py::arg("dim") = py::none())
      .def(
          "stride",
          [](const Tensor &t, std::optional<int64_t> dim) -> py::object {
            if (dim)
              return py::int_(t.stride(*dim));
            return py::tuple(py::cast(t.strides()));
          },
          py::arg("dim") = py::none())
      .def_property_readonly("dtype", &Tensor::dtype)
      .def_property_readonly("device", &Tensor::device)
      .def_property_readonly("ndim", &Tensor::dim)
      .def_property_readonly("is_cuda", [](const Tensor &) { return false; })
      .def_property_readonly("is_cpu", [](const Tensor &) { return true; })
      .def_property_readonly("_version", &Tensor::_version)
      .def("dim", &Tensor::dim)
      .def("ndimension", &Tensor::dim)
      .def("numel", &Tensor::numel)
      .def("nelement", &Tensor::numel)
      .def("element_size", &Tensor::element_size)
      .def_property_readonly("itemsize", &Tensor::element_size)
      .def_property_readonly("nbytes", &Tensor::nbytes)
      .def("storage_offset", &Tensor::storage_offset)
      .def("is_contiguous", &Tensor::is_contiguous)
      .def("is_floating_point", &Tensor::is_floating_point)
      .def("data_ptr", [](const Tensor &t) { return reinterpret_cast<uintptr_t>(t.data_ptr()); })
      .def("_is_view", [](const Tensor &t) { return t.impl()->is_view(); })
      // ---- values ----
      .def("item",
           [](const Tensor &t) {
             if (t.numel() != 1)
               throw py::value_error("only one element tensors can be converted to Python "
                                     "scalars (got " +
                                     std::to_string(t.numel()) + " elements)");
             return scalar_to_python(t.item());
           })
      .def("tolist", &tolist_fast)
      .def("__bool__",
           [](const Tensor &t) {
             EMBER_CHECK(t.numel() == 1, "Boolean value of Tensor with ",
                         t.numel() == 0 ? "no values" : "more than one value", " is ambiguous");
             return t.item().to<bool>();
           })
      .def("__float__", [](const Tensor &t) { return t.item().to_double(); })
      .def("__int__", [](const Tensor &t) { return t.item().to_long(); })
      .def("__index__",
           [](const Tensor &t) {
             if (t.numel() != 1 || !is_integral(t.dtype(), true))
               throw py::type_error("only integer tensors of a single element can be converted "
                                    "to an index");
             return t.item().to_long();
           })
      .def("__len__",
           [](const Tensor &t) {
             if (t.dim() == 0)
               throw py::type_error("len() of a 0-d tensor");
             return t.size(0);
           })
      .def("__iter__",
           [](const Tensor &t) {
             if (t.dim() == 0)
               throw py::type_error("iteration over a 0-d tensor");
             return py::iter(py::cast(t.unbind(0)));
           })
      .def(
          "__contains__",
          [](const Tensor &t, py::handle element) {
            return ember::eq(t, to_tensor_operand(element, "__contains__")).any().item().to<bool>();
          })
      // ---- conversions ----
      .def("to", &to)
      .def("type_as", [](const Tensor &t, const Tensor &other) { return t.to(other.dtype()); })
      .def("float", [](const Tensor &t) { return t.to(kFloat32); })
      .def("double", [](const Tensor &t) { return t.to(kFloat64); })
      .def("half", [](const Tensor &t) { return t.to(kFloat16); })
      .def("bfloat16", [](const Tensor &t) { return t.to(kBFloat16); })
      .def("long", [](const Tensor &t) { return t.to(kInt64); })
      .def("int", [](const Tensor &t) { return t.to(kInt32); })
      .def("byte", [](const Tensor &t) { return t.to(kUInt8); })
      .def("bool", [](const Tensor &t) { return t.to(kBool); })
      .def("cpu", [](py::object self) { return self; })
      .def("contiguous", &Tensor::contiguous)
      .def("clone", [](const Tensor &t) { return t.clone(); })
      .def("copy_",
           [](py::object self, const Tensor &src) {
             self_tensor(self).copy_(src);
             return self;
           })
      .def("fill_",
           [](py::object self, const Scalar &value) {
             self_tensor(self).fill_(value);
             return self;
           })
      .def("zero_",
           [](py::object self) {
             self_tensor(self).zero_();
             return self;
           })
      // ---- autograd ----
      .def_property("requires_grad", &Tensor::requires_grad,
                    [](Tensor &t, bool requires_grad) { t.requires_grad_(requires_grad); })
      .def(
          "requires_grad_",
          [](py::object self, bool requires_grad) {
            self_tensor(self).requires_grad_(requires_grad);
            return self;
          },
          py::arg("requires_grad") = true)
      .def_property(
          "grad",
          [](const Tensor &t) -> py::object {
            const Tensor &grad = t.grad();
            if (!grad.defined())
              return py::none();
            return py::cast(grad);
          },
          [](Tensor &t, std::optional<Tensor> grad) {
            if (grad)
              EMBER_CHECK(grad->sizes() == t.sizes(), "assigned grad has data of a different size");
            t.mutable_grad() = grad.value_or(Tensor());
          })
      .def_property(
          "data", [](const Tensor &t) { return t.detach(); },
          [](const Tensor &t, const Tensor &data) { t.set_data(data); })
      .def_property_readonly("grad_fn", [](const Tensor &t) { return node_or_none(t.grad_fn()); })
      .def_property_readonly("is_leaf", &Tensor::is_leaf)
      .def_property_readonly("output_nr", &Tensor::output_nr)
      .def("retain_grad", &Tensor::retain_grad)
      .def_property_readonly("retains_grad", &Tensor::retains_grad)
      .def("detach", &Tensor::detach)
      .def("detach_",
           [](py::object self) {
             self_tensor(self).detach_();
             return self;
           })
      .def(
          "backward",
          [](const Tensor &t, std::optional<Tensor> gradient, std::optional<bool> retain_graph,
             bool create_graph, std::optional<TensorList> inputs) {
            // Other Python threads run meanwhile; hooks and Python Functions take the GIL back.
            py::gil_scoped_release release;
            t.backward(gradient.value_or(Tensor()), retain_graph, create_graph,
                       inputs.value_or(TensorList{}));
          },
          py::arg("gradient") = py::none(), py::arg("retain_graph") = py::none(),
          py::arg("create_graph") = false, py::arg("inputs") = py::none())
      .def("_register_hook",
           [](const Tensor &t, std::function<std::optional<Tensor>(const Tensor &)> hook) {
             return t.register_hook(
                 [hook](const Tensor &grad) { return hook(grad).value_or(Tensor()); });
           })
      .def("_remove_hook", &Tensor::remove_hook);

  // NumPy defers to the Tensor's reflected operators (np.float64(2) * t is a Tensor).
  cls.attr("__array_priority__") = 1000;
  bind_tensor_ops(m, cls);
  bind_indexing(m, cls);
  bind_interop(m, cls);
  install_fast_paths(cls);
  install_fast_functions(m);
}

} // namespace ember::python

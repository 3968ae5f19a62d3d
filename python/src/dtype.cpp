// ember.dtype (ember.float32, ...) and the default dtype.
#include "casters.h"

namespace ember::python {

void bind_dtype(py::module_ &m) {
  py::enum_<DType> dtype(m, "dtype");
  for (int i = 0; i < kNumDTypes; ++i) {
    auto value = static_cast<DType>(i);
    dtype.value(std::string(dtype_name(value)).c_str(), value);
  }
  // Replaces (rather than overloads) the enum's own "dtype.float32" spelling.
  for (const char *name : {"__repr__", "__str__"})
    py::setattr(dtype, name,
                py::cpp_function([](DType d) { return "ember." + std::string(dtype_name(d)); },
                                 py::name(name), py::is_method(dtype)));
  dtype.def_property_readonly("is_floating_point", [](DType d) { return is_floating_point(d); })
      .def_property_readonly("is_signed", [](DType d) { return d != kBool && d != kUInt8; })
      .def_property_readonly("itemsize", [](DType d) { return element_size(d); });
  m.def("get_default_dtype", &default_dtype);
  m.def("set_default_dtype", [](DType d) {
    if (!is_floating_point(d))
      throw py::type_error("set_default_dtype: only floating-point types are supported as the "
                           "default type, got " +
                           std::string(dtype_name(d)));
    set_default_dtype(d);
  });
  m.def("promote_types", &promote_types);
  m.def("set_num_threads", &set_num_threads, py::arg("threads"));
  m.def("get_num_threads", &get_num_threads);
}

} // namespace ember::python

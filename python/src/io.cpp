// ember._C._io: the C++ archive (ember::io::Archive, nested values in one safetensors file) behind
// ember.save and ember.load, which encode Python's nesting on top of it.
#include "casters.h"

#include "ember/io.h"

namespace ember::python {

namespace {

io::Value to_value(const std::string &key, py::handle value) {
  if (py::isinstance<py::bool_>(value))
    return value.cast<bool>();
  if (py::isinstance<py::int_>(value))
    return value.cast<int64_t>();
  if (py::isinstance<py::float_>(value))
    return value.cast<double>();
  if (py::isinstance<py::str>(value))
    return value.cast<std::string>();
  if (const Tensor *tensor = as_tensor(value))
    return tensor->detach();
  throw py::type_error("ember.save: cannot store a value of type " +
                       py::str(value.get_type().attr("__name__")).cast<std::string>() + " at '" +
                       key +
                       "' (expected a Tensor, bool, int, float, str, or a dict, list or "
                       "tuple of them)");
}

py::object from_value(const io::Value &value) {
  return std::visit([](const auto &v) { return py::cast(v); }, value);
}

} // namespace

void bind_io(py::module_ &m) {
  py::module_ io = m.def_submodule("_io", "C++ archives of nested values in safetensors files");
  py::class_<io::Archive>(io, "Archive")
      .def(py::init<>())
      .def(
          "write",
          [](io::Archive &archive, const std::string &key, py::handle value) {
            archive.write(key, to_value(key, value));
          },
          py::arg("key"), py::arg("value"))
      .def(
          "get",
          [](const io::Archive &archive, const std::string &key) {
            return from_value(archive.at(key));
          },
          py::arg("key"))
      .def("keys", &io::Archive::keys)
      .def("__len__", &io::Archive::size)
      .def("__contains__", &io::Archive::contains)
      .def("save", &io::Archive::save, py::arg("path"), py::call_guard<py::gil_scoped_release>())
      .def_static("load", &io::Archive::load, py::arg("path"),
                  py::call_guard<py::gil_scoped_release>());
}

} // namespace ember::python

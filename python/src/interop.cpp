// Zero-copy exchange with NumPy (numpy(), from_numpy, the buffer protocol) and with any DLPack
// producer or consumer (__dlpack__, __dlpack_device__, from_dlpack), e.g. NumPy and PyTorch.
#include <pybind11/numpy.h>

#include "casters.h"

namespace ember::python {

namespace {

// ---- DLPack (the stable C ABI of dlpack.h v0.6+, declared here: no Debian package ships it) ----
struct DLDevice {
  int32_t device_type; // 1 = CPU
  int32_t device_id;
};
struct DLDataType {
  uint8_t code; // 0 int, 1 uint, 2 float, 4 bfloat, 6 bool
  uint8_t bits;
  uint16_t lanes;
};
struct DLTensor {
  void *data;
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t *shape;
  int64_t *strides;
  uint64_t byte_offset;
};
struct DLManagedTensor {
  DLTensor dl_tensor;
  void *manager_ctx;
  void (*deleter)(DLManagedTensor *self);
};
constexpr int32_t kDLCPU = 1;

// What an exported DLManagedTensor owns: the tensor (keeping the memory alive) and its geometry.
struct Exported {
  Tensor tensor;
  Shape sizes;
  Shape strides;
  DLManagedTensor managed;
};

DLDataType to_dlpack_dtype(DType dtype) {
  const auto bits = static_cast<uint8_t>(element_size(dtype) * 8);
  switch (dtype) {
  case kBool:
    return {6, 8, 1};
  case kUInt8:
    return {1, 8, 1};
  case kInt32:
  case kInt64:
    return {0, bits, 1};
  case kBFloat16:
    return {4, 16, 1};
  default:
    return {2, bits, 1};
  }
}

DType from_dlpack_dtype(DLDataType t) {
  EMBER_CHECK(t.lanes == 1, "from_dlpack: vector types (lanes ", t.lanes, ") are not supported");
  switch (t.code) {
  case 0:
    if (t.bits == 32)
      return kInt32;
    if (t.bits == 64)
      return kInt64;
    break;
  case 1:
    if (t.bits == 8)
      return kUInt8;
    break;
  case 2:
    if (t.bits == 16)
      return kFloat16;
    if (t.bits == 32)
      return kFloat32;
    if (t.bits == 64)
      return kFloat64;
    break;
  case 4:
    if (t.bits == 16)
      return kBFloat16;
    break;
  case 6:
    if (t.bits == 8)
      return kBool;
    break;
  }
  throw Error(detail::concat("from_dlpack: unsupported DLPack dtype (code ", int(t.code), ", bits ",
                             int(t.bits), ")"));
}

void capsule_destructor(PyObject *capsule) {
  // A capsule nobody consumed still owns its tensor; a consumed one was renamed "used_dltensor".
  if (PyCapsule_IsValid(capsule, "dltensor")) {
    auto *managed = static_cast<DLManagedTensor *>(PyCapsule_GetPointer(capsule, "dltensor"));
    managed->deleter(managed);
  }
}

py::object to_dlpack(const Tensor &t) {
  auto *exported = new Exported{t, t.sizes(), t.strides(), {}};
  DLTensor &dl = exported->managed.dl_tensor;
  dl.data = t.data_ptr();
  dl.device = {kDLCPU, 0};
  dl.ndim = static_cast<int32_t>(t.dim());
  dl.dtype = to_dlpack_dtype(t.dtype());
  dl.shape = exported->sizes.data();
  dl.strides = exported->strides.data();
  dl.byte_offset = 0;
  exported->managed.manager_ctx = exported;
  exported->managed.deleter = [](DLManagedTensor *self) {
    delete static_cast<Exported *>(self->manager_ctx);
  };
  return py::reinterpret_steal<py::object>(
      PyCapsule_New(&exported->managed, "dltensor", capsule_destructor));
}

Tensor from_dlpack(py::object source) {
  py::object capsule = source;
  if (py::hasattr(source, "__dlpack__")) {
    if (py::hasattr(source, "__dlpack_device__")) {
      auto device = source.attr("__dlpack_device__")().cast<std::pair<int, int>>();
      EMBER_CHECK(device.first == kDLCPU,
                  "from_dlpack: only CPU tensors can be imported, got "
                  "DLPack device type ",
                  device.first);
    }
    capsule = source.attr("__dlpack__")();
  }
  EMBER_CHECK_T(TypeError, PyCapsule_IsValid(capsule.ptr(), "dltensor"),
                "from_dlpack: expected an object with __dlpack__ or an unused DLPack capsule");
  auto *managed = static_cast<DLManagedTensor *>(PyCapsule_GetPointer(capsule.ptr(), "dltensor"));
  const DLTensor &dl = managed->dl_tensor;
  EMBER_CHECK(dl.device.device_type == kDLCPU, "from_dlpack: only CPU tensors can be imported");
  Shape sizes(dl.shape, dl.shape + dl.ndim);
  Shape strides = dl.strides ? Shape(dl.strides, dl.strides + dl.ndim) : contiguous_strides(sizes);
  const DType dtype = from_dlpack_dtype(dl.dtype);
  void *data = static_cast<char *>(dl.data) + dl.byte_offset;
  Tensor result = from_blob(
      data, sizes, strides,
      [managed](void *) {
        // Producers such as NumPy release Python objects in their deleter.
        py::gil_scoped_acquire gil;
        if (managed->deleter)
          managed->deleter(managed);
      },
      ember::dtype(dtype));
  PyCapsule_SetName(capsule.ptr(), "used_dltensor");
  return result;
}

// ---- NumPy and the buffer protocol
// ---------------------------------------------------------------
const char *buffer_format(DType dtype) {
  switch (dtype) {
  case kBool:
    return "?";
  case kUInt8:
    return "B";
  case kInt32:
    return "i";
  case kInt64:
    return "q";
  case kFloat16:
    return "e";
  case kFloat32:
    return "f";
  case kFloat64:
    return "d";
  default:
    throw py::type_error(std::string("NumPy and the buffer protocol have no ") +
                         std::string(dtype_name(dtype)) + " type");
  }
}

DType dtype_of_numpy(const py::dtype &dtype) {
  const char kind = dtype.kind();
  const auto size = dtype.itemsize();
  if (kind == 'b')
    return kBool;
  if (kind == 'u' && size == 1)
    return kUInt8;
  if (kind == 'i' && size == 4)
    return kInt32;
  if (kind == 'i' && size == 8)
    return kInt64;
  if (kind == 'f' && size == 2)
    return kFloat16;
  if (kind == 'f' && size == 4)
    return kFloat32;
  if (kind == 'f' && size == 8)
    return kFloat64;
  throw py::type_error("can't convert np.ndarray of type " +
                       py::str(py::handle(dtype)).cast<std::string>() +
                       ". The only supported types are: float64, float32, float16, int64, int32, "
                       "uint8, and bool.");
}

py::array to_numpy(py::object self) {
  const Tensor &t = *as_tensor(self);
  EMBER_CHECK(!t.requires_grad(), "Can't call numpy() on Tensor that requires grad. Use "
                                  "tensor.detach().numpy() instead.");
  const auto itemsize = static_cast<py::ssize_t>(t.element_size());
  std::vector<py::ssize_t> shape(t.sizes().begin(), t.sizes().end());
  std::vector<py::ssize_t> strides;
  for (int64_t s : t.strides())
    strides.push_back(s * itemsize);
  return py::array(py::dtype(buffer_format(t.dtype())), shape, strides, t.data_ptr(), self);
}

Tensor from_numpy(py::array array) {
  const DType dtype = dtype_of_numpy(array.dtype());
  const auto itemsize = array.itemsize();
  Shape sizes(array.shape(), array.shape() + array.ndim());
  Shape strides;
  for (py::ssize_t i = 0; i < array.ndim(); ++i) {
    const py::ssize_t s = array.strides(i);
    EMBER_CHECK(s >= 0 && s % itemsize == 0,
                "from_numpy: arrays with negative strides or strides that are not a multiple of "
                "the element size are not supported (use array.copy() first)");
    strides.push_back(s / itemsize);
  }
  auto *owner = new py::object(array);
  return from_blob(
      const_cast<void *>(array.data()), sizes, strides,
      [owner](void *) {
        py::gil_scoped_acquire gil;
        delete owner;
      },
      ember::dtype(dtype));
}

} // namespace

void bind_interop(py::module_ &m, py::class_<Tensor> &cls) {
  cls.def_buffer([](const Tensor &t) {
    std::vector<py::ssize_t> strides;
    for (int64_t s : t.strides())
      strides.push_back(s * static_cast<py::ssize_t>(t.element_size()));
    return py::buffer_info(t.data_ptr(), static_cast<py::ssize_t>(t.element_size()),
                           buffer_format(t.dtype()), t.dim(),
                           std::vector<py::ssize_t>(t.sizes().begin(), t.sizes().end()), strides);
  });
  cls.def("numpy", &to_numpy);
  cls.def(
      "__array__",
      [](py::object self, py::object dtype) {
        py::array array = to_numpy(py::cast(as_tensor(self)->detach()));
        return dtype.is_none() ? array : py::array(array.attr("astype")(dtype));
      },
      py::arg("dtype") = py::none());
  cls.def(
      "__dlpack__", [](const Tensor &t, py::object) { return to_dlpack(t.detach()); },
      py::arg("stream") = py::none());
  cls.def("__dlpack_device__", [](const Tensor &) { return py::make_tuple(kDLCPU, 0); });
  m.def("from_numpy", &from_numpy, py::arg("ndarray"));
  m.def("from_dlpack", &from_dlpack, py::arg("ext_tensor"));
  m.def(
      "to_dlpack", [](const Tensor &t) { return to_dlpack(t.detach()); }, py::arg("tensor"));
}

} // namespace ember::python

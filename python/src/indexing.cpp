// Tensor.__getitem__ / __setitem__ with torch's (NumPy's) rules. Basic indices (ints, slices,
// None, Ellipsis) become views; advanced indices (integer or boolean tensors and lists) gather
// with index_select and write with scatter_/masked_fill_, so gradients flow through both.
// Negative slice steps, which torch rejects, work as in NumPy.
#include "casters.h"

namespace ember::python {

namespace {

struct Advanced {
  int64_t dim;  // in the basic-indexed view
  Tensor index; // int64 positions
};

// The view after the basic indices, with the advanced ones and dims to flip (negative steps).
struct Parsed {
  Tensor view;
  std::vector<Advanced> advanced;
  Shape flipped;
};

int64_t dims_consumed(py::handle item) {
  if (item.is_none() || item.ptr() == Py_Ellipsis || PyBool_Check(item.ptr()))
    return 0;
  if (const Tensor *t = as_tensor(item); t && (t->dtype() == kBool || t->dtype() == kUInt8))
    return t->dim();
  return 1;
}

Tensor index_tensor(py::handle item) {
  if (const Tensor *t = as_tensor(item))
    return *t;
  EMBER_CHECK_T(TypeError, !PyUnicode_Check(item.ptr()), "a string is not a valid index");
  EMBER_CHECK_T(IndexError,
                PyList_Check(item.ptr()) || PyTuple_Check(item.ptr()) || PyFloat_Check(item.ptr()),
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte tensors are "
                "valid indices (got ",
                py::str(item.get_type().attr("__name__")).cast<std::string>(), ")");
  return py::module_::import("ember._C").attr("_tensor")(item).cast<Tensor>();
}

void check_index_dtype(const Tensor &index) {
  EMBER_CHECK_T(IndexError, is_integral(index.dtype(), true),
                "tensors used as indices must be long, int, byte or bool tensors, got ",
                index.dtype());
}

// Positions in [0, size) from possibly negative ones; out-of-range ones are an IndexError.
Tensor wrap_positions(const Tensor &index, int64_t size, int64_t dim) {
  NoGradGuard no_grad;
  Tensor positions = index.to(kInt64);
  if (positions.numel() == 0)
    return positions;
  const int64_t low = positions.amin().item().to_long();
  const int64_t high = positions.amax().item().to_long();
  const int64_t bad = low < -size ? low : high;
  EMBER_CHECK_T(IndexError, low >= -size && high < size, "index ", bad,
                " is out of bounds for dimension ", dim, " with size ", size);
  return low < 0 ? ember::where(positions < 0, positions + size, positions) : positions;
}

Parsed parse(const Tensor &self, py::handle index) {
  py::tuple items =
      PyTuple_Check(index.ptr()) ? py::reinterpret_borrow<py::tuple>(index) : py::make_tuple(index);
  int64_t consumed = 0;
  bool seen_ellipsis = false;
  for (py::handle item : items) {
    if (item.ptr() == Py_Ellipsis) {
      EMBER_CHECK_T(IndexError, !seen_ellipsis, "an index can only have a single ellipsis ('...')");
      seen_ellipsis = true;
    }
    consumed += dims_consumed(item);
  }
  EMBER_CHECK_T(IndexError, consumed <= self.dim(), "too many indices for tensor of dimension ",
                self.dim());
  Parsed out{self, {}, {}};
  Tensor &r = out.view;
  int64_t d = 0;
  for (py::handle item : items) {
    PyObject *o = item.ptr();
    if (item.is_none()) {
      r = r.unsqueeze(d++);
    } else if (o == Py_Ellipsis) {
      d += self.dim() - consumed;
    } else if (PyBool_Check(o)) {
      r = r.unsqueeze(d);
      if (o == Py_False)
        r = r.slice(d, 0, 0);
      ++d;
    } else if (PyLong_Check(o)) {
      r = r.select(d, PyLong_AsLongLong(o));
    } else if (PySlice_Check(o)) {
      Py_ssize_t start, stop, step;
      if (PySlice_Unpack(o, &start, &stop, &step) < 0)
        throw py::error_already_set();
      Py_ssize_t length = PySlice_AdjustIndices(r.size(d), &start, &stop, step);
      if (step > 0) {
        r = r.slice(d, start, start + length * step - (length > 0 ? step - 1 : 0), step);
      } else {
        // The same elements in ascending order, flipped afterwards.
        const int64_t last = start + (length - 1) * step;
        r = length > 0 ? r.slice(d, last, start + 1, -step) : r.slice(d, 0, 0);
        out.flipped.push_back(d);
      }
      ++d;
    } else if (as_tensor(item) == nullptr && PyIndex_Check(o)) {
      r = r.select(d, PyNumber_AsSsize_t(o, PyExc_IndexError));
    } else {
      Tensor index = index_tensor(item);
      check_index_dtype(index);
      if (index.dtype() == kBool || index.dtype() == kUInt8) {
        for (int64_t k = 0; k < index.dim(); ++k)
          EMBER_CHECK_T(IndexError, index.size(k) == r.size(d + k), "the shape of the mask ",
                        index.sizes(), " at index ", k,
                        " does not match the shape of the indexed tensor ", r.sizes());
        if (index.dim() == 0) {
          // A 0-d mask adds a dim of size 1 or 0, as True and False do.
          r = r.unsqueeze(d);
          index = index.unsqueeze(0);
        }
        Tensor nonzero = index.to(kBool).nonzero();
        for (int64_t k = 0; k < index.dim(); ++k)
          out.advanced.push_back({d + k, nonzero.select(1, k)});
        d += index.dim();
      } else if (index.dim() == 0 && as_tensor(item) != nullptr) {
        r = r.select(d, index.item().to_long());
      } else {
        out.advanced.push_back({d, wrap_positions(index, r.size(d), d)});
        ++d;
      }
    }
  }
  return out;
}

bool adjacent(const std::vector<Advanced> &advanced) {
  for (size_t i = 1; i < advanced.size(); ++i)
    if (advanced[i].dim != advanced[i - 1].dim + 1)
      return false;
  return true;
}

// The advanced indices broadcast to one shape; the shape of the result's index block; and where
// that block sits in the result (at the first advanced dim when they are adjacent, else first).
struct Block {
  TensorList indices;
  Shape sizes;
  int64_t position;
};

Block make_block(const Parsed &parsed) {
  TensorList indices;
  for (const Advanced &a : parsed.advanced)
    indices.push_back(a.index);
  Block block{broadcast_tensors(indices), {}, 0};
  block.sizes = block.indices[0].sizes();
  block.position = adjacent(parsed.advanced) ? parsed.advanced[0].dim : 0;
  return block;
}

// Dims of view in order: the advanced ones first, then the rest.
Shape advanced_first(const Tensor &view, const std::vector<Advanced> &advanced) {
  Shape order;
  std::vector<bool> is_advanced(static_cast<size_t>(view.dim()), false);
  for (const Advanced &a : advanced) {
    order.push_back(a.dim);
    is_advanced[static_cast<size_t>(a.dim)] = true;
  }
  for (int64_t i = 0; i < view.dim(); ++i)
    if (!is_advanced[static_cast<size_t>(i)])
      order.push_back(i);
  return order;
}

// Moves the leading block of `count` dims of t to `position`.
Tensor move_block(const Tensor &t, int64_t count, int64_t position) {
  if (position == 0)
    return t;
  Shape order;
  for (int64_t i = count; i < count + position; ++i)
    order.push_back(i);
  for (int64_t i = 0; i < count; ++i)
    order.push_back(i);
  for (int64_t i = count + position; i < t.dim(); ++i)
    order.push_back(i);
  return t.permute(order);
}

// The inverse of move_block: brings the block at `position` to the front.
Tensor block_to_front(const Tensor &t, int64_t count, int64_t position) {
  if (position == 0)
    return t;
  Shape order;
  for (int64_t i = position; i < position + count; ++i)
    order.push_back(i);
  for (int64_t i = 0; i < t.dim(); ++i)
    if (i < position || i >= position + count)
      order.push_back(i);
  return t.permute(order);
}

Tensor flip_all(const Tensor &t, const Shape &dims) { return dims.empty() ? t : t.flip(dims); }

} // namespace

Tensor getitem(const Tensor &self, py::handle index) {
  PyObject *o = index.ptr();
  if (PyLong_CheckExact(o))
    return self.select(0, PyLong_AsLongLong(o));
  Parsed parsed = parse(self, index);
  Tensor r = flip_all(parsed.view, parsed.flipped);
  if (parsed.advanced.empty())
    return r.is_same(self) ? self.view(self.sizes()) : r;
  if (parsed.advanced.size() == 1) {
    const Advanced &a = parsed.advanced[0];
    Tensor picked = r.index_select(a.dim, a.index.flatten());
    return a.index.dim() == 1 ? picked : picked.unflatten(a.dim, a.index.sizes());
  }
  Block block = make_block(parsed);
  Tensor front = r.permute(advanced_first(r, parsed.advanced));
  const int64_t k = static_cast<int64_t>(parsed.advanced.size());
  Tensor linear = block.indices[0];
  for (int64_t i = 1; i < k; ++i)
    linear = linear * front.size(i) + block.indices[static_cast<size_t>(i)];
  Tensor picked = front.flatten(0, k - 1).index_select(0, linear.flatten());
  picked = picked.unflatten(0, block.sizes.empty() ? Shape{} : block.sizes);
  if (block.sizes.empty())
    picked = picked.squeeze(0);
  return move_block(picked, static_cast<int64_t>(block.sizes.size()), block.position);
}

namespace {

void setitem(Tensor &self, py::handle index, py::handle value) {
  Parsed parsed = parse(self, index);
  Tensor &r = parsed.view;
  Scalar number;
  const bool is_number = load_scalar(value, number);
  if (parsed.advanced.empty()) {
    if (is_number) {
      r.fill_(number);
      return;
    }
    Tensor v = to_tensor_operand(value, "__setitem__");
    r.copy_(flip_all(broadcast_to(v, r.sizes()), parsed.flipped));
    return;
  }
  EMBER_CHECK(parsed.flipped.empty(),
              "__setitem__: negative slice steps cannot be combined with advanced indices");
  const Block block = make_block(parsed);
  const auto k = static_cast<int64_t>(parsed.advanced.size());
  const auto m = static_cast<int64_t>(block.sizes.size());
  Tensor front = r.permute(advanced_first(r, parsed.advanced));
  Shape rest(front.sizes().begin() + k, front.sizes().end());
  // The result of the indexing, with the index block first: [indices..., rest...].
  Shape target = block.sizes;
  target.insert(target.end(), rest.begin(), rest.end());
  Tensor linear = block.indices[0];
  Tensor destination = front;
  if (k == 1) {
    destination = front;
  } else {
    // One dim that addresses every combination of the advanced dims by its storage offset.
    linear = block.indices[0] * front.stride(0);
    for (int64_t i = 1; i < k; ++i)
      linear = linear + block.indices[static_cast<size_t>(i)] * front.stride(i);
    const int64_t span = linear.numel() == 0 ? 1 : linear.amax().item().to_long() + 1;
    Shape sizes{span}, strides{1};
    for (int64_t i = k; i < front.dim(); ++i) {
      sizes.push_back(front.size(i));
      strides.push_back(front.stride(i));
    }
    destination = front.as_strided(sizes, strides, front.storage_offset());
  }
  const int64_t n = linear.numel();
  Shape flat_sizes{n};
  flat_sizes.insert(flat_sizes.end(), rest.begin(), rest.end());
  Shape view_sizes(flat_sizes.size(), 1);
  view_sizes[0] = n;
  Tensor positions = linear.reshape({n}).reshape(view_sizes).expand(flat_sizes);
  if (is_number) {
    destination.scatter_(0, positions, number);
    return;
  }
  Tensor v = to_tensor_operand(value, "__setitem__");
  Shape result_shape = move_block(ember::empty(target), m, block.position).sizes();
  Tensor source = block_to_front(broadcast_to(v, result_shape), m, block.position)
                      .reshape(flat_sizes)
                      .to(r.dtype());
  destination.scatter_(0, positions, source);
}

} // namespace

void bind_indexing(py::module_ &, py::class_<Tensor> &cls) {
  cls.def("__getitem__", &getitem);
  cls.def("__setitem__", [](py::object self, py::handle index, py::handle value) {
    setitem(self_tensor(self), index, value);
  });
}

} // namespace ember::python

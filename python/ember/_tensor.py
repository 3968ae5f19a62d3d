"""Tensor methods and functions that are thin Python over _C: ember.tensor, hooks, new_* and
softmax-style methods. Everything here calls one C++ op; nothing computes in Python."""
import numbers

from . import _C
from ._C import Tensor


def tensor(data, *, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of data (nested sequences, numbers, ndarrays or tensors)."""
    if isinstance(data, Tensor):
        result = data.detach().clone()
        result = result if dtype is None else result.to(dtype)
    elif hasattr(data, "__array_interface__") and not isinstance(data, numbers.Number):
        result = _C.from_numpy(_contiguous_array(data)).clone()
        result = result if dtype is None else result.to(dtype)
    else:
        return _C._tensor(data, dtype=dtype, requires_grad=requires_grad)
    return result.requires_grad_(requires_grad) if requires_grad else result


def as_tensor(data, dtype=None, device=None):
    """Shares memory with a tensor or an ndarray when it can, copies otherwise (torch.as_tensor)."""
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if hasattr(data, "__array_interface__") and not isinstance(data, numbers.Number):
        result = _C.from_numpy(_contiguous_array(data))
        return result if dtype is None else result.to(dtype)
    return _C._tensor(data, dtype=dtype)


def _contiguous_array(array):
    import numpy

    array = numpy.asarray(array)
    if any(stride < 0 for stride in array.strides):
        array = array.copy()
    return array


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


def clone(input):
    return input.clone()


def concat(tensors, dim=0):
    return _C.cat(tensors, dim)


def clip(input, min=None, max=None):
    return input.clamp(min, max)


def absolute(input):
    return input.abs()


class RemovableHandle:
    """Returned by register_hook: handle.remove() unregisters the hook."""

    def __init__(self, tensor, key):
        self._tensor, self._key = tensor, key

    def remove(self):
        if self._tensor is not None:
            self._tensor._remove_hook(self._key)
            self._tensor = None


def _register_hook(self, hook):
    if not self.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    return RemovableHandle(self, self._register_hook(hook))


def _softmax(self, dim, dtype=None):
    return _C._nn.softmax(self, dim, dtype)


def _log_softmax(self, dim, dtype=None):
    return _C._nn.log_softmax(self, dim, dtype)


def _new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    return _C.zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)


def _new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    return _C.ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)


def _new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    return _C.empty(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return _C.full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)


def _type(self, dtype=None):
    if dtype is None:
        return "ember." + {"float32": "FloatTensor", "float64": "DoubleTensor", "int64": "LongTensor",
                           "int32": "IntTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
                           "float16": "HalfTensor", "bfloat16": "BFloat16Tensor"}[str(self.dtype)[6:]]
    return self.to(dtype)


def _format(self, spec):
    if self.dim() == 0:
        return self.item().__format__(spec)
    return object.__format__(self, spec)


def _reduce_ex(self, protocol):
    return (_rebuild, (self.detach().numpy().copy(), self.requires_grad))


def _rebuild(array, requires_grad):
    result = _C.from_numpy(array)
    return result.requires_grad_() if requires_grad else result


for _name, _method in {
    "register_hook": _register_hook,
    "softmax": _softmax,
    "log_softmax": _log_softmax,
    "new_zeros": _new_zeros,
    "new_ones": _new_ones,
    "new_empty": _new_empty,
    "new_full": _new_full,
    "new_tensor": _new_tensor,
    "type": _type,
    "__format__": _format,
    "__reduce_ex__": _reduce_ex,
    "clip": clip,
    "absolute": absolute,
}.items():
    setattr(Tensor, _name, _method)

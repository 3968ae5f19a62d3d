"""Zero-copy exchange with NumPy (from_numpy, numpy(), __array__, the buffer protocol) and
DLPack with NumPy and PyTorch 1.13, in both directions."""
import numpy as np
import pytest
import torch
import torch.utils.dlpack

import ember


def test_from_numpy_shares_memory():
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = ember.from_numpy(array)
    array[0, 0] = 42
    assert t[0, 0].item() == 42
    t[1, 2] = -1
    assert array[1, 2] == -1


def test_from_numpy_keeps_strides_and_owner_alive():
    t = ember.from_numpy(np.arange(12, dtype=np.int64).reshape(3, 4)[:, ::2])
    assert t.stride() == (4, 2) and t.tolist() == [[0, 2], [4, 6], [8, 10]]
    t = ember.from_numpy(np.arange(4.0).T)
    assert t.dtype == ember.float64 and t.sum().item() == 6.0


def test_tensor_of_ndarray_copies():
    array = np.ones(3, dtype=np.float32)
    t = ember.tensor(array)
    array[0] = 5
    assert t[0].item() == 1
    assert ember.tensor(np.arange(3)[::-1].copy()).tolist() == [2, 1, 0]
    assert ember.as_tensor(np.arange(3)[::-1]).tolist() == [2, 1, 0]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8", "bool", "float16"])
def test_numpy_roundtrip_dtypes(dtype):
    array = (np.arange(6) % 3).astype(dtype).reshape(2, 3)
    t = ember.from_numpy(array)
    assert str(t.dtype) == "ember." + dtype
    back = t.numpy()
    assert back.dtype == array.dtype and np.shares_memory(back, array)
    np.testing.assert_array_equal(np.asarray(t), array)
    np.testing.assert_array_equal(np.asarray(memoryview(t)), array)


def test_numpy_of_a_view_shares_memory():
    t = ember.arange(12.0).reshape(3, 4)
    view = t.T[1:]
    array = view.numpy()
    array[0, 0] = 100
    assert t[0, 1].item() == 100
    assert np.asarray(t.T).strides == (4, 16)


def test_numpy_requires_detach_like_torch():
    with pytest.raises(RuntimeError):
        ember.ones(2, requires_grad=True).numpy()
    assert np.asarray(ember.ones(2, requires_grad=True)).tolist() == [1.0, 1.0]


def test_unsupported_numpy_dtype_is_a_type_error():
    with pytest.raises(TypeError):
        ember.from_numpy(np.array(["a"]))
    with pytest.raises(TypeError):
        ember.from_numpy(np.zeros(2, dtype=np.complex64))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64, torch.int32, torch.uint8])
def test_dlpack_from_torch_and_back(dtype):
    source = torch.arange(12).reshape(3, 4).to(dtype).t()
    t = ember.from_dlpack(source)
    assert t.tolist() == source.tolist() and t.stride() == source.stride()
    source[0, 0] = 7
    assert t[0, 0].item() == 7
    back = torch.utils.dlpack.from_dlpack(t)
    assert back.dtype == dtype and back.tolist() == t.tolist()
    back[1, 1] = 9
    assert t[1, 1].item() == 9
    capsule = torch.utils.dlpack.to_dlpack(source)
    assert ember.from_dlpack(capsule).tolist() == source.tolist()


def test_dlpack_with_numpy_both_ways():
    array = np.arange(6.0).reshape(2, 3)
    t = ember.from_dlpack(array)
    array[0, 1] = -3
    assert t[0, 1].item() == -3
    assert t.__dlpack_device__() == (1, 0)
    back = np.from_dlpack(t)
    assert np.shares_memory(back, array)


def test_dlpack_capsule_is_consumed_once():
    capsule = ember.to_dlpack(ember.ones(2))
    ember.from_dlpack(capsule)
    with pytest.raises(TypeError):
        ember.from_dlpack(capsule)


def test_dlpack_keeps_memory_alive():
    t = ember.from_dlpack(torch.arange(1000.0))
    import gc
    gc.collect()
    assert t.sum().item() == 499500.0
    exported = torch.utils.dlpack.from_dlpack(ember.arange(5.0) * 2)
    gc.collect()
    assert exported.tolist() == [0.0, 2.0, 4.0, 6.0, 8.0]

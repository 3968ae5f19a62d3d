"""ember.Tensor's Python surface against PyTorch 1.13: creation, dtypes, repr, operators (plain,
reflected, in-place), conversions, metadata, and the exception types of bad calls."""
import math
import pickle

import numpy as np
import pytest
import torch

import ember
from conftest import assert_close, to_torch


def same_repr(e, t):
    assert repr(e).replace("ember.", "torch.") == repr(t)


@pytest.mark.parametrize("data", [
    [1.0, 2.5], [[1, 2], [3, 4]], 3, 2.5, True, [True, False], [], [[1.0, -2.0, 3.0]], [1, 2.5],
    (1, 2), [[0.001, 1000.0]], [1e-7, 1.0], [[1e10]], [float("nan"), float("inf"), -1.0],
])
def test_tensor_from_data_and_repr(data):
    e, t = ember.tensor(data), torch.tensor(data)
    assert str(e.dtype)[6:] == str(t.dtype)[6:]
    assert tuple(e.shape) == tuple(t.shape)
    same_repr(e, t)


def test_repr_of_dtypes_and_grad():
    same_repr(ember.tensor([1, 2], dtype=ember.float64), torch.tensor([1, 2], dtype=torch.float64))
    same_repr(ember.tensor([1, 2], dtype=ember.int32), torch.tensor([1, 2], dtype=torch.int32))
    same_repr(ember.tensor([1.5], requires_grad=True), torch.tensor([1.5], requires_grad=True))
    same_repr(ember.arange(2000), torch.arange(2000))
    same_repr(ember.tensor([1.0, 5000.0]), torch.tensor([1.0, 5000.0]))
    same_repr(ember.zeros(2, 0), torch.zeros(2, 0))
    assert repr(ember.float32) == "ember.float32"
    assert repr(ember.zeros(2, 3).shape) == "ember.Size([2, 3])"
    assert repr(ember.zeros(1).device) == "device(type='cpu')"


def test_creation_functions_match_torch():
    for name in ["zeros", "ones", "empty"]:
        e, t = getattr(ember, name)(2, 3), getattr(torch, name)(2, 3)
        assert e.shape == t.shape and str(e.dtype)[6:] == str(t.dtype)[6:]
        assert getattr(ember, name)((2, 3), dtype=ember.float64).dtype == ember.float64
    assert_close(ember.full((2, 2), 7), torch.full((2, 2), 7))
    assert_close(ember.full((2,), 1.5), torch.full((2,), 1.5))
    assert_close(ember.arange(5), torch.arange(5))
    assert_close(ember.arange(1, 4, 0.5), torch.arange(1, 4, 0.5))
    assert_close(ember.arange(0, 10, 3, dtype=ember.float64), torch.arange(0, 10, 3, dtype=torch.float64))
    assert_close(ember.linspace(0, 1, 5), torch.linspace(0, 1, 5))
    assert_close(ember.eye(3), torch.eye(3))
    assert_close(ember.eye(2, 3), torch.eye(2, 3))
    x = ember.tensor([[1, 2]])
    assert_close(ember.zeros_like(x), torch.zeros_like(to_torch(x)))
    assert_close(ember.ones_like(x, dtype=ember.float32), torch.ones_like(to_torch(x), dtype=torch.float32))
    assert_close(ember.full_like(x, 3), torch.full_like(to_torch(x), 3))
    assert ember.zeros(2, requires_grad=True).requires_grad


def test_random_functions_are_seeded_and_shaped():
    ember.manual_seed(3)
    a = ember.rand(2, 3)
    ember.manual_seed(3)
    assert ember.equal(a, ember.rand(2, 3))
    assert float(a.min()) >= 0 and float(a.max()) < 1
    assert ember.randn(4, 5).shape == (4, 5)
    r = ember.randint(3, 7, (100,))
    assert r.dtype == ember.int64 and int(r.min()) >= 3 and int(r.max()) < 7
    assert ember.randint(5, (2, 2)).shape == (2, 2)
    assert sorted(ember.randperm(6).tolist()) == list(range(6))
    g = ember.Generator().manual_seed(11)
    first = ember.rand(3, generator=g)
    g.manual_seed(11)
    assert ember.equal(first, ember.rand(3, generator=g))
    assert ember.rand_like(a).shape == a.shape


def test_operators_and_reflected_and_inplace():
    array = np.array([[1.0, -2.0], [3.0, 4.5]], dtype=np.float32)
    e, t = ember.tensor(array), torch.from_numpy(array.copy())
    for fn in [lambda x: x + 1, lambda x: 1 + x, lambda x: x - 2, lambda x: 2 - x, lambda x: x * 3, lambda x: 3 * x,
               lambda x: x / 2, lambda x: 2 / x, lambda x: x // 2, lambda x: 7 // x, lambda x: x % 2,
               lambda x: 5 % x, lambda x: x ** 2, lambda x: 2 ** x, lambda x: -x, lambda x: +x, lambda x: abs(x),
               lambda x: x @ x, lambda x: x == 1, lambda x: x != 1, lambda x: x < 1, lambda x: x <= 1,
               lambda x: x > 1, lambda x: x >= 1, lambda x: (x > 0) & (x < 4), lambda x: (x > 0) | (x < -1),
               lambda x: (x > 0) ^ (x < 4), lambda x: ~(x > 0), lambda x: x + True, lambda x: x * np.float32(2)]:
        assert_close(fn(e), fn(t))
    for op in ["__iadd__", "__isub__", "__imul__", "__itruediv__"]:
        e2, t2 = e.clone(), t.clone()
        before = e2
        e2 = getattr(e2, op)(2)
        getattr(t2, op)(2)
        assert e2 is before
        assert_close(e2, t2)
    i = ember.tensor([1, 2])
    i += 1
    assert i.tolist() == [2, 3] and i.dtype == ember.int64


def test_type_promotion_matches_torch():
    cases = [(ember.tensor([1, 2]), 2.5), (ember.tensor([1, 2], dtype=ember.int32), 1),
             (ember.tensor([1.0], dtype=ember.float64), ember.tensor([1.0])), (ember.tensor([True]), 1),
             (ember.tensor([1], dtype=ember.uint8), ember.tensor([1], dtype=ember.int32))]
    for a, b in cases:
        tb = to_torch(b) if isinstance(b, ember.Tensor) else b
        assert str((a + b).dtype)[6:] == str((to_torch(a) + tb).dtype)[6:]
    assert str((ember.tensor([1, 2]) / 2).dtype) == "ember.float32"


def test_conversions_and_metadata():
    e = ember.tensor([[1.5, 2.0], [3.0, 4.0]])
    assert e.ndim == 2 and e.dim() == 2 and e.numel() == 4 and len(e) == 2
    assert e.shape == (2, 2) and e.size() == (2, 2) and e.size(1) == 2 and e.stride() == (2, 1)
    assert isinstance(e.shape, ember.Size) and e.shape.numel() == 4
    assert e.T.stride() == (1, 2) and not e.T.is_contiguous()
    assert e.tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert float(e[0, 0]) == 1.5 and int(e[1, 1]) == 4 and e[0, 1].item() == 2.0
    assert bool(ember.tensor([1])) and not bool(ember.tensor(0.0))
    assert [row.tolist() for row in e] == [[1.5, 2.0], [3.0, 4.0]]
    assert e.long().dtype == ember.int64 and e.double().dtype == ember.float64 and e.int().dtype == ember.int32
    assert e.to(ember.float64).dtype == ember.float64 and e.to("cpu") is not None
    assert e.to(dtype=ember.int64).dtype == ember.int64
    assert e.type() == "ember.FloatTensor" and e.type(ember.float64).dtype == ember.float64
    assert [0, 1, 2][ember.tensor(1)] == 1
    assert math.isclose(float(ember.tensor(2.0).sqrt()), math.sqrt(2), rel_tol=1e-6)
    assert f"{ember.tensor(1.23456):.2f}" == "1.23"
    assert 2.0 in e and 7.0 not in e
    assert isinstance(np.float64(2) * e, ember.Tensor)
    assert ember.equal(pickle.loads(pickle.dumps(e)), e)
    assert e.new_zeros(3).dtype == e.dtype and e.new_full((2,), 1.0).tolist() == [1.0, 1.0]
    assert e.is_floating_point() and not ember.tensor([1]).is_floating_point()
    assert ember.is_tensor(e) and not ember.is_tensor(1)
    m = e.max(dim=1)
    assert m.values.tolist() == [2.0, 4.0] and m.indices.tolist() == [1, 1]
    values, indices = e.sort(dim=1, descending=True)
    assert values.tolist() == [[2.0, 1.5], [4.0, 3.0]] and indices.tolist() == [[1, 0], [1, 0]]


def test_threads_and_default_dtype():
    threads = ember.get_num_threads()
    ember.set_num_threads(1)
    assert ember.get_num_threads() == 1
    ember.set_num_threads(threads)
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.tensor([1.0]).dtype == ember.float64 and ember.zeros(1).dtype == ember.float64
    finally:
        ember.set_default_dtype(ember.float32)
    assert ember.get_default_dtype() == ember.float32


def test_operator_slots_in_place_and_on_subclasses():
    # The operators run through CPython number slots (python/src/fast_paths.cpp): in-place
    # syntax keeps the object, subclasses inherit the slots unless they define the operator.
    array = np.array([[1.0, -2.0], [3.0, 4.5]], dtype=np.float32)
    for op in ["+=", "-=", "*=", "/="]:
        e, t = ember.tensor(array), torch.tensor(array)
        before = e
        scope = {"e": e, "t": t, "u": ember.tensor(array), "v": torch.tensor(array)}
        exec(f"e {op} u\nt {op} v\ne {op} 2\nt {op} 2", scope)
        assert scope["e"] is before
        assert_close(scope["e"], scope["t"])
    p = ember.nn.Parameter(ember.tensor(array))
    assert_close(p + 1, torch.tensor(array) + 1)
    assert_close(2 - p, 2 - torch.tensor(array))
    assert_close(p @ p, torch.tensor(array) @ torch.tensor(array))

    class Custom(ember.Tensor):
        def __add__(self, other):
            return "custom add"

    c = Custom(ember.tensor(array))
    assert c + 1 == "custom add"
    assert_close(c * 2, torch.tensor(array) * 2)
    with pytest.raises(TypeError):
        ember.ones(2) + "a"
    with pytest.raises(TypeError):
        ember.ones(2, 2) @ 2
    with pytest.raises(RuntimeError, match=r"\[2, 3\].*\[4\]"):
        ember.zeros(2, 3) - ember.zeros(4)
    with pytest.raises(RuntimeError):
        x = ember.zeros(2, 3)
        x += ember.zeros(4)
    assert ember.ones(2).relu.__doc__ and ember.ones(2, 3).shape == (2, 3)


@pytest.mark.parametrize("call", [
    lambda L: L.zeros(2, 3) + L.zeros(4),
    lambda L: L.zeros(2, 3) @ L.zeros(2, 3),
    lambda L: L.zeros(2, 3).view(4),
    lambda L: L.zeros(2, 3).sum(5),
    lambda L: L.zeros(2, 3).transpose(0, 3),
    lambda L: L.zeros(2).item(),
    lambda L: bool(L.zeros(2)),
    lambda L: L.cat([L.zeros(2, 3), L.zeros(3, 2)]),
    lambda L: L.zeros(2, 3).add("a"),
    lambda L: L.zeros(2, 3).reshape("a"),
    lambda L: len(L.tensor(1.0)),
    lambda L: iter(L.tensor(1.0)),
    lambda L: L.zeros(2, 3).numpy() if False else L.ones(2, requires_grad=True).numpy(),
    lambda L: L.tensor([[1, 2], [3]]),
    lambda L: L.tensor(["a"]),
    lambda L: L.nn.functional.cross_entropy(L.zeros(2, 3), L.tensor([0, 5])),
    lambda L: L.zeros(3).squeeze(2),
    lambda L: L.zeros(2, 2)[L.tensor([0.5])],
    lambda L: L.nn.functional.dropout(L.zeros(2), p=1.5),
    lambda L: L.set_default_dtype(L.int64),
])
def test_error_types_match_torch(call):
    with pytest.raises(Exception) as expected:
        call(torch)
    with pytest.raises(expected.type) as actual:
        call(ember)
    assert str(actual.value)


def test_torch_style_script_runs_after_changing_the_import():
    L = ember
    device = L.device("cuda" if L.cuda.is_available() else "cpu")
    model = L.nn.Sequential(L.nn.Linear(3, 8), L.nn.Tanh(), L.nn.Linear(8, 1)).to(device)
    optimizer = L.optim.SGD(model.parameters(), lr=0.1)
    x = L.linspace(-1, 1, 16).reshape(-1, 1).repeat(1, 3).to(device)
    y = x.sum(dim=1, keepdim=True).sin()
    first = None
    for _ in range(30):
        optimizer.zero_grad()
        loss = L.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        first = loss.item() if first is None else first
    assert loss.item() < first and L.isfinite(L.tensor(L.inf)).item() is False

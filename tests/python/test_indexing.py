"""Indexing and assignment against PyTorch 1.13 (values, results' shapes and gradients), and
negative slice steps, which torch rejects, against NumPy."""
import numpy as np
import pytest
import torch

import ember
from conftest import assert_close

BASE = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)


def as_index(lib, index):
    """Index expressions may hold ('t', list) markers: integer or bool tensors of either library."""
    if isinstance(index, tuple) and index and index[0] == "t":
        return lib.tensor(index[1])
    if isinstance(index, tuple):
        return tuple(as_index(lib, i) for i in index)
    return index


INDICES = [
    0, -1, 1, (0, 1), (1, -1, 2, 3), slice(None), slice(1, None), slice(None, 2), slice(0, 3, 2),
    (slice(None), 1), (Ellipsis, 0), (0, Ellipsis, 1), (None,), (None, 0, None), (slice(None), None, 2),
    (Ellipsis, None), (1, slice(None), slice(1, 4, 2)), (slice(5, 10),), (slice(-3, -1),),
    [0, 1, 0], ("t", [1, 0]), ("t", [[0, 1], [1, 1]]), (slice(None), ("t", [2, 0, 1])),
    (("t", [0, 1]), ("t", [2, 0])), (slice(None), ("t", [0, 2]), ("t", [1, 3])),
    (("t", [0, 1]), slice(None), ("t", [1, 3])), (Ellipsis, ("t", [4, 0])), (0, ("t", [1, 2]), slice(1, 3)),
    ("t", [True, False]), (slice(None), ("t", [True, False, True])), ("t", [[True, False, True], [False, False, True]]),
    (("t", [-1, 0]),), (None, ("t", [1]), Ellipsis, 2),
]


@pytest.mark.parametrize("index", INDICES, ids=[repr(i) for i in INDICES])
def test_getitem_matches_torch(index):
    t = torch.from_numpy(BASE.copy()).requires_grad_()
    e = ember.tensor(BASE).requires_grad_()
    expected = t[as_index(torch, index)]
    actual = e[as_index(ember, index)]
    assert_close(actual, expected)
    weights = np.random.default_rng(0).standard_normal(tuple(expected.shape)).astype(np.float32)
    (expected * torch.from_numpy(weights)).sum().backward()
    (actual * ember.tensor(weights)).sum().backward()
    assert_close(e.grad, t.grad)


def test_getitem_basic_indices_are_views():
    e = ember.zeros(3, 4)
    view = e[1:, ::2]
    view.fill_(1)
    assert e.sum().item() == 4
    assert e[0]._is_view()


@pytest.mark.parametrize("index", INDICES, ids=[repr(i) for i in INDICES])
def test_setitem_matches_torch(index):
    t = torch.from_numpy(BASE.copy())
    e = ember.tensor(BASE)
    shape = tuple(t[as_index(torch, index)].shape)
    values = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    t[as_index(torch, index)] = torch.from_numpy(values)
    e[as_index(ember, index)] = ember.tensor(values)
    assert_close(e, t)
    t[as_index(torch, index)] = -7.0
    e[as_index(ember, index)] = -7.0
    assert_close(e, t)


def test_setitem_broadcasts_values():
    t, e = torch.zeros(3, 4), ember.zeros(3, 4)
    t[:, 1:3] = torch.tensor([1.0, 2.0])
    e[:, 1:3] = ember.tensor([1.0, 2.0])
    t[t > 1] = 5
    e[e > 1] = 5
    assert_close(e, t)


def test_setitem_gradient_flows_to_the_base_and_the_value():
    tx, ex = torch.randn(3, 4).numpy(), None
    ex = ember.tensor(tx)
    t_value = torch.ones(2, requires_grad=True)
    e_value = ember.ones(2, requires_grad=True)
    t_leaf = torch.from_numpy(tx.copy()).requires_grad_()
    e_leaf = ember.tensor(tx).requires_grad_()
    t = t_leaf * 2
    e = e_leaf * 2
    t[1, 2:] = t_value * 3
    e[1, 2:] = e_value * 3
    (t * t).sum().backward()
    (e * e).sum().backward()
    assert_close(e_leaf.grad, t_leaf.grad)
    assert_close(e_value.grad, t_value.grad)


@pytest.mark.parametrize("index", [slice(None, None, -1), slice(3, 0, -2), slice(None, None, -3), slice(-1, -4, -1)])
def test_negative_steps_match_numpy(index):
    array = np.arange(10, dtype=np.float32)
    e = ember.tensor(array)
    np.testing.assert_array_equal(e[index].numpy(), array[index])
    values = np.arange(len(array[index]), dtype=np.float32) + 100
    array[index] = values
    e[index] = ember.tensor(values)
    np.testing.assert_array_equal(e.numpy(), array)


@pytest.mark.parametrize("index", [
    5, -4, (0, 0, 0), ("t", [3]), ("t", [-4]), ("t", [True, False, True, False]), 1.5, "a",
    ("t", [0.5]),
], ids=repr)
def test_index_errors_match_torch(index):
    with pytest.raises(Exception) as expected:
        torch.zeros(3, 4)[as_index(torch, index)]
    with pytest.raises(expected.type):
        ember.zeros(3, 4)[as_index(ember, index)]
    with pytest.raises(expected.type):
        ember.zeros(3, 4)[as_index(ember, index)] = 1.0

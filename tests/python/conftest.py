"""Shared helpers: ember from the build tree (PYTHONPATH=build/python, set by `make test-python`),
PyTorch 1.13 as the oracle, and conversions between the two through NumPy."""
import os
import sys

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
_build = os.path.join(os.path.dirname(__file__), "..", "..", "build", "python")
if os.path.isdir(_build) and not any(p.endswith("build/python") for p in sys.path):
    sys.path.insert(0, os.path.abspath(_build))

import ember  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)


def to_torch(tensor):
    if tensor is None:
        return None
    return torch.from_numpy(np.array(tensor.detach().numpy()))


def to_ember(tensor):
    if tensor is None:
        return None
    return ember.tensor(tensor.detach().numpy())


def assert_close(actual, expected, atol=1e-5, rtol=1e-4):
    """actual: an ember tensor (or a number), expected: a torch tensor (or a number)."""
    if isinstance(expected, torch.Tensor):
        assert isinstance(actual, ember.Tensor), f"expected a Tensor, got {type(actual)}"
        assert tuple(actual.shape) == tuple(expected.shape), f"shape {tuple(actual.shape)} != {tuple(expected.shape)}"
        assert str(actual.dtype).split(".")[1] == str(expected.dtype).split(".")[1], \
            f"dtype {actual.dtype} != {expected.dtype}"
        np.testing.assert_allclose(actual.detach().numpy().astype(np.float64),
                                   expected.detach().numpy().astype(np.float64), atol=atol, rtol=rtol)
    else:
        np.testing.assert_allclose(actual, expected, atol=atol, rtol=rtol)

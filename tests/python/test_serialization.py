"""ember.save / ember.load: tensors, state dicts and nested checkpoints round trip exactly, files
are plain safetensors (checked with a small independent reader written here with json and
struct, and against torch's values), and errors name the problem."""
import io
import json
import math
import struct

import numpy as np
import pytest

import ember
import ember.nn as nn

_DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "U8": np.uint8,
           "BOOL": np.bool_, "F16": np.float16}


def read_safetensors(path):
    """The safetensors format from its specification: an 8-byte little-endian header length, a
    JSON header, then the tensors' bytes. Returns ({name: ndarray}, metadata)."""
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    data = raw[8 + length:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = np.dtype(_DTYPES[info["dtype"]]).newbyteorder("<")
        tensors[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(info["shape"])
    assert max((info["data_offsets"][1] for info in header.values()), default=0) == len(data)
    return tensors, metadata


def test_tensor_round_trip_and_plain_safetensors(tmp_path):
    path = tmp_path / "t.safetensors"
    x = ember.arange(12, dtype=ember.float64).reshape(3, 4).t()  # non-contiguous
    ember.save(x, path)
    back = ember.load(path)
    assert back.dtype == ember.float64 and ember.equal(back, x)
    tensors, _ = read_safetensors(path)
    np.testing.assert_array_equal(tensors["tensor"], x.numpy())


def test_state_dict_is_readable_by_an_independent_reader(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    path = str(tmp_path / "model.safetensors")
    ember.save(model.state_dict(), path)
    tensors, metadata = read_safetensors(path)
    assert set(tensors) == set(model.state_dict())
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(tensors[name], value.numpy())
    assert tensors["1.num_batches_tracked"].dtype == np.int64
    assert "__ember_structure__" in metadata
    loaded = ember.load(path)
    assert list(loaded) == list(model.state_dict())
    fresh = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    fresh.load_state_dict(loaded)
    assert ember.equal(fresh[0].weight, model[0].weight)


def test_model_and_optimizer_checkpoint_round_trip_resumes_identically(tmp_path):
    ember.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    optimizer = ember.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.99))
    x, y = ember.randn(16, 4), ember.randn(16, 2)

    def step(m, opt):
        opt.zero_grad()
        loss = nn.functional.mse_loss(m(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(3):
        step(model, optimizer)
    checkpoint = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3,
                  "loss": 0.25, "name": "run-1", "history": [1.0, 0.5], "best": None, "lr": math.inf}
    buffer = io.BytesIO()
    ember.save(checkpoint, buffer)
    buffer.seek(0)
    back = ember.load(buffer)
    assert (back["epoch"], back["loss"], back["name"], back["history"], back["best"], back["lr"]) == \
        (3, 0.25, "run-1", [1.0, 0.5], None, math.inf)
    saved_groups = optimizer.state_dict()["param_groups"]
    assert back["optimizer"]["param_groups"] == saved_groups
    assert list(back["optimizer"]["state"]) == list(optimizer.state_dict()["state"])
    resumed = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    resumed.load_state_dict(back["model"])
    resumed_optimizer = ember.optim.Adam(resumed.parameters(), lr=0.5)
    resumed_optimizer.load_state_dict(back["optimizer"])
    for _ in range(2):
        assert step(resumed, resumed_optimizer) == step(model, optimizer)
    for a, b in zip(resumed.parameters(), model.parameters()):
        assert ember.equal(a, b)


def test_foreign_files_and_errors(tmp_path):
    # A file written by the reference layout (no ember structure) loads as a dict of its tensors.
    header = json.dumps({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    header += b" " * (-len(header) % 8)
    path = tmp_path / "foreign.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + struct.pack("<2f", 1.5, -2.0))
    loaded = ember.load(path)
    assert list(loaded) == ["a"] and loaded["a"].tolist() == [1.5, -2.0]
    with pytest.raises(TypeError, match="cannot store a value of type object at 'x'"):
        ember.save({"x": object()}, tmp_path / "bad.safetensors")
    with pytest.raises(ValueError, match="same key 'a.b'"):
        ember.save({"a.b": 1, "a": {"b": 2}}, tmp_path / "bad.safetensors")
    (tmp_path / "broken.safetensors").write_bytes(b"\x01\x02")
    with pytest.raises(RuntimeError, match="broken.safetensors"):
        ember.load(tmp_path / "broken.safetensors")

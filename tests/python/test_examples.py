"""Runs every example of examples/python with tiny settings, so that they never rot."""
import importlib.util
import os

import pytest

_EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python")


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(_EXAMPLES, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fashion_mnist(tmp_path):
    pytest.importorskip("tqdm")
    pytest.importorskip("matplotlib")
    history = load("fashion_mnist").main(["--quick", "--limit-train", "256", "--limit-test", "200", "--no-progress",
                                          "--output-dir", str(tmp_path)])
    assert len(history) == 1 and history[0]["train_loss"] < 2.3
    assert (tmp_path / "curves.png").stat().st_size > 0
    assert (tmp_path / "checkpoint.safetensors").stat().st_size > 0


def test_custom_module():
    losses = load("custom_module").main(["--steps", "40"])
    assert losses[-1] < losses[0] / 2


def test_custom_function():
    assert load("custom_function").main(["--steps", "40"]) > 0.9


def test_char_transformer():
    losses = load("char_transformer").main(["--steps", "6", "--batch-size", "4", "--context", "16",
                                            "--sample-length", "8"])
    assert len(losses) == 6 and losses[-1] < losses[0]

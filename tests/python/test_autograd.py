"""Autograd from Python against PyTorch 1.13: backward and grad (higher order too), grad mode
managers and decorators, custom Functions, hooks, retain_grad, anomaly mode and gradcheck."""
import numpy as np
import pytest
import torch

import ember
from conftest import assert_close


def both(array, requires_grad=True):
    return (ember.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def test_backward_accumulates_and_grad_does_not():
    e, t = both([[1.0, 2.0], [3.0, 4.0]])
    for x in (e, t):
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward()
    assert_close(e.grad, t.grad)
    ge, = ember.autograd.grad((e ** 3).sum(), e)
    gt, = torch.autograd.grad((t ** 3).sum(), t)
    assert_close(ge, gt)
    assert_close(e.grad, t.grad)


def test_second_derivative_with_create_graph():
    e, t = both([0.5, -1.0, 2.0])
    results = []
    for lib, x in ((ember, e), (torch, t)):
        y = (x.sin() * x).sum()
        g, = lib.autograd.grad(y, x, create_graph=True)
        g2, = lib.autograd.grad(g.sum(), x)
        results.append(g2)
    assert_close(results[0], results[1])


def test_backward_with_gradient_and_inputs():
    e, t = both([1.0, 2.0])
    e2, t2 = both([3.0, 4.0])
    (e * e2).backward(ember.tensor([1.0, 0.5]), inputs=[e])
    (t * t2).backward(torch.tensor([1.0, 0.5]), inputs=[t])
    assert_close(e.grad, t.grad)
    assert e2.grad is None and t2.grad is None
    ember.autograd.backward([e.sum()], inputs=[e])
    assert_close(e.grad, t.grad + 1)


def test_grad_allow_unused():
    a, b = ember.ones(2, requires_grad=True), ember.ones(2, requires_grad=True)
    ga, gb = ember.autograd.grad(a.sum(), [a, b], allow_unused=True)
    assert gb is None and ga.tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError):
        ember.autograd.grad((a * 2).sum(), [a, b])


def test_grad_modes_as_context_managers_and_decorators():
    x = ember.ones(2, requires_grad=True)
    with ember.no_grad():
        assert not (x * 2).requires_grad
        with ember.enable_grad():
            assert (x * 2).requires_grad
    assert (x * 2).requires_grad

    @ember.no_grad()
    def doubled(v):
        return v * 2

    assert not doubled(x).requires_grad and ember.is_grad_enabled()
    with ember.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert ember.is_grad_enabled()
    ember.set_grad_enabled(False)
    assert not ember.is_grad_enabled()
    ember.set_grad_enabled(True)
    with ember.inference_mode():
        assert not (x * 2).requires_grad


def test_leaf_and_grad_fn_properties():
    e = ember.ones(2, requires_grad=True)
    y = e * 2
    assert e.is_leaf and not y.is_leaf and e.grad_fn is None
    assert "Mul" in y.grad_fn.name() and y.grad_fn.next_functions
    assert not y.detach().requires_grad and y.detach().is_leaf
    z = ember.ones(2)
    z.requires_grad = True
    assert z.requires_grad


class Cube(ember.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x ** 3 * scale

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * 3 * x ** 2 * ctx.scale, None


class SplitSign(ember.autograd.Function):
    """Two outputs, one non-differentiable, and a saved output."""

    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        sign = x > 0
        ctx.mark_non_differentiable(sign)
        ctx.save_for_backward(y)
        return y, sign

    @staticmethod
    def backward(ctx, grad_y, grad_sign):
        y, = ctx.saved_tensors
        return grad_y * y


def test_custom_function():
    x = ember.tensor([1.0, -2.0, 0.5], dtype=ember.float64, requires_grad=True)
    y = Cube.apply(x, 2.0)
    assert "CubeBackward" in y.grad_fn.name()
    y.sum().backward()
    assert_close(x.grad, torch.tensor([6.0, 24.0, 1.5], dtype=torch.float64))
    assert ember.autograd.gradcheck(lambda v: Cube.apply(v, 0.5), (x,))
    y, sign = SplitSign.apply(x)
    assert not sign.requires_grad and y.requires_grad
    assert ember.autograd.gradcheck(lambda v: SplitSign.apply(v)[0], (x,))
    with ember.no_grad():
        assert not Cube.apply(x, 1.0).requires_grad


def test_saved_tensor_modified_in_place_is_an_error():
    x = ember.ones(3, requires_grad=True)
    y = x * 1
    z = Cube.apply(y, 1.0)
    y.add_(1)
    with pytest.raises(RuntimeError):
        z.sum().backward()


def test_hooks_and_retain_grad():
    e, t = both([1.0, 2.0, 3.0])
    seen = []
    for x in (e, t):
        handle = x.register_hook(lambda g: g * 2)
        y = x * x
        y.retain_grad()
        y.register_hook(lambda g: seen.append(g.sum().item()))
        y.sum().backward()
        handle.remove()
        assert y.retains_grad
    assert_close(e.grad, t.grad)
    assert seen == [3.0, 3.0]
    e.grad = None
    (e * e).sum().backward()
    assert_close(e.grad, 2 * torch.tensor([1.0, 2.0, 3.0]))


def test_anomaly_mode_names_the_node():
    x = ember.tensor([0.0, 1.0], requires_grad=True)
    with ember.autograd.detect_anomaly():
        y = (x.sqrt() * 0).sum()
        with pytest.raises(RuntimeError, match="Sqrt"):
            y.backward()
    assert not ember.is_anomaly_enabled()


def test_gradcheck_reports_a_wrong_gradient():
    class Wrong(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 3

    x = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    assert not ember.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False)
    with pytest.raises(RuntimeError):
        ember.autograd.gradcheck(Wrong.apply, (x,))
    assert ember.autograd.gradgradcheck(lambda v: (v ** 3).sum(), (x,))


def test_jacobian():
    x = np.array([1.0, 2.0])
    je = ember.autograd.functional.jacobian(lambda v: v ** 2, ember.tensor(x))
    jt = torch.autograd.functional.jacobian(lambda v: v ** 2, torch.tensor(x))
    assert_close(je, jt)


def test_python_errors_in_backward_propagate():
    x = ember.ones(2, requires_grad=True)

    def failing_hook(grad):
        raise ValueError("hook failed")

    x.register_hook(failing_hook)
    with pytest.raises(ValueError, match="hook failed"):
        (x * 2).sum().backward()

    class Failing(ember.autograd.Function):
        @staticmethod
        def forward(ctx, v):
            return v * 1

        @staticmethod
        def backward(ctx, grad):
            raise KeyError("backward failed")

    with pytest.raises(KeyError):
        Failing.apply(ember.ones(2, requires_grad=True)).sum().backward()
    with pytest.raises(TypeError):
        ember.Tensor.add_(5, 1)
    assert ember.Tensor().shape == (0,)


def test_backward_in_threads_releases_the_gil():
    import threading

    results = {}

    def train(key, scale):
        x = ember.full((64, 64), scale, requires_grad=True)
        for _ in range(20):
            (x @ x).sum().backward()
        results[key] = x.grad.sum().item()

    threads = [threading.Thread(target=train, args=(i, float(i + 1))) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(3):
        # d/dx sum(x @ x) = 2 * 64 * scale per element, accumulated 20 times over 64 * 64 elements.
        assert results[i] == pytest.approx(20 * 2 * 64 * (i + 1) * 64 * 64, rel=1e-5)

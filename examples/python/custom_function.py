"""A custom autograd Function written in Python: a "straight-through" hard-threshold whose
backward passes gradients through where |x| <= 1 (ctx.save_for_backward), checked with
ember.autograd.gradcheck on a smooth variant and used in a tiny binarized network.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/custom_function.py [--steps N]"""
import argparse

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import Function, gradcheck


class BinarizeSTE(Function):
    """sign(x) forward; the gradient of hardtanh backward (the straight-through estimator)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ember.where(x >= 0, ember.ones_like(x), -ember.ones_like(x))

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x.abs() <= 1).to(grad_output.dtype)


class ScaledCube(Function):
    """y = a * x^3 with an analytic backward for x and the scale a (a 0-d tensor)."""

    @staticmethod
    def forward(ctx, x, a):
        ctx.save_for_backward(x, a)
        return a * x ** 3

    @staticmethod
    def backward(ctx, grad_output):
        x, a = ctx.saved_tensors
        return grad_output * 3 * a * x ** 2, (grad_output * x ** 3).sum()


class BinaryLinear(nn.Linear):
    """A Linear layer whose weights are binarized in the forward pass."""

    def forward(self, x):
        return F.linear(x, BinarizeSTE.apply(self.weight), self.bias)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args(argv)
    ember.manual_seed(0)
    x = ember.randn(5, dtype=ember.float64, requires_grad=True)
    a = ember.tensor(0.7, dtype=ember.float64, requires_grad=True)
    print("gradcheck of ScaledCube:", gradcheck(ScaledCube.apply, (x, a)))

    # Two Gaussian blobs separated by a network with binary weights.
    inputs = ember.cat([ember.randn(128, 2) + 2, ember.randn(128, 2) - 2])
    labels = ember.cat([ember.zeros(128, dtype=ember.int64), ember.ones(128, dtype=ember.int64)])
    model = nn.Sequential(BinaryLinear(2, 16), nn.Tanh(), BinaryLinear(16, 2))
    optimizer = ember.optim.Adam(model.parameters(), lr=0.05)
    for step in range(1, args.steps + 1):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(inputs), labels)
        loss.backward()
        optimizer.step()
    accuracy = (model(inputs).argmax(1) == labels).float().mean().item()
    print(f"binary-weight network after {args.steps} steps: loss {loss.item():.4f}, accuracy {100 * accuracy:.1f}%")
    return accuracy


if __name__ == "__main__":
    main()

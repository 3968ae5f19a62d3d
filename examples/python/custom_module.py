"""A custom nn.Module written in Python: a residual MLP block with its own Parameter, a buffer
and submodules, trained to fit a noisy sine with ember.optim.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/custom_module.py [--steps N]"""
import argparse
import math

import ember
import ember.nn as nn
import ember.nn.functional as F


class ResidualBlock(nn.Module):
    """x + scale * W2 gelu(W1 layer_norm(x)): the submodules and the learned scale register
    themselves by attribute assignment, the step counter is a (non-learned) buffer."""

    def __init__(self, width, hidden):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.up = nn.Linear(width, hidden)
        self.down = nn.Linear(hidden, width)
        self.scale = nn.Parameter(ember.full((width,), 0.1))
        self.register_buffer("calls", ember.zeros((), dtype=ember.int64))

    def forward(self, x):
        if self.training:
            self.calls += 1
        return x + self.scale * self.down(F.gelu(self.up(self.norm(x))))


class SineRegressor(nn.Module):
    def __init__(self, width=32, depth=2):
        super().__init__()
        self.embed = nn.Linear(1, width)
        self.blocks = nn.Sequential(*[ResidualBlock(width, 2 * width) for _ in range(depth)])
        self.head = nn.Linear(width, 1)

    def forward(self, x):
        return self.head(self.blocks(self.embed(x)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=300)
    args = parser.parse_args(argv)
    ember.manual_seed(0)
    x = ember.linspace(-math.pi, math.pi, 256).unsqueeze(1)
    y = ember.sin(x) + 0.05 * ember.randn(256, 1)
    model = SineRegressor()
    print(model)
    print(f"{sum(p.numel() for p in model.parameters())} parameters:",
          ", ".join(name for name, _ in model.named_parameters()))
    optimizer = ember.optim.AdamW(model.parameters(), lr=1e-2)
    losses = []
    for step in range(1, args.steps + 1):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if step % max(1, args.steps // 5) == 0:
            print(f"step {step}: mse {losses[-1]:.5f}")
    print(f"forward calls counted by the buffer of the first block: {int(model.blocks[0].calls)}")
    return losses


if __name__ == "__main__":
    main()

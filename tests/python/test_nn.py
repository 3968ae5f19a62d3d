"""ember.nn against torch.nn: Module registration and traversal, state_dict, repr, layers with
the same weights, and one small CNN trained in both whose losses match step by step."""
import copy

import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
import ember.nn.functional as F
from conftest import assert_close, to_ember, to_torch


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.blocks = nn.ModuleList([nn.Linear(4, 4), nn.ReLU()])
        self.scale = nn.Parameter(ember.ones(1))
        self.register_buffer("steps", ember.zeros(1))
        self.plain = 5

    def forward(self, x):
        x = self.fc(x)
        for block in self.blocks:
            x = block(x)
        return x * self.scale


def test_attribute_assignment_registers_everything():
    net = Net()
    # torch's order: the module's own parameters, then its children's.
    assert [n for n, _ in net.named_parameters()] == ["scale", "fc.weight", "fc.bias", "blocks.0.weight",
                                                       "blocks.0.bias"]
    assert [n for n, _ in net.named_buffers()] == ["steps"]
    assert [n for n, _ in net.named_children()] == ["fc", "blocks"]
    assert len(list(net.modules())) == 5 and net.plain == 5
    assert set(net.state_dict()) == {"scale", "steps", "fc.weight", "fc.bias", "blocks.0.weight", "blocks.0.bias"}
    with pytest.raises(TypeError):
        net.fc.weight = ember.ones(4, 3)
    del net.scale
    assert "scale" not in dict(net.named_parameters())


def test_state_dict_roundtrip_and_errors():
    a, b = Net(), Net()
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert ember.equal(a.fc.weight, b.fc.weight)
    bad = a.state_dict()
    bad["fc.weight"] = ember.zeros(2, 2)
    with pytest.raises(RuntimeError, match="size mismatch"):
        b.load_state_dict(bad)
    del bad["fc.weight"]
    with pytest.raises(RuntimeError, match="Missing key"):
        b.load_state_dict(bad)


def test_train_eval_apply_zero_grad_to_and_hooks():
    net = Net()
    net.eval()
    assert not net.training and not net.blocks[1].training
    net.train()
    calls = []
    net.apply(lambda m: calls.append(type(m).__name__))
    assert calls[-1] == "Net"
    net(ember.ones(2, 3)).sum().backward()
    assert net.fc.weight.grad is not None
    net.zero_grad()
    assert net.fc.weight.grad is None
    outputs = []
    handle = net.fc.register_forward_hook(lambda m, i, o: outputs.append(o.shape))
    net(ember.ones(2, 3))
    handle.remove()
    net(ember.ones(2, 3))
    assert outputs == [(2, 4)]
    weight = net.fc.weight
    net.double()
    assert net.fc.weight is weight and weight.dtype == ember.float64
    assert copy.deepcopy(net).fc.weight is not weight


def test_repr_matches_torch():
    e = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                      nn.Linear(16, 10, bias=False), nn.Dropout(0.1), nn.LayerNorm(10), nn.GELU())
    t = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                            torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(16, 10, bias=False),
                            torch.nn.Dropout(0.1), torch.nn.LayerNorm(10), torch.nn.GELU())
    assert repr(e) == repr(t)
    assert repr(nn.Parameter(ember.ones(2))) == repr(torch.nn.Parameter(torch.ones(2)))


def copy_weights(ember_module, torch_module):
    for (name, p), (torch_name, q) in zip(ember_module.state_dict().items(), torch_module.state_dict().items()):
        assert name == torch_name
        with ember.no_grad():
            p.copy_(to_ember(q).to(p.dtype))


LAYERS = [
    (lambda L: L.nn.Linear(5, 3), (4, 5)),
    (lambda L: L.nn.Conv2d(2, 3, 3, stride=2, padding=1), (2, 2, 7, 7)),
    (lambda L: L.nn.Conv1d(2, 3, 3), (2, 2, 7)),
    (lambda L: L.nn.BatchNorm1d(5), (4, 5)),
    (lambda L: L.nn.BatchNorm2d(2), (3, 2, 4, 4)),
    (lambda L: L.nn.LayerNorm([2, 3]), (4, 2, 3)),
    (lambda L: L.nn.GroupNorm(2, 4), (2, 4, 3, 3)),
    (lambda L: L.nn.Embedding(10, 3, padding_idx=0), None),
    (lambda L: L.nn.AvgPool2d(2), (1, 2, 4, 4)),
    (lambda L: L.nn.AdaptiveAvgPool2d(1), (1, 2, 4, 4)),
    (lambda L: L.nn.Softmax(dim=1), (3, 4)),
    (lambda L: L.nn.LeakyReLU(0.2), (3, 4)),
    (lambda L: L.nn.Tanh(), (3, 4)),
]


@pytest.mark.parametrize("make,shape", LAYERS)
def test_layers_match_torch(make, shape):
    em, tm = make(ember), make(torch)
    copy_weights(em, tm)
    if shape is None:
        indices = np.array([[0, 3, 9], [1, 1, 0]])
        te, tt = ember.tensor(indices), torch.tensor(indices)
    else:
        data = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        te, tt = ember.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out_e, out_t = em(te), tm(tt)
    assert_close(out_e, out_t)
    out_e.square().sum().backward()
    out_t.square().sum().backward()
    for (name, p), (_, q) in zip(em.named_parameters(), tm.named_parameters()):
        assert_close(p.grad, q.grad, atol=1e-4)
    if shape is not None:
        assert_close(te.grad, tt.grad, atol=1e-4)
    for (name, b), (_, c) in zip(em.named_buffers(), tm.named_buffers()):
        assert_close(b, c)


def test_clip_grad_norm_matches_torch():
    e, t = nn.Linear(4, 3), torch.nn.Linear(4, 3)
    copy_weights(e, t)
    x = np.ones((2, 4), dtype=np.float32)
    e(ember.tensor(x)).sum().mul(10).backward()
    t(torch.tensor(x)).sum().mul(10).backward()
    assert_close(nn.utils.clip_grad_norm_(e.parameters(), 1.0), torch.nn.utils.clip_grad_norm_(t.parameters(), 1.0))
    for p, q in zip(e.parameters(), t.parameters()):
        assert_close(p.grad, q.grad)
    nn.utils.clip_grad_value_(e.parameters(), 0.01)
    assert float(e.weight.grad.abs().max()) <= 0.01
    vector = nn.utils.parameters_to_vector(e.parameters())
    assert vector.shape == (15,)


def build(L):
    # No conv bias before BatchNorm: its gradient is rounding noise, which Adam-style updates amplify.
    return L.nn.Sequential(L.nn.Conv2d(1, 4, 3, padding=1, bias=False), L.nn.BatchNorm2d(4), L.nn.ReLU(), L.nn.MaxPool2d(2),
                           L.nn.Flatten(), L.nn.Linear(4 * 4 * 4, 16), L.nn.ReLU(), L.nn.Linear(16, 3))


@pytest.mark.parametrize("optimizer", [
    lambda L, p: L.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-4),
    lambda L, p: L.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    lambda L, p: L.optim.Adam(p, lr=0.01),
    lambda L, p: L.optim.AdamW(p, lr=0.01, amsgrad=True),
    lambda L, p: L.optim.RMSprop(p, lr=0.01, momentum=0.5),
    lambda L, p: L.optim.Adagrad(p, lr=0.05),
], ids=["sgd_momentum", "sgd_nesterov", "adam", "adamw_amsgrad", "rmsprop", "adagrad"])
def test_training_loop_matches_torch_step_by_step(optimizer):
    torch.manual_seed(0)
    tm = build(torch)
    em = build(ember)
    copy_weights(em, tm)
    rng = np.random.default_rng(0)
    images = rng.standard_normal((8, 1, 8, 8)).astype(np.float32)
    labels = rng.integers(0, 3, size=8)
    opt_e, opt_t = optimizer(ember, em.parameters()), optimizer(torch, tm.parameters())
    sched_e = ember.optim.lr_scheduler.StepLR(opt_e, step_size=2, gamma=0.5)
    sched_t = torch.optim.lr_scheduler.StepLR(opt_t, step_size=2, gamma=0.5)
    for step in range(5):
        losses = []
        for lib, model, opt, x, y in ((ember, em, opt_e, ember.tensor(images), ember.tensor(labels)),
                                      (torch, tm, opt_t, torch.tensor(images), torch.tensor(labels))):
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        sched_e.step()
        sched_t.step()
        assert abs(losses[0] - losses[1]) < 1e-4 * max(1, abs(losses[1])), f"step {step}: {losses}"
    for (name, p), (_, q) in zip(em.state_dict().items(), tm.state_dict().items()):
        assert_close(p, q, atol=1e-4, rtol=1e-3)
    assert sched_e.get_last_lr() == pytest.approx(sched_t.get_last_lr())


def test_optimizer_param_groups_and_state_dict():
    a, b = nn.Linear(2, 2), nn.Linear(2, 1)
    opt = ember.optim.SGD([{"params": a.parameters()}, {"params": b.parameters(), "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    b(a(ember.ones(1, 2))).sum().backward()
    opt.step()
    state = opt.state_dict()
    assert sorted(state["state"]) == [0, 1, 2, 3] and "momentum_buffer" in state["state"][0]
    assert state["param_groups"][1]["params"] == [2, 3]
    fresh = ember.optim.SGD([{"params": a.parameters()}, {"params": b.parameters()}], lr=0.1, momentum=0.9)
    fresh.load_state_dict(state)
    assert fresh.param_groups[1]["lr"] == 0.5
    assert ember.equal(fresh.state[a.weight]["momentum_buffer"], opt.state[a.weight]["momentum_buffer"])
    extra = nn.Parameter(ember.ones(1))
    opt.add_param_group({"params": [extra]})
    assert opt.param_groups[2]["momentum"] == 0.9
    with pytest.raises(ValueError):
        opt.add_param_group({"params": [extra]})
    with pytest.raises(ValueError):
        ember.optim.Adam(a.parameters(), lr=-1)
    with pytest.raises(ValueError):
        ember.optim.SGD([], lr=0.1)

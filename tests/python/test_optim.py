"""ember.optim against torch.optim 1.13: every optimizer and option variant stepped side by side
from the same float64 weights (parameters and state compared each step), defaults and group keys,
state_dict round trips, argument errors, LBFGS with and without line search, and every
lr_scheduler's learning rates (and momentum) over 30 steps, chained and restored from state_dict."""
import copy
import warnings

import numpy as np
import pytest
import torch

import ember

SHAPES = [(2, 3), (4,)]


def make_params(lib, seed=0, dtype="float64"):
    rng = np.random.default_rng(seed)
    return [lib.tensor(rng.standard_normal(shape), dtype=getattr(lib, dtype)).requires_grad_() for shape in SHAPES]


def loss_of(params):
    """A smooth loss with a different curvature per element, so the optimizers' states diverge."""
    total = 0
    for i, p in enumerate(params):
        total = total + ((i + 1.5) * p * p + 0.3 * p ** 3 + 0.5 * p).sum()
    return total


def set_grads(opt, params):
    opt.zero_grad()
    loss_of(params).backward()


def to_numpy(t):
    return np.array(t.detach().numpy(), dtype=np.float64)


# (optimizer name, keyword arguments); each one runs against torch with the same arguments.
OPTIMIZER_CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99), amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, maximize=True, eps=1e-3)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, amsgrad=True, maximize=True, weight_decay=0.05)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-6)),
    ("Adagrad", dict(lr=0.1, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1)),
    ("Adadelta", dict(lr=0.5, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.05, betas=(0.7, 0.9), eps=1e-4, weight_decay=0.1)),
    ("Adamax", dict(lr=0.05, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.05, betas=(0.8, 0.95), weight_decay=0.1, momentum_decay=0.01)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.05, betas=(0.5, 0.9), eps=1e-4, weight_decay=0.1)),
]
CASE_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kwargs.items()) or 'defaults'}" for name, kwargs in OPTIMIZER_CASES]


def build_pair(name, kwargs, seed=0, groups=False):
    """The same optimizer over the same initial weights in ember and torch; with groups, the second
    parameter gets its own group with half the lr."""
    pair = []
    for lib in (ember, torch):
        params = make_params(lib, seed)
        if groups:
            spec = [{"params": [params[0]]}, {"params": [params[1]], "lr": kwargs.get("lr", 1e-2) / 2}]
        else:
            spec = params
        pair.append((params, getattr(lib.optim, name)(spec, **kwargs)))
    return pair


def assert_same_params(ember_params, torch_params, step):
    for e, t in zip(ember_params, torch_params):
        np.testing.assert_allclose(to_numpy(e), to_numpy(t), rtol=1e-10, atol=1e-12, err_msg=f"step {step}")


def assert_same_state(ember_opt, torch_opt, ember_params, torch_params):
    """The per-parameter state holds torch's keys (torch keeps an unused momentum_buffer as None)
    with the same numbers."""
    for e, t in zip(ember_params, torch_params):
        e_state, t_state = ember_opt.state[e], torch_opt.state[t]
        assert set(e_state) == {k for k, v in t_state.items() if v is not None}
        for key, value in e_state.items():
            expected = t_state[key]
            if isinstance(expected, torch.Tensor) and expected.dim() > 0:
                np.testing.assert_allclose(to_numpy(value), to_numpy(expected), rtol=1e-10, atol=1e-12, err_msg=key)
            else:
                assert float(value) == pytest.approx(float(expected), rel=1e-6), key


@pytest.mark.parametrize("name,kwargs", OPTIMIZER_CASES, ids=CASE_IDS)
@pytest.mark.parametrize("groups", [False, True], ids=["one_group", "two_groups"])
def test_optimizer_steps_match_torch(name, kwargs, groups):
    (e_params, e_opt), (t_params, t_opt) = build_pair(name, kwargs, groups=groups)
    for step in range(8):
        for opt, params in ((e_opt, e_params), (t_opt, t_params)):
            set_grads(opt, params)
            opt.step()
        assert_same_params(e_params, t_params, step)
    assert_same_state(e_opt, t_opt, e_params, t_params)


@pytest.mark.parametrize("name,kwargs", OPTIMIZER_CASES, ids=CASE_IDS)
def test_optimizer_state_dict_round_trip(name, kwargs):
    """An optimizer restored from another's state_dict continues exactly as torch's uninterrupted one."""
    (e_params, e_opt), (t_params, t_opt) = build_pair(name, kwargs)
    for opt, params in ((e_opt, e_params), (t_opt, t_params)):
        for _ in range(3):
            set_grads(opt, params)
            opt.step()
    restored_params = [ember.tensor(p.detach().numpy()).requires_grad_() for p in e_params]
    restored = getattr(ember.optim, name)(restored_params, lr=123.0)
    saved = e_opt.state_dict()
    assert sorted(saved["state"]) == [0, 1] and saved["param_groups"][0]["params"] == [0, 1]
    restored.load_state_dict(saved)
    assert restored.param_groups[0]["lr"] == e_opt.param_groups[0]["lr"]
    for step in range(4):
        for opt, params in ((restored, restored_params), (e_opt, e_params), (t_opt, t_params)):
            set_grads(opt, params)
            opt.step()
        assert_same_params(restored_params, t_params, step)
        assert_same_params(e_params, t_params, step)
    assert_same_state(restored, t_opt, restored_params, t_params)


OPTIMIZER_NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "LBFGS"]


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_defaults_and_group_keys_match_torch(name):
    """Every option ember keeps in a group has torch's key and default (torch also keeps foreach,
    differentiable and the like, which do not change the CPU math)."""
    kwargs = {"lr": 0.1} if name == "SGD" else {}
    e_opt = getattr(ember.optim, name)(make_params(ember), **kwargs)
    t_opt = getattr(torch.optim, name)(make_params(torch), **kwargs)
    e_group, t_group = e_opt.param_groups[0], t_opt.param_groups[0]
    assert set(e_group) <= set(t_group)
    for key in e_group:
        if key != "params":
            assert e_group[key] == (tuple(t_group[key]) if key == "betas" else t_group[key]), key
    assert e_opt.defaults.keys() == e_group.keys() - {"params"}


BAD_ARGUMENTS = [
    ("SGD", dict(lr=-0.1)), ("SGD", dict(lr=0.1, momentum=-1)), ("SGD", dict(lr=0.1, weight_decay=-1)),
    ("SGD", dict(lr=0.1, nesterov=True)), ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5, nesterov=True)),
    ("Adam", dict(lr=-1)), ("Adam", dict(eps=-1)), ("Adam", dict(betas=(1.0, 0.9))), ("Adam", dict(betas=(0.9, -0.1))),
    ("Adam", dict(weight_decay=-1)), ("AdamW", dict(betas=(0.9, 1.0))), ("AdamW", dict(weight_decay=-0.5)),
    ("RMSprop", dict(lr=-1)), ("RMSprop", dict(eps=-1)), ("RMSprop", dict(momentum=-1)),
    ("RMSprop", dict(weight_decay=-1)), ("RMSprop", dict(alpha=-1)),
    ("Adagrad", dict(lr=-1)), ("Adagrad", dict(lr_decay=-1)), ("Adagrad", dict(weight_decay=-1)),
    ("Adagrad", dict(initial_accumulator_value=-1)), ("Adagrad", dict(eps=-1)),
    ("Adadelta", dict(lr=-1)), ("Adadelta", dict(rho=1.5)), ("Adadelta", dict(rho=-0.1)), ("Adadelta", dict(eps=-1)),
    ("Adadelta", dict(weight_decay=-1)),
    ("Adamax", dict(lr=-1)), ("Adamax", dict(eps=-1)), ("Adamax", dict(betas=(-0.1, 0.9))),
    ("Adamax", dict(betas=(0.9, 1.5))), ("Adamax", dict(weight_decay=-1)),
    ("NAdam", dict(lr=-1)), ("NAdam", dict(eps=-1)), ("NAdam", dict(betas=(1.0, 0.9))),
    ("NAdam", dict(betas=(0.9, 1.0))), ("NAdam", dict(weight_decay=-1)), ("NAdam", dict(momentum_decay=-1)),
    ("RAdam", dict(lr=-1)), ("RAdam", dict(eps=-1)), ("RAdam", dict(betas=(1.0, 0.9))),
    ("RAdam", dict(betas=(0.9, 1.0))), ("RAdam", dict(weight_decay=-1)),
]


@pytest.mark.parametrize("name,kwargs", BAD_ARGUMENTS, ids=[f"{n}-{k}" for n, k in BAD_ARGUMENTS])
def test_bad_arguments_raise_like_torch(name, kwargs):
    with pytest.raises(ValueError) as expected:
        getattr(torch.optim, name)(make_params(torch), **kwargs)
    with pytest.raises(ValueError) as actual:
        getattr(ember.optim, name)(make_params(ember), **kwargs)
    assert str(actual.value) == str(expected.value)


def test_required_lr_and_parameter_checks():
    with pytest.raises(ValueError, match="required optimization parameter lr"):
        ember.optim.SGD(make_params(ember))
    with pytest.raises(ValueError, match="empty parameter list"):
        ember.optim.Adadelta([])
    params = make_params(ember)
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        ember.optim.LBFGS([{"params": params[:1]}, {"params": params[1:]}])


def test_optimizers_are_exported_like_torch():
    for name in OPTIMIZER_NAMES + ["Optimizer"]:
        assert issubclass(getattr(ember.optim, name), ember.optim.Optimizer)


# ---- LBFGS


def rosenbrock_closure(opt, x):
    """The extended Rosenbrock function of the 4 elements of x (and its gradient)."""
    def closure():
        opt.zero_grad()
        loss = ((1 - x[0::2]) ** 2 + 100 * (x[1::2] - x[0::2] ** 2) ** 2).sum()
        loss.backward()
        return loss
    return closure


def least_squares_closure(opt, params, a, b):
    """|A w + c - b|^2 / n for the weight w and bias c in params, with A and b given in the caller's library."""
    def closure():
        opt.zero_grad()
        w, c = params
        loss = ((a @ w + c - b) ** 2).mean()
        loss.backward()
        return loss
    return closure


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("options", [dict(), dict(lr=0.5, max_iter=4, history_size=3), dict(max_iter=7, max_eval=9)],
                         ids=["defaults", "lr_history", "max_eval"])
def test_lbfgs_matches_torch_on_rosenbrock(line_search_fn, options):
    results = []
    for lib in (ember, torch):
        x = lib.tensor([-1.2, 1.0, -0.5, 0.8], dtype=lib.float64).requires_grad_()
        opt = lib.optim.LBFGS([x], line_search_fn=line_search_fn, **options)
        closure = rosenbrock_closure(opt, x)
        calls = []
        counted = lambda: calls.append(1) or closure()  # noqa: E731
        trajectory = []
        for _ in range(3):
            loss = opt.step(counted)
            trajectory.append((to_numpy(x), float(loss)))
        results.append((trajectory, len(calls), opt.state[x]))
    (e_traj, e_calls, e_state), (t_traj, t_calls, t_state) = results
    assert e_calls == t_calls
    # Rosenbrock's narrow valley amplifies rounding (ember sums its dot products in another order
    # than torch's BLAS): 1e-12 after 20 iterations grows to 1e-9 after 60.
    for (e_x, e_loss), (t_x, t_loss) in zip(e_traj, t_traj):
        np.testing.assert_allclose(e_x, t_x, rtol=1e-7, atol=1e-9)
        assert e_loss == pytest.approx(t_loss, rel=1e-7)
    assert e_state["n_iter"] == t_state["n_iter"] and e_state["func_evals"] == t_state["func_evals"]
    np.testing.assert_allclose(to_numpy(e_state["d"]), to_numpy(t_state["d"]), rtol=1e-6, atol=1e-8)
    assert e_state["old_dirs"].shape[0] == len(t_state["old_dirs"])


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("dtype,tolerance", [("float64", 1e-9), ("float32", 1e-4)])
def test_lbfgs_matches_torch_on_least_squares(line_search_fn, dtype, tolerance):
    """Two parameters (a weight and a bias). ember's L-BFGS keeps its vectors in float64, torch's in
    the parameters' dtype, so float32 agrees to float32 rounding only."""
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((20, 5)), rng.standard_normal(20)
    finals = []
    for lib in (ember, torch):
        params = [lib.zeros(5, dtype=getattr(lib, dtype)).requires_grad_(),
                  lib.zeros(1, dtype=getattr(lib, dtype)).requires_grad_()]
        opt = lib.optim.LBFGS(params, lr=0.8, max_iter=6, line_search_fn=line_search_fn)
        closure = least_squares_closure(opt, params, lib.tensor(a, dtype=getattr(lib, dtype)),
                                        lib.tensor(b, dtype=getattr(lib, dtype)))
        losses = [float(opt.step(closure)) for _ in range(3)]
        finals.append((np.concatenate([to_numpy(p) for p in params]), losses))
    (e_x, e_losses), (t_x, t_losses) = finals
    np.testing.assert_allclose(e_x, t_x, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(e_losses, t_losses, rtol=tolerance)


def test_lbfgs_state_dict_round_trip_and_closure_contract():
    x = ember.tensor([-1.2, 1.0, -0.5, 0.8], dtype=ember.float64).requires_grad_()
    opt = ember.optim.LBFGS([x], max_iter=3, history_size=4)
    closure = rosenbrock_closure(opt, x)
    first = opt.step(closure)
    assert isinstance(first, ember.Tensor) and first.item() == pytest.approx(4.84 + 19.36 + 2.25 + 30.25)

    y = ember.tensor(x.detach().numpy()).requires_grad_()
    restored = ember.optim.LBFGS([y], max_iter=3, history_size=4)
    restored.load_state_dict(opt.state_dict())
    restored_closure = rosenbrock_closure(restored, y)
    for _ in range(3):
        opt.step(closure)
        restored.step(restored_closure)
    np.testing.assert_array_equal(to_numpy(y), to_numpy(x))

    # A closure may return a Python number, as in torch; step returns what the first call gave.
    z = ember.tensor([3.0], dtype=ember.float64).requires_grad_()
    numbers = ember.optim.LBFGS([z], max_iter=2)

    def number_closure():
        numbers.zero_grad()
        loss = (z * z).sum()
        loss.backward()
        return loss.item()
    assert numbers.step(number_closure) == 9.0
    with pytest.raises(RuntimeError, match="strong_wolfe"):
        ember.optim.LBFGS([z], line_search_fn="backtracking").step(number_closure)


def test_lbfgs_float32_state_dict_round_trip():
    """load_state_dict casts floating state to the parameter's dtype, as torch does; LBFGS reads it
    back whatever its dtype."""
    x = ember.tensor([-1.2, 1.0, -0.5, 0.8]).requires_grad_()
    opt = ember.optim.LBFGS([x], max_iter=3)
    closure = rosenbrock_closure(opt, x)
    opt.step(closure)
    y = ember.tensor(x.detach().numpy()).requires_grad_()
    restored = ember.optim.LBFGS([y], max_iter=3)
    restored.load_state_dict(opt.state_dict())
    assert restored.state[y]["d"].dtype == ember.float32
    opt.step(closure)
    restored.step(rosenbrock_closure(restored, y))
    np.testing.assert_allclose(to_numpy(y), to_numpy(x), rtol=1e-5, atol=1e-6)


# ---- lr_scheduler

STEPS = 30


def scheduler_pair(make, optimizer="SGD", opt_kwargs=None):
    """(optimizer, scheduler) in ember and in torch, the optimizer with two groups (lr 0.1 and 0.05)."""
    opt_kwargs = dict(lr=0.1, momentum=0.9) if opt_kwargs is None else opt_kwargs
    pairs = []
    for lib in (ember, torch):
        params = make_params(lib)
        opt = getattr(lib.optim, optimizer)([{"params": params[:1]}, {"params": params[1:], "lr": 0.05}],
                                            **opt_kwargs)
        pairs.append((opt, make(lib.optim.lr_scheduler, opt)))
    return pairs


def group_values(opt):
    """What a schedule sets: each group's lr and momentum (or beta1), as one flat list."""
    return [value for g in opt.param_groups for value in (g["lr"], g["momentum"] if "momentum" in g else g["betas"][0])]


def run_schedule(opt, scheduler, steps, metrics=None):
    """The group values and get_last_lr() (torch 1.13's ReduceLROnPlateau has none) after each step."""
    values = []
    for i in range(steps):
        opt.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[i])
        values.append(group_values(opt) + (scheduler.get_last_lr() if hasattr(scheduler, "get_last_lr") else []))
    return values


def assert_same_values(actual, expected):
    assert len(actual) == len(expected)
    for step, (a, e) in enumerate(zip(actual, expected)):
        assert a == pytest.approx(e, rel=1e-12, abs=1e-15), f"step {step}"


# (id, scheduler factory taking the lr_scheduler module and the optimizer, optimizer, its kwargs)
SCHEDULER_CASES = [
    ("LambdaLR", lambda S, o: S.LambdaLR(o, lambda e: 0.95 ** e), "SGD", None),
    ("LambdaLR_per_group", lambda S, o: S.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.9 ** e]), "SGD", None),
    ("MultiplicativeLR", lambda S, o: S.MultiplicativeLR(o, lambda e: 0.9), "SGD", None),
    ("MultiplicativeLR_per_group", lambda S, o: S.MultiplicativeLR(o, [lambda e: 0.9, lambda e: 1 - 0.01 * e]),
     "SGD", None),
    ("StepLR", lambda S, o: S.StepLR(o, step_size=3), "SGD", None),
    ("StepLR_gamma", lambda S, o: S.StepLR(o, step_size=4, gamma=0.7), "Adam", dict()),
    ("MultiStepLR", lambda S, o: S.MultiStepLR(o, milestones=[9, 2, 5, 5], gamma=0.3), "SGD", None),
    ("ConstantLR", lambda S, o: S.ConstantLR(o), "SGD", None),
    ("ConstantLR_factor", lambda S, o: S.ConstantLR(o, factor=0.5, total_iters=3), "SGD", None),
    ("LinearLR", lambda S, o: S.LinearLR(o), "SGD", None),
    ("LinearLR_decay", lambda S, o: S.LinearLR(o, start_factor=0.75, end_factor=0.25, total_iters=8), "SGD", None),
    ("ExponentialLR", lambda S, o: S.ExponentialLR(o, gamma=0.9), "SGD", None),
    ("PolynomialLR", lambda S, o: S.PolynomialLR(o), "SGD", None),
    ("PolynomialLR_power", lambda S, o: S.PolynomialLR(o, total_iters=12, power=2.5), "SGD", None),
    ("CosineAnnealingLR", lambda S, o: S.CosineAnnealingLR(o, T_max=10), "SGD", None),
    ("CosineAnnealingLR_eta_min", lambda S, o: S.CosineAnnealingLR(o, T_max=7, eta_min=0.001), "SGD", None),
    ("CosineAnnealingWarmRestarts", lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=5), "SGD", None),
    ("CosineAnnealingWarmRestarts_mult",
     lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01), "SGD", None),
    ("CyclicLR_triangular", lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4), "SGD", None),
    ("CyclicLR_triangular2",
     lambda S, o: S.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=[0.1, 0.2], step_size_up=3, step_size_down=5,
                             mode="triangular2", base_momentum=[0.8, 0.7], max_momentum=0.95), "SGD", None),
    ("CyclicLR_exp_range",
     lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4, mode="exp_range", gamma=0.9),
     "RMSprop", dict(lr=0.01, momentum=0.5)),
    ("CyclicLR_scale_fn",
     lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=2, step_size_down=3,
                             scale_fn=lambda x: 1 / (1 + 0.1 * x), scale_mode="iterations"), "SGD", None),
    ("CyclicLR_adam_without_momentum",
     lambda S, o: S.CyclicLR(o, base_lr=0.001, max_lr=0.01, step_size_up=5, cycle_momentum=False), "Adam", dict()),
    ("OneCycleLR", lambda S, o: S.OneCycleLR(o, max_lr=0.1, total_steps=STEPS + 1), "SGD", None),
    ("OneCycleLR_linear_three_phase",
     lambda S, o: S.OneCycleLR(o, max_lr=[0.1, 0.3], total_steps=STEPS + 1, anneal_strategy="linear",
                               three_phase=True, pct_start=0.25), "SGD", None),
    ("OneCycleLR_three_phase_cos",
     lambda S, o: S.OneCycleLR(o, max_lr=0.1, epochs=4, steps_per_epoch=8, three_phase=True, div_factor=10.,
                               final_div_factor=100.), "SGD", None),
    ("OneCycleLR_adam_betas",
     lambda S, o: S.OneCycleLR(o, max_lr=0.01, epochs=3, steps_per_epoch=11, pct_start=0.4, base_momentum=0.8,
                               max_momentum=[0.9, 0.95]), "Adam", dict()),
    ("OneCycleLR_no_momentum",
     lambda S, o: S.OneCycleLR(o, max_lr=0.05, total_steps=STEPS + 1, cycle_momentum=False, anneal_strategy="linear"),
     "Adam", dict()),
    ("SequentialLR",
     lambda S, o: S.SequentialLR(o, [S.ConstantLR(o, factor=0.5, total_iters=3), S.ExponentialLR(o, gamma=0.9)],
                                 milestones=[4]), "SGD", None),
    ("SequentialLR_warmup_cosine",
     lambda S, o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=5), S.CosineAnnealingLR(o, T_max=8),
                                     S.StepLR(o, step_size=2)], milestones=[5, 17]), "SGD", None),
    ("ChainedScheduler",
     lambda S, o: S.ChainedScheduler([S.ConstantLR(o, factor=0.5, total_iters=4), S.ExponentialLR(o, gamma=0.9)]),
     "SGD", None),
    ("ChainedScheduler_cosine",
     lambda S, o: S.ChainedScheduler([S.StepLR(o, step_size=4, gamma=0.5), S.CosineAnnealingLR(o, T_max=6),
                                      S.MultiplicativeLR(o, lambda e: 0.98)]), "SGD", None),
]

METRICS = [1.0, 0.9, 0.9, 0.95, 0.91, 0.9, 0.89, 0.8999, 0.9, 0.9, 0.7, 0.7, 0.71, 0.72, 0.73, 0.7, 0.69, 0.75,
           0.75, 0.75, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
PLATEAU_CASES = [
    ("ReduceLROnPlateau", lambda S, o: S.ReduceLROnPlateau(o, patience=2), "SGD", None),
    ("ReduceLROnPlateau_max_abs",
     lambda S, o: S.ReduceLROnPlateau(o, mode="max", factor=0.5, patience=1, threshold=0.01, threshold_mode="abs",
                                      cooldown=2, min_lr=[0.02, 0.001]), "SGD", None),
    ("ReduceLROnPlateau_min_abs_eps",
     lambda S, o: S.ReduceLROnPlateau(o, factor=0.2, patience=0, threshold=0.05, threshold_mode="abs",
                                      min_lr=0.003, eps=1e-3), "SGD", None),
    ("ReduceLROnPlateau_max_rel",
     lambda S, o: S.ReduceLROnPlateau(o, mode="max", patience=3, threshold=0.1, cooldown=1), "SGD", None),
]


def metrics_for(case_id):
    return [2 - m for m in METRICS] if "max" in case_id else METRICS


@pytest.fixture(autouse=False)
def no_epoch_warnings():
    """SequentialLR steps its schedulers with step(0), which warns (in torch as in ember)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


@pytest.mark.usefixtures("no_epoch_warnings")
@pytest.mark.parametrize("case_id,make,optimizer,opt_kwargs", SCHEDULER_CASES + PLATEAU_CASES,
                         ids=[c[0] for c in SCHEDULER_CASES + PLATEAU_CASES])
def test_scheduler_matches_torch(case_id, make, optimizer, opt_kwargs):
    (e_opt, e_sched), (t_opt, t_sched) = scheduler_pair(make, optimizer, opt_kwargs)
    assert group_values(e_opt) == pytest.approx(group_values(t_opt), rel=1e-12)
    metrics = metrics_for(case_id) if case_id.startswith("ReduceLROnPlateau") else None
    e_values, t_values = run_schedule(e_opt, e_sched, STEPS, metrics), run_schedule(t_opt, t_sched, STEPS, metrics)
    assert_same_values(e_values, t_values)
    lrs = {lr for values in t_values for lr in values[0:4:2]}
    assert len(lrs) > 2, f"the schedule should change the lr: {sorted(lrs)}"


@pytest.mark.usefixtures("no_epoch_warnings")
@pytest.mark.parametrize("case_id,make,optimizer,opt_kwargs", SCHEDULER_CASES + PLATEAU_CASES,
                         ids=[c[0] for c in SCHEDULER_CASES + PLATEAU_CASES])
def test_scheduler_state_dict_round_trip(case_id, make, optimizer, opt_kwargs):
    """A scheduler (and its optimizer) rebuilt and restored from state_dicts after 11 steps continues
    exactly like the original and like torch."""
    (e_opt, e_sched), (t_opt, t_sched) = scheduler_pair(make, optimizer, opt_kwargs)
    metrics = metrics_for(case_id) if case_id.startswith("ReduceLROnPlateau") else None
    first = 11
    run_schedule(e_opt, e_sched, first, metrics)
    run_schedule(t_opt, t_sched, first, metrics)
    (restored_opt, restored_sched), _ = scheduler_pair(make, optimizer, opt_kwargs)
    restored_opt.load_state_dict(copy.deepcopy(e_opt.state_dict()))
    restored_sched.load_state_dict(copy.deepcopy(e_sched.state_dict()))
    rest = None if metrics is None else metrics[first:]
    t_values = run_schedule(t_opt, t_sched, STEPS - first, rest)
    assert_same_values(run_schedule(restored_opt, restored_sched, STEPS - first, rest), t_values)
    assert_same_values(run_schedule(e_opt, e_sched, STEPS - first, rest), t_values)


class Decay:
    """A callable object: its attributes travel in LambdaLR's state_dict, as in torch."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, epoch):
        return self.rate ** epoch


def test_lambda_state_dict_keeps_callable_objects_but_not_functions():
    for lib in (ember, torch):
        opt = lib.optim.SGD([{"params": make_params(lib)[:1]}, {"params": make_params(lib)[1:]}], lr=0.1)
        scheduler = lib.optim.lr_scheduler.LambdaLR(opt, [Decay(0.5), lambda e: 1.0])
        state = scheduler.state_dict()
        assert state["lr_lambdas"] == [{"rate": 0.5}, None]
        other = lib.optim.lr_scheduler.LambdaLR(opt, [Decay(0.9), lambda e: 1.0])
        other.load_state_dict(state)
        assert other.lr_lambdas[0].rate == 0.5 and "lr_lambdas" in state


@pytest.mark.usefixtures("no_epoch_warnings")
@pytest.mark.parametrize("make", [
    lambda S, o: S.StepLR(o, step_size=3, gamma=0.5),
    lambda S, o: S.MultiStepLR(o, milestones=[2, 6, 6], gamma=0.5),
    lambda S, o: S.ConstantLR(o, factor=0.4, total_iters=4),
    lambda S, o: S.LinearLR(o, start_factor=0.2, total_iters=6),
    lambda S, o: S.ExponentialLR(o, gamma=0.8),
    lambda S, o: S.PolynomialLR(o, total_iters=8, power=2.0),
    lambda S, o: S.CosineAnnealingLR(o, T_max=9, eta_min=0.01),
    lambda S, o: S.LambdaLR(o, lambda e: 1 / (1 + e)),
    lambda S, o: S.MultiplicativeLR(o, lambda e: 0.9),
], ids=["StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR", "PolynomialLR", "CosineAnnealingLR",
        "LambdaLR", "MultiplicativeLR"])
def test_step_with_epoch_uses_the_closed_form(make):
    (e_opt, e_sched), (t_opt, t_sched) = scheduler_pair(make)
    for epoch in [3, 1, 7, 7, 12, 0, 5]:
        for opt, sched in ((e_opt, e_sched), (t_opt, t_sched)):
            opt.step()
            sched.step(epoch)
        assert e_sched.get_last_lr() == pytest.approx(t_sched.get_last_lr(), rel=1e-12), f"epoch {epoch}"
        assert e_sched.last_epoch == t_sched.last_epoch


def test_step_with_epoch_warns_like_torch():
    (e_opt, e_sched), _ = scheduler_pair(lambda S, o: S.StepLR(o, step_size=2))
    with pytest.warns(UserWarning, match="epoch parameter in `scheduler.step\\(\\)` was not necessary"):
        e_sched.step(3)


@pytest.mark.parametrize("T_0,T_mult", [(4, 1), (3, 2), (2, 3)])
def test_cosine_warm_restarts_with_fractional_epochs(T_0, T_mult):
    """step(epoch + i / iters) every batch, then back to plain steps, as in torch's docstring."""
    (e_opt, e_sched), (t_opt, t_sched) = scheduler_pair(
        lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=T_0, T_mult=T_mult, eta_min=0.001))
    iters = 7
    epochs = [epoch + i / iters for epoch in range(12) for i in range(iters)] + [40, 3.5, 100.25]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for epoch in epochs:
            for opt, sched in ((e_opt, e_sched), (t_opt, t_sched)):
                opt.step()
                sched.step(epoch)
            assert e_sched.get_last_lr() == pytest.approx(t_sched.get_last_lr(), rel=1e-12), f"epoch {epoch}"
            assert (e_sched.T_cur, e_sched.T_i, e_sched.last_epoch) == pytest.approx(
                (t_sched.T_cur, t_sched.T_i, t_sched.last_epoch), rel=1e-12)
    e_values, t_values = run_schedule(e_opt, e_sched, 10), run_schedule(t_opt, t_sched, 10)
    assert_same_values(e_values, t_values)


@pytest.mark.parametrize("make", [
    lambda S, o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.002, last_epoch=4),
    lambda S, o: S.StepLR(o, step_size=3, last_epoch=7),
    lambda S, o: S.LinearLR(o, last_epoch=2),
    lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2, last_epoch=5),
    lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3, last_epoch=4),
], ids=["CosineAnnealingLR", "StepLR", "LinearLR", "CosineAnnealingWarmRestarts", "CyclicLR"])
def test_resuming_with_last_epoch(make):
    """A scheduler started at last_epoch (the groups carry initial_lr from an earlier run)."""
    pairs = []
    for lib in (ember, torch):
        opt = lib.optim.SGD(make_params(lib), lr=0.1, momentum=0.9)
        opt.param_groups[0]["initial_lr"] = 0.2
        pairs.append((opt, make(lib.optim.lr_scheduler, opt)))
    (e_opt, e_sched), (t_opt, t_sched) = pairs
    assert group_values(e_opt) == pytest.approx(group_values(t_opt), rel=1e-12)
    assert_same_values(run_schedule(e_opt, e_sched, 15), run_schedule(t_opt, t_sched, 15))


def test_resuming_without_initial_lr_raises_key_error():
    opt = ember.optim.SGD(make_params(ember), lr=0.1)
    with pytest.raises(KeyError, match="initial_lr"):
        ember.optim.lr_scheduler.StepLR(opt, step_size=2, last_epoch=3)


def test_one_cycle_refuses_to_step_past_total_steps():
    for lib in (ember, torch):
        opt = lib.optim.SGD(make_params(lib), lr=0.1, momentum=0.9)
        scheduler = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=5)
        for _ in range(5):
            opt.step()
            scheduler.step()
        with pytest.raises(ValueError, match="Tried to step 7 times. The specified number of total steps is 5"):
            scheduler.step()


SCHEDULER_ERRORS = [
    ("ConstantLR", lambda S, o: S.ConstantLR(o, factor=1.5)),
    ("LinearLR_start", lambda S, o: S.LinearLR(o, start_factor=-0.1)),
    ("LinearLR_end", lambda S, o: S.LinearLR(o, end_factor=2)),
    ("LambdaLR_count", lambda S, o: S.LambdaLR(o, [lambda e: 1.0])),
    ("CosineAnnealingWarmRestarts_T_0", lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=0)),
    ("CosineAnnealingWarmRestarts_float_T_0", lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=2.0)),
    ("CosineAnnealingWarmRestarts_T_mult", lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0)),
    ("CyclicLR_mode", lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, mode="sawtooth")),
    ("CyclicLR_count", lambda S, o: S.CyclicLR(o, base_lr=[0.01, 0.02, 0.03], max_lr=0.1)),
    ("CyclicLR_adam_momentum", lambda S, o: S.CyclicLR(S.adam, base_lr=0.01, max_lr=0.1)),
    ("OneCycleLR_no_steps", lambda S, o: S.OneCycleLR(o, max_lr=0.1)),
    ("OneCycleLR_total_steps", lambda S, o: S.OneCycleLR(o, max_lr=0.1, total_steps=0)),
    ("OneCycleLR_epochs", lambda S, o: S.OneCycleLR(o, max_lr=0.1, epochs=-1, steps_per_epoch=3)),
    ("OneCycleLR_steps_per_epoch", lambda S, o: S.OneCycleLR(o, max_lr=0.1, epochs=2, steps_per_epoch=1.5)),
    ("OneCycleLR_pct_start", lambda S, o: S.OneCycleLR(o, max_lr=0.1, total_steps=10, pct_start=1.2)),
    ("OneCycleLR_anneal", lambda S, o: S.OneCycleLR(o, max_lr=0.1, total_steps=10, anneal_strategy="exp")),
    ("OneCycleLR_momentum", lambda S, o: S.OneCycleLR(S.adagrad, max_lr=0.1, total_steps=10)),
    ("SequentialLR_milestones",
     lambda S, o: S.SequentialLR(o, [S.StepLR(o, 2), S.StepLR(o, 3)], milestones=[2, 4])),
    ("SequentialLR_optimizer",
     lambda S, o: S.SequentialLR(S.adam, [S.StepLR(o, 2)], milestones=[])),
    ("ChainedScheduler_optimizer",
     lambda S, o: S.ChainedScheduler([S.StepLR(o, 2), S.StepLR(S.adam, 2)])),
    ("ReduceLROnPlateau_factor", lambda S, o: S.ReduceLROnPlateau(o, factor=1.0)),
    ("ReduceLROnPlateau_mode", lambda S, o: S.ReduceLROnPlateau(o, mode="lowest")),
    ("ReduceLROnPlateau_threshold_mode", lambda S, o: S.ReduceLROnPlateau(o, threshold_mode="pct")),
    ("ReduceLROnPlateau_min_lr", lambda S, o: S.ReduceLROnPlateau(o, min_lr=[0.1, 0.2, 0.3])),
]


class _Schedulers:
    """The lr_scheduler module plus optimizers of other kinds, for the cases that need them."""

    def __init__(self, lib):
        self._module = lib.optim.lr_scheduler
        self.adam = lib.optim.Adam(make_params(lib))
        self.adagrad = lib.optim.Adagrad(make_params(lib))

    def __getattr__(self, name):
        return getattr(self._module, name)


@pytest.mark.parametrize("case_id,make", SCHEDULER_ERRORS, ids=[c[0] for c in SCHEDULER_ERRORS])
def test_scheduler_errors_match_torch(case_id, make):
    messages = []
    for lib in (torch, ember):
        opt = lib.optim.SGD([{"params": make_params(lib)[:1]}, {"params": make_params(lib)[1:]}], lr=0.1)
        with pytest.raises(ValueError) as error:
            make(_Schedulers(lib), opt)
        messages.append(str(error.value))
    assert messages[0] == messages[1]


def test_scheduler_type_errors_and_exports():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        ember.optim.lr_scheduler.StepLR([], step_size=2)
    for name in torch.optim.lr_scheduler.__all__:
        assert hasattr(ember.optim.lr_scheduler, name), name
    assert sorted(ember.optim.lr_scheduler.__all__) == sorted(torch.optim.lr_scheduler.__all__)
    assert issubclass(ember.optim.lr_scheduler.StepLR, ember.optim.lr_scheduler._LRScheduler)


def test_verbose_prints_like_torch(capsys):
    outputs = []
    for lib in (ember, torch):
        opt = lib.optim.SGD(make_params(lib), lr=0.1)
        scheduler = lib.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5, verbose=True)
        opt.step()
        scheduler.step()
        plateau = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, verbose=True)
        plateau.step(1.0)
        plateau.step(2.0)
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] and "Epoch 00002: reducing learning rate of group 0 to 5.0000e-03." in outputs[0]


def test_scheduler_with_ember_training_step():
    """A scheduler drives an optimizer that really updates parameters: after OneCycleLR with Adam the
    weights equal torch's."""
    results = []
    for lib in (ember, torch):
        params = make_params(lib)
        opt = lib.optim.Adam(params, lr=0.01)
        scheduler = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=10)
        for _ in range(10):
            set_grads(opt, params)
            opt.step()
            scheduler.step()
        results.append(params)
    assert_same_params(results[0], results[1], "final")

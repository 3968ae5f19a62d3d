#!/usr/bin/python3
"""Reference numbers for tests/cpp/test_optim.cpp and tests/cpp/test_lr_scheduler.cpp.

Runs torch 1.13's optimizers and schedulers on the same synthetic problems as the C++ tests and
prints the expected values as C++ table rows. With --write, replaces the blocks between
"// BEGIN GENERATED" and "// END GENERATED" in the two test files.

    /usr/bin/python3 tests/reference/optim_reference.py --write
"""
import math
import pathlib
import shutil
import subprocess
import sys

import torch

STEPS = 8


# ---- optimizers ---------------------------------------------------------------------------------
# The problem: two parameters (shapes [2, 3] and [4]) with p[i] = 0.1 * ((7 i) % 11 - 5), and the
# gradient of sum(c * p^2 / 2 + b * p) with c[i] = 0.5 + 0.25 * (i % 4), b[i] = 0.1 * (i % 3) - 0.1,
# i counting elements over both parameters. The C++ test builds the same.
def make_params(dtype):
    values = [0.1 * ((7 * i) % 11 - 5) for i in range(10)]
    p1 = torch.tensor(values[:6], dtype=dtype).reshape(2, 3).requires_grad_()
    p2 = torch.tensor(values[6:], dtype=dtype).requires_grad_()
    return [p1, p2]


def set_grads(params):
    offset = 0
    for p in params:
        n = p.numel()
        c = torch.tensor([0.5 + 0.25 * ((offset + i) % 4) for i in range(n)], dtype=p.dtype)
        b = torch.tensor([0.1 * ((offset + i) % 3) - 0.1 for i in range(n)], dtype=p.dtype)
        p.grad = (c * p.detach().reshape(-1) + b).reshape(p.shape)
        offset += n


O = torch.optim
# (name, C++ expression building the optimizer from `params`, torch constructor)
OPTIMIZER_CASES = [
    ("SGD", "SGD(params, SGDOptions(0.1))", lambda p: O.SGD(p, lr=0.1)),
    ("SGD momentum", "SGD(params, SGDOptions(0.1).momentum(0.9))",
     lambda p: O.SGD(p, lr=0.1, momentum=0.9)),
    ("SGD dampening weight_decay",
     "SGD(params, SGDOptions(0.1).momentum(0.9).dampening(0.3).weight_decay(0.01))",
     lambda p: O.SGD(p, lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD nesterov", "SGD(params, SGDOptions(0.05).momentum(0.8).nesterov(true).weight_decay(0.05))",
     lambda p: O.SGD(p, lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.05)),
    ("SGD maximize", "SGD(params, SGDOptions(0.1).momentum(0.5).maximize(true))",
     lambda p: O.SGD(p, lr=0.1, momentum=0.5, maximize=True)),
    ("SGD param groups",
     "SGD(std::vector<ParamGroup>{ParamGroup({params[0]}), "
     "ParamGroup({params[1]}, SGDOptions(0.01).momentum(0.5))}, SGDOptions(0.1).momentum(0.9))",
     lambda p: O.SGD([{"params": [p[0]]}, {"params": [p[1]], "lr": 0.01, "momentum": 0.5}],
                     lr=0.1, momentum=0.9)),
    ("Adam", "Adam(params, AdamOptions(0.1))", lambda p: O.Adam(p, lr=0.1)),
    ("Adam weight_decay", "Adam(params, AdamOptions(0.1).weight_decay(0.1))",
     lambda p: O.Adam(p, lr=0.1, weight_decay=0.1)),
    ("Adam amsgrad", "Adam(params, AdamOptions(0.1).amsgrad(true))",
     lambda p: O.Adam(p, lr=0.1, amsgrad=True)),
    ("Adam maximize amsgrad betas",
     "Adam(params, AdamOptions(0.05).betas({0.8, 0.9}).amsgrad(true).maximize(true).eps(1e-3))",
     lambda p: O.Adam(p, lr=0.05, betas=(0.8, 0.9), amsgrad=True, maximize=True, eps=1e-3)),
    ("AdamW", "AdamW(params, AdamWOptions(0.1))", lambda p: O.AdamW(p, lr=0.1)),
    ("AdamW amsgrad weight_decay", "AdamW(params, AdamWOptions(0.1).amsgrad(true).weight_decay(0.5))",
     lambda p: O.AdamW(p, lr=0.1, amsgrad=True, weight_decay=0.5)),
    ("AdamW maximize", "AdamW(params, AdamWOptions(0.1).maximize(true))",
     lambda p: O.AdamW(p, lr=0.1, maximize=True)),
    ("RMSprop", "RMSprop(params, RMSpropOptions(0.01))", lambda p: O.RMSprop(p, lr=0.01)),
    ("RMSprop centered", "RMSprop(params, RMSpropOptions(0.01).centered(true))",
     lambda p: O.RMSprop(p, lr=0.01, centered=True)),
    ("RMSprop momentum", "RMSprop(params, RMSpropOptions(0.01).momentum(0.9).alpha(0.9))",
     lambda p: O.RMSprop(p, lr=0.01, momentum=0.9, alpha=0.9)),
    ("RMSprop centered momentum weight_decay maximize",
     "RMSprop(params, RMSpropOptions(0.01).centered(true).momentum(0.5).weight_decay(0.1)"
     ".maximize(true).eps(1e-4))",
     lambda p: O.RMSprop(p, lr=0.01, centered=True, momentum=0.5, weight_decay=0.1,
                         maximize=True, eps=1e-4)),
    ("Adagrad", "Adagrad(params, AdagradOptions(0.1))", lambda p: O.Adagrad(p, lr=0.1)),
    ("Adagrad lr_decay weight_decay initial_accumulator_value",
     "Adagrad(params, AdagradOptions(0.1).lr_decay(0.1).weight_decay(0.1)"
     ".initial_accumulator_value(0.5))",
     lambda p: O.Adagrad(p, lr=0.1, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adagrad maximize", "Adagrad(params, AdagradOptions(0.1).maximize(true).eps(1e-5))",
     lambda p: O.Adagrad(p, lr=0.1, maximize=True, eps=1e-5)),
    ("Adadelta", "Adadelta(params, AdadeltaOptions())", lambda p: O.Adadelta(p)),
    ("Adadelta rho weight_decay",
     "Adadelta(params, AdadeltaOptions(0.5).rho(0.8).weight_decay(0.1).eps(1e-4))",
     lambda p: O.Adadelta(p, lr=0.5, rho=0.8, weight_decay=0.1, eps=1e-4)),
    ("Adadelta maximize", "Adadelta(params, AdadeltaOptions().maximize(true))",
     lambda p: O.Adadelta(p, maximize=True)),
    ("Adamax", "Adamax(params, AdamaxOptions(0.1))", lambda p: O.Adamax(p, lr=0.1)),
    ("Adamax weight_decay betas",
     "Adamax(params, AdamaxOptions(0.1).weight_decay(0.1).betas({0.8, 0.95}))",
     lambda p: O.Adamax(p, lr=0.1, weight_decay=0.1, betas=(0.8, 0.95))),
    ("Adamax maximize", "Adamax(params, AdamaxOptions(0.1).maximize(true))",
     lambda p: O.Adamax(p, lr=0.1, maximize=True)),
    ("NAdam", "NAdam(params, NAdamOptions(0.1))", lambda p: O.NAdam(p, lr=0.1)),
    ("NAdam weight_decay momentum_decay",
     "NAdam(params, NAdamOptions(0.1).weight_decay(0.1).momentum_decay(0.01))",
     lambda p: O.NAdam(p, lr=0.1, weight_decay=0.1, momentum_decay=0.01)),
    # beta2 = 0.9 makes rho_t cross 5 at step 6, so both branches of the rule run.
    ("RAdam", "RAdam(params, RAdamOptions(0.1).betas({0.9, 0.9}))",
     lambda p: O.RAdam(p, lr=0.1, betas=(0.9, 0.9))),
    ("RAdam weight_decay", "RAdam(params, RAdamOptions(0.1).weight_decay(0.1))",
     lambda p: O.RAdam(p, lr=0.1, weight_decay=0.1)),
]


def run_optimizer(factory, dtype):
    params = make_params(dtype)
    optimizer = factory(params)
    for _ in range(STEPS):
        set_grads(params)
        optimizer.step()
    return [v for p in params for v in p.detach().reshape(-1).tolist()]


def fmt(values):
    return ", ".join(repr(float(v)) for v in values)


def cpp_make(cpp):
    """"SGD(params, ...)" -> "std::make_unique<SGD>(params, ...)"."""
    cls, rest = cpp.split("(", 1)
    return "std::make_unique<%s>(%s" % (cls, rest)


def optimizer_rows():
    return ['    {"%s",\n     [](TensorList params) -> std::unique_ptr<Optimizer> {\n'
            '       return %s;\n     },\n     {%s}},'
            % (name, cpp_make(cpp), fmt(run_optimizer(factory, torch.float64)))
            for name, cpp, factory in OPTIMIZER_CASES]


# A few cases again in float32: same rules, float arithmetic.
FLOAT32_CASES = ("SGD momentum", "Adam", "AdamW amsgrad weight_decay", "RMSprop centered", "NAdam")


def float32_rows():
    return ['    {"%s", {%s}},' % (name, fmt(run_optimizer(factory, torch.float32)))
            for name, _, factory in OPTIMIZER_CASES if name in FLOAT32_CASES]


# LBFGS on the 2-D Rosenbrock function from (-1.5, 2), three step() calls; the iterate after each.
def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


LBFGS_CASES = [
    ("LBFGS", "LBFGSOptions(1).max_iter(5).history_size(3)",
     dict(lr=1, max_iter=5, history_size=3)),
    ("LBFGS strong_wolfe", "LBFGSOptions(1).max_iter(10).line_search_fn(\"strong_wolfe\")",
     dict(lr=1, max_iter=10, line_search_fn="strong_wolfe")),
]


def lbfgs_rows():
    rows = []
    for name, cpp, kwargs in LBFGS_CASES:
        x = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
        optimizer = O.LBFGS([x], **kwargs)
        evals = [0]

        def closure():
            optimizer.zero_grad()
            loss = rosenbrock(x)
            loss.backward()
            evals[0] += 1
            return loss

        iterates = []
        for _ in range(3):
            optimizer.step(closure)
            iterates += x.detach().tolist()
        rows.append('    {"%s", %s, {%s}, %d},' % (name, cpp, fmt(iterates), evals[0]))
    return rows


# ---- schedulers ---------------------------------------------------------------------------------
# An SGD (two groups: lr 0.1 and 0.05, momentum 0.9) or Adam optimizer; the lrs of both groups
# (and momentum or beta1 of group 0 where cycled) at construction and after each step.
S = torch.optim.lr_scheduler
PLATEAU_METRICS = [1.0, 0.9, 0.95, 0.93, 0.92, 0.91, 0.95, 0.5, 0.6, 0.55, 0.56, 0.57, 0.58, 0.59,
                   0.6, 0.61]
SCHEDULER_CASES = [
    ("StepLR", "sgd", 12, "make<StepLR>(o, 3, 0.5)", lambda o: S.StepLR(o, 3, 0.5)),
    ("MultiStepLR", "sgd", 12, "make<MultiStepLR>(o, std::vector<int64_t>{5, 2, 5, 9}, 0.3)",
     lambda o: S.MultiStepLR(o, [5, 2, 5, 9], 0.3)),
    ("ExponentialLR", "sgd", 10, "make<ExponentialLR>(o, 0.9)", lambda o: S.ExponentialLR(o, 0.9)),
    ("CosineAnnealingLR", "sgd", 16, "make<CosineAnnealingLR>(o, 5, 0.001)",
     lambda o: S.CosineAnnealingLR(o, 5, 0.001)),
    ("CosineAnnealingWarmRestarts", "sgd", 12, "make<CosineAnnealingWarmRestarts>(o, 4)",
     lambda o: S.CosineAnnealingWarmRestarts(o, 4)),
    ("CosineAnnealingWarmRestarts T_mult", "sgd", 16,
     "make<CosineAnnealingWarmRestarts>(o, 3, 2, 0.01)",
     lambda o: S.CosineAnnealingWarmRestarts(o, 3, 2, 0.01)),
    ("LinearLR", "sgd", 8, "make<LinearLR>(o, 0.25, 1.0, 4)", lambda o: S.LinearLR(o, 0.25, 1.0, 4)),
    ("ConstantLR", "sgd", 6, "make<ConstantLR>(o, 0.5, 3)", lambda o: S.ConstantLR(o, 0.5, 3)),
    ("LambdaLR", "sgd", 6,
     "make<LambdaLR>(o, [](int64_t epoch) { return std::pow(0.95, static_cast<double>(epoch)); })",
     lambda o: S.LambdaLR(o, lambda e: 0.95 ** e)),
    ("PolynomialLR", "sgd", 8, "make<PolynomialLR>(o, 6, 2.0)", lambda o: S.PolynomialLR(o, 6, 2.0)),
    ("OneCycleLR", "sgd", 15, "make<OneCycleLR>(o, OneCycleLROptions({1.0, 0.5}, 15))",
     lambda o: S.OneCycleLR(o, [1.0, 0.5], total_steps=15)),
    ("OneCycleLR three_phase linear", "sgd", 20,
     "make<OneCycleLR>(o, OneCycleLROptions(0.8, 20).three_phase(true).anneal_strategy(\"linear\")"
     ".pct_start(0.25))",
     lambda o: S.OneCycleLR(o, 0.8, total_steps=20, three_phase=True, anneal_strategy="linear",
                            pct_start=0.25)),
    ("OneCycleLR Adam", "adam", 10, "make<OneCycleLR>(o, OneCycleLROptions(0.01, 10))",
     lambda o: S.OneCycleLR(o, 0.01, total_steps=10)),
    ("CyclicLR triangular2", "sgd", 14,
     "make<CyclicLR>(o, CyclicLROptions(0.01, 0.1).step_size_up(3).mode(\"triangular2\"))",
     lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=3, mode="triangular2")),
    ("CyclicLR exp_range", "sgd", 14,
     "make<CyclicLR>(o, CyclicLROptions({0.01, 0.02}, {0.1, 0.2}).step_size_up(2)"
     ".step_size_down(4).mode(\"exp_range\").gamma(0.9).cycle_momentum(false))",
     lambda o: S.CyclicLR(o, [0.01, 0.02], [0.1, 0.2], step_size_up=2, step_size_down=4,
                          mode="exp_range", gamma=0.9, cycle_momentum=False)),
    ("SequentialLR", "sgd", 10,
     "sequential(o, {std::make_shared<ConstantLR>(o, 0.1, 2), "
     "std::make_shared<ExponentialLR>(o, 0.9)}, {3})",
     lambda o: S.SequentialLR(o, [S.ConstantLR(o, 0.1, 2), S.ExponentialLR(o, 0.9)], [3])),
    ("SequentialLR warmup cosine", "sgd", 12,
     "sequential(o, {std::make_shared<LinearLR>(o, 0.1, 1.0, 3), "
     "std::make_shared<CosineAnnealingLR>(o, 6)}, {3})",
     lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.1, 1.0, 3), S.CosineAnnealingLR(o, 6)], [3])),
    ("ChainedScheduler", "sgd", 8,
     "chained({std::make_shared<ConstantLR>(o, 0.1, 3), std::make_shared<ExponentialLR>(o, 0.9)})",
     lambda o: S.ChainedScheduler([S.ConstantLR(o, 0.1, 3), S.ExponentialLR(o, 0.9)])),
    ("ReduceLROnPlateau", "sgd", len(PLATEAU_METRICS),
     "plateau(o, ReduceLROnPlateauOptions().patience(2).factor(0.5).cooldown(1).threshold(0.01)"
     ".min_lr({0.02, 0.0}))",
     lambda o: S.ReduceLROnPlateau(o, patience=2, factor=0.5, cooldown=1, threshold=0.01,
                                   min_lr=[0.02, 0.0])),
    ("ReduceLROnPlateau max abs", "sgd", len(PLATEAU_METRICS),
     "plateau(o, ReduceLROnPlateauOptions().mode(\"max\").threshold_mode(\"abs\").patience(1)"
     ".threshold(0.02))",
     lambda o: S.ReduceLROnPlateau(o, mode="max", threshold_mode="abs", patience=1,
                                   threshold=0.02)),
]


def scheduler_optimizer(kind):
    a, b = torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
    if kind == "adam":
        return O.Adam([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1)
    return O.SGD([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1, momentum=0.9)


def momentum_of(group):
    return group["betas"][0] if "betas" in group else group["momentum"]


def scheduler_rows():
    rows = []
    import warnings
    warnings.simplefilter("ignore")
    for name, kind, steps, cpp, factory in SCHEDULER_CASES:
        optimizer = scheduler_optimizer(kind)
        scheduler = factory(optimizer)
        lrs, momenta = [], []

        def record():
            lrs.extend(g["lr"] for g in optimizer.param_groups)
            momenta.append(momentum_of(optimizer.param_groups[0]))

        record()
        for step in range(steps):
            optimizer.step()
            if isinstance(scheduler, S.ReduceLROnPlateau):
                scheduler.step(PLATEAU_METRICS[step])
            else:
                scheduler.step()
            record()
        rows.append('    {"%s", %s, %d,\n     [](Optimizer &o) { return %s; },\n     {%s},\n     {%s}},'
                    % (name, "true" if kind == "adam" else "false", steps, cpp, fmt(lrs),
                       fmt(momenta)))
    return rows


def replace_block(path, tag, rows):
    text = path.read_text()
    begin = text.index("// BEGIN GENERATED " + tag)
    begin = text.index("\n", begin) + 1
    end = text.index("// END GENERATED", begin)
    end = text.rindex("\n", 0, end) + 1
    path.write_text(text[:begin] + "\n".join(rows) + "\n" + text[end:])


def main():
    blocks = [("test_optim.cpp", "optimizers", optimizer_rows()),
              ("test_optim.cpp", "float32", float32_rows()),
              ("test_optim.cpp", "lbfgs", lbfgs_rows()),
              ("test_lr_scheduler.cpp", "schedulers", scheduler_rows())]
    root = pathlib.Path(__file__).resolve().parents[2] / "tests" / "cpp"
    for file, tag, rows in blocks:
        if "--write" in sys.argv:
            replace_block(root / file, tag, rows)
        else:
            print("// %s: %s" % (file, tag))
            print("\n".join(rows))
    if "--write" in sys.argv and shutil.which("clang-format"):
        subprocess.run(["clang-format", "-i", str(root / "test_optim.cpp"),
                        str(root / "test_lr_scheduler.cpp")], check=True)


if __name__ == "__main__":
    main()

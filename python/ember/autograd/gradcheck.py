"""gradcheck / gradgradcheck: analytical against finite-difference Jacobians, run by the C++
checker on a Python function of tensors."""
from .. import _C


class GradcheckError(RuntimeError):
    pass


def _check(checker, func, inputs, eps, atol, rtol, raise_exception):
    inputs = (inputs,) if isinstance(inputs, _C.Tensor) else tuple(inputs)
    try:
        return checker(lambda *args: func(*args), list(inputs), eps, atol, rtol)
    except RuntimeError as error:
        if raise_exception:
            raise GradcheckError(str(error)) from None
        return False


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **unused):
    return _check(_C._gradcheck, func, inputs, eps, atol, rtol, raise_exception)


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, **unused):
    return _check(_C._gradgradcheck, func, inputs, eps, atol, rtol, raise_exception)

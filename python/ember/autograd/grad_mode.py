"""Grad mode switches, usable as context managers and as decorators (as torch's)."""
import functools

from .. import _C


class _GradModeGuard:
    """Sets grad mode on entry and restores the previous mode on exit."""

    _mode = True

    def __enter__(self):
        self._previous = _C.is_grad_enabled()
        _C._set_grad_enabled(self._mode)
        return self

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._previous)
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return function(*args, **kwargs)

        return wrapper


class no_grad(_GradModeGuard):
    _mode = False


class enable_grad(_GradModeGuard):
    _mode = True


class inference_mode(_GradModeGuard):
    """ember has no separate inference tensors: this is no_grad (or nothing with mode=False)."""

    def __init__(self, mode=True):
        self._mode = not mode


class set_grad_enabled(_GradModeGuard):
    """Sets the mode at once (as a function call) and restores it when used with `with`."""

    def __init__(self, mode):
        self._previous = _C.is_grad_enabled()
        self._mode = bool(mode)
        _C._set_grad_enabled(self._mode)

    def __enter__(self):
        return self

    def __call__(self, function):
        _C._set_grad_enabled(self._previous)

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(self._mode):
                return function(*args, **kwargs)

        return wrapper


def is_grad_enabled():
    return _C.is_grad_enabled()

"""Anomaly detection: backward names the node that produced a NaN or infinite gradient."""
from .. import _C


class detect_anomaly:
    def __init__(self, check_nan=True):
        self._mode = check_nan

    def __enter__(self):
        self._previous = _C.is_anomaly_enabled()
        _C._set_detect_anomaly(self._mode)
        return self

    def __exit__(self, *exc):
        _C._set_detect_anomaly(self._previous)
        return False


class set_detect_anomaly(detect_anomaly):
    def __init__(self, mode):
        super().__init__(mode)
        self._previous = _C.is_anomaly_enabled()
        _C._set_detect_anomaly(mode)

    def __enter__(self):
        return self

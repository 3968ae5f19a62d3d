"""ember.cuda: ember runs on the CPU (an OpenCL backend is planned), so torch code that asks
whether CUDA is there gets "no" and stays on the CPU."""


def is_available():
    return False


def device_count():
    return 0

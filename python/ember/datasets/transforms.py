"""The image transforms of torchvision.transforms that MNIST-style training uses, over tensors:
ToTensor (uint8 [H, W] or [H, W, C] -> float [C, H, W] in [0, 1]), Normalize, Compose, Lambda."""
from .. import _C


class Compose:
    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, image):
        for t in self.transforms:
            image = t(image)
        return image


class ToTensor:
    def __call__(self, image):
        if not isinstance(image, _C.Tensor):
            image = _C.from_numpy(image)
        if image.dim() == 2:
            image = image.unsqueeze(0)
        elif image.dim() == 3:
            image = image.permute(2, 0, 1)
        else:
            raise ValueError(f"ToTensor: expected an image [H, W] or [H, W, C], got shape {list(image.shape)}")
        return image.float().div(255) if image.dtype == _C.dtype.uint8 else image.float()


class Normalize:
    def __init__(self, mean, std, inplace=False):
        self.mean, self.std, self.inplace = list(mean), list(std), inplace

    def __call__(self, tensor):
        mean = _C._tensor(self.mean, dtype=tensor.dtype).reshape(-1, 1, 1)
        std = _C._tensor(self.std, dtype=tensor.dtype).reshape(-1, 1, 1)
        if self.inplace:
            return tensor.sub_(mean).div_(std)
        return (tensor - mean) / std


class Lambda:
    def __init__(self, lambd):
        self.lambd = lambd

    def __call__(self, image):
        return self.lambd(image)

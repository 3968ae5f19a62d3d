"""MNIST and FashionMNIST as torchvision.datasets': .data (uint8 [N, 28, 28]), .targets (int64
[N]), .classes, and (image, label) samples, the image a uint8 [28, 28] tensor (torchvision's PIL
image) passed through transform. The IDX files are read in C++ (ember::data::MNIST)."""
from .. import _C
from ..utils.data import Dataset


class MNIST(Dataset):
    _fashion = False

    def __init__(self, root=None, train=True, transform=None, target_transform=None, download=False):
        if root is None:
            root = _C._data.FASHION_MNIST_ROOT
        if download:
            raise RuntimeError(f"{type(self).__name__}: ember does not download datasets; expected the IDX files "
                               f"in {root} (Debian's dataset-fashion-mnist installs Fashion-MNIST there)")
        self.root, self.train, self.transform, self.target_transform = root, train, transform, target_transform
        self.data, self.targets, self.classes = _C._data.read_mnist(root, train, self._fashion)
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}

    def __getitem__(self, index):
        image, target = self.data[index], int(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __len__(self):
        return self.data.shape[0]

    def __getattr__(self, name):
        # Without transforms, the DataLoader gathers a whole batch with one op per tensor.
        if name == "_get_batch" and self.__dict__.get("transform") is None \
                and self.__dict__.get("target_transform") is None:
            def get_batch(indices):
                index = _C._tensor(list(indices), dtype=_C.dtype.int64)
                return [self.data.index_select(0, index), self.targets.index_select(0, index)]
            return get_batch
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}"

    def __repr__(self):
        return (f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n    Root location: "
                f"{self.root}\n    {self.extra_repr()}")


class FashionMNIST(MNIST):
    _fashion = True

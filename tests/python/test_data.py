"""ember.utils.data against torch.utils.data: the same batches (in the same order for the
deterministic samplers), collation of nested samples, drop_last, batch_size=None, samplers,
random_split, ConcatDataset, worker threads, and ember.datasets.FashionMNIST."""
import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import ember
import ember.utils.data as data
from conftest import assert_close, to_torch


class Squares(data.Dataset):
    """A Python dataset of nested samples: (tensor, float, int, str, dict)."""

    def __len__(self):
        return 10

    def __getitem__(self, i):
        return ember.full((2,), float(i)), i * 0.5, i, f"s{i}", {"sq": i * i}


class TorchSquares(tdata.Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        return torch.full((2,), float(i)), i * 0.5, i, f"s{i}", {"sq": i * i}


def assert_same_batch(ours, theirs):
    if isinstance(theirs, torch.Tensor):
        assert_close(ours, theirs, atol=0, rtol=0)
    elif isinstance(theirs, dict):
        assert ours.keys() == theirs.keys()
        for key in theirs:
            assert_same_batch(ours[key], theirs[key])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same_batch(a, b)
    else:
        assert ours == theirs


@pytest.mark.parametrize("batch_size,drop_last,num_workers", [(3, False, 0), (3, True, 0), (4, False, 2)])
def test_sequential_batches_of_a_python_dataset_match_torch(batch_size, drop_last, num_workers):
    ours = data.DataLoader(Squares(), batch_size=batch_size, drop_last=drop_last, num_workers=num_workers)
    theirs = tdata.DataLoader(TorchSquares(), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    batches = list(ours)
    assert len(batches) == len(theirs)
    for a, b in zip(batches, theirs):
        assert_same_batch(a, b)


def test_batch_size_none_collate_fn_and_batch_sampler():
    loader = data.DataLoader(Squares(), batch_size=None)
    assert len(loader) == 10 and list(loader)[3][2] == 3
    sizes = [len(b) for b in data.DataLoader(Squares(), batch_size=4, collate_fn=lambda b: b)]
    assert sizes == [4, 4, 2]
    sampler = data.BatchSampler(data.SequentialSampler(range(10)), 3, drop_last=True)
    assert list(sampler) == list(tdata.BatchSampler(tdata.SequentialSampler(range(10)), 3, True))
    loader = data.DataLoader(Squares(), batch_sampler=[[0, 9], [1]])
    assert [b[2].tolist() for b in loader] == [[0, 9], [1]]
    with pytest.raises(ValueError, match="mutually exclusive"):
        data.DataLoader(Squares(), batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="mutually exclusive"):
        data.DataLoader(Squares(), sampler=[0, 1], shuffle=True)


def test_tensor_dataset_fast_path_and_shuffle_is_a_permutation_repeatable_with_a_generator():
    x, y = ember.arange(20).reshape(10, 2).float(), ember.arange(10)
    dataset = data.TensorDataset(x, y)
    assert len(dataset) == 10 and dataset[3][1].item() == 3
    batches = list(data.DataLoader(dataset, batch_size=4))
    assert isinstance(batches[0], list) and [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert ember.equal(batches[0][0], x[:4])

    def epoch(seed, workers=0):
        loader = data.DataLoader(dataset, batch_size=3, shuffle=True, num_workers=workers,
                                 generator=ember.Generator().manual_seed(seed))
        return [i for _, labels in loader for i in labels.tolist()]

    assert sorted(epoch(1)) == list(range(10))
    assert epoch(1) == epoch(1) == epoch(1, workers=2)
    assert epoch(1) != epoch(2)
    ember.manual_seed(5)
    first = [b[1].tolist() for b in data.DataLoader(dataset, batch_size=3, shuffle=True)]
    ember.manual_seed(5)
    assert first == [b[1].tolist() for b in data.DataLoader(dataset, batch_size=3, shuffle=True)]
    with pytest.raises(ValueError, match="Size mismatch"):
        data.TensorDataset(x, ember.arange(3))


def test_iterable_dataset_batches_as_torch():
    class Stream(data.IterableDataset):
        def __iter__(self):
            return iter(range(7))

    class TorchStream(tdata.IterableDataset):
        def __iter__(self):
            return iter(range(7))

    for drop_last in (False, True):
        ours = [b.tolist() for b in data.DataLoader(Stream(), batch_size=3, drop_last=drop_last)]
        assert ours == [b.tolist() for b in tdata.DataLoader(TorchStream(), batch_size=3, drop_last=drop_last)]
    with pytest.raises(ValueError, match="shuffle"):
        data.DataLoader(Stream(), shuffle=True)
    assert list(data.ChainDataset([Stream(), Stream()])) == list(range(7)) * 2


def sharded(base, get_worker_info):
    """range(11) split between the workers by get_worker_info(), as torch's documentation does."""

    class Sharded(base):
        def __iter__(self):
            worker = get_worker_info()
            if worker is None:
                return iter(range(11))
            per_worker = -(-11 // worker.num_workers)
            return iter(range(worker.id * per_worker, min(11, (worker.id + 1) * per_worker)))

    return Sharded()


def test_iterable_dataset_with_worker_threads_batches_in_turn_as_torch():
    ours = [b.tolist() for b in data.DataLoader(sharded(data.IterableDataset, data.get_worker_info), batch_size=2,
                                                 num_workers=2)]
    theirs = [b.tolist() for b in tdata.DataLoader(sharded(tdata.IterableDataset, tdata.get_worker_info), batch_size=2,
                                                    num_workers=2)]
    assert ours == theirs == [[0, 1], [6, 7], [2, 3], [8, 9], [4, 5], [10]]

    class Failing(data.IterableDataset):
        def __iter__(self):
            yield 1
            raise ValueError("stream broke")

    with pytest.raises(ValueError, match="stream broke"):
        list(data.DataLoader(Failing(), batch_size=4, num_workers=2))


def test_subset_concat_and_random_split():
    dataset = data.TensorDataset(ember.arange(10))
    sub = data.Subset(dataset, [7, 2, 5])
    assert [int(s[0]) for s in sub] == [7, 2, 5]
    assert [b[0].tolist() for b in data.DataLoader(sub, batch_size=2)] == [[7, 2], [5]]
    both = data.ConcatDataset([sub, data.Subset(dataset, [0, 1])])
    assert len(both) == 5 and both.cumulative_sizes == [3, 5]
    assert [int(both[i][0]) for i in range(-5, 5)] == [7, 2, 5, 0, 1] * 2
    assert len(dataset + dataset) == 20
    parts = data.random_split(dataset, [3, 7], generator=ember.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(int(p[i][0]) for p in parts for i in range(len(p))) == list(range(10))
    assert [len(p) for p in data.random_split(range(10), [0.5, 0.3, 0.2])] == \
        [len(p) for p in tdata.random_split(range(10), [0.5, 0.3, 0.2])]
    again = data.random_split(dataset, [3, 7], generator=ember.Generator().manual_seed(0))
    assert parts[0].indices == again[0].indices
    with pytest.raises(ValueError, match="Sum of input lengths"):
        data.random_split(dataset, [3, 3])


def test_samplers():
    generator = ember.Generator().manual_seed(3)
    draws = list(data.RandomSampler(range(5), replacement=True, num_samples=50, generator=generator))
    assert len(draws) == 50 and set(draws) <= set(range(5))
    # As torch: whole permutations, then part of one.
    counts = sorted(collections.Counter(data.RandomSampler(range(5), num_samples=12)).values())
    assert counts == [2, 2, 2, 3, 3]
    assert sorted(data.SubsetRandomSampler([4, 8, 15])) == [4, 8, 15]
    weighted = list(data.WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 400, generator=ember.Generator().manual_seed(1)))
    counts = collections.Counter(weighted)
    assert set(counts) == {1, 3} and 50 < counts[1] < 150
    assert sorted(data.WeightedRandomSampler([1, 1, 0, 1], 3, replacement=False)) == [0, 1, 3]
    with pytest.raises(ValueError, match="num_samples"):
        data.RandomSampler(range(5), num_samples=0)


def test_worker_threads_keep_order_report_worker_info_and_propagate_errors():
    seen = set()

    class Tagged(data.Dataset):
        def __len__(self):
            return 12

        def __getitem__(self, i):
            info = data.get_worker_info()
            seen.add(info.id)
            assert info.num_workers == 3
            if i == 11:
                raise KeyError("sample 11 is broken")
            return i

    started = []
    loader = data.DataLoader(Tagged(), batch_size=2, num_workers=3, worker_init_fn=started.append)
    iterator = iter(loader)
    assert [next(iterator).tolist() for _ in range(5)] == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]
    with pytest.raises(KeyError, match="sample 11"):
        next(iterator)
    assert seen <= {0, 1, 2} and sorted(started) == sorted(set(started))
    assert data.get_worker_info() is None


def test_default_collate_numpy_and_named_tuples():
    Point = collections.namedtuple("Point", "x y")
    batch = data.default_collate([Point(np.ones(2, np.float32), 1), Point(np.zeros(2, np.float32), 2)])
    expected = tdata.default_collate([Point(np.ones(2, np.float32), 1), Point(np.zeros(2, np.float32), 2)])
    assert isinstance(batch, Point)
    assert_close(batch.x, expected.x, atol=0)
    assert_close(batch.y, expected.y, atol=0)


def test_fashion_mnist_reader_and_loader():
    from ember.datasets import FashionMNIST, transforms
    test = FashionMNIST(train=False)
    assert len(test) == 10000 and tuple(test.data.shape) == (10000, 28, 28) and test.data.dtype == ember.uint8
    assert test.classes[0] == "T-shirt/top" and test.targets[:5].tolist() == [9, 2, 1, 1, 6]
    image, label = test[0]
    assert tuple(image.shape) == (28, 28) and label == 9
    normalized = FashionMNIST(train=False, transform=transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))]))
    x, _ = normalized[0]
    assert tuple(x.shape) == (1, 28, 28)
    assert_close(x, ((to_torch(image).float() / 255 - 0.5) / 0.5).unsqueeze(0))
    images, labels = next(iter(data.DataLoader(test, batch_size=8)))
    assert tuple(images.shape) == (8, 28, 28) and labels.tolist() == test.targets[:8].tolist()
    images, labels = next(iter(data.DataLoader(normalized, batch_size=8)))
    assert tuple(images.shape) == (8, 1, 28, 28) and labels.dtype == ember.int64
    with pytest.raises(RuntimeError, match="does not download"):
        FashionMNIST("/nonexistent", download=True)
    with pytest.raises(RuntimeError):
        FashionMNIST("/nonexistent")

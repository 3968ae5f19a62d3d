"""Samplers as torch.utils.data's: each yields dataset indices (BatchSampler yields lists of
them). Random ones draw from an ember.Generator, or from a seed taken from the default generator
at every new epoch, so ember.manual_seed makes a whole run repeatable."""
import bisect
import itertools

from ... import _C


def _draw_permutation(n, generator):
    if generator is None:
        generator = _C.Generator()
        generator.manual_seed(int(_C.randint(0, 2 ** 62, (1,)).item()))
    # Sorting float64 uniforms gives a uniform permutation (ties have probability ~n^2 / 2^53).
    return _C.rand(n, generator=generator, dtype=_C.dtype.float64).argsort().tolist()


class Sampler:
    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source, self.replacement, self._num_samples, self.generator = (
            data_source, replacement, num_samples, generator)
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        if self.replacement:
            draws = _C.rand(self.num_samples, generator=self.generator or _C.default_generator, dtype=_C.dtype.float64)
            yield from (draws * n).floor().clamp(max=n - 1).long().tolist()
            return
        for _ in range(self.num_samples // n):
            yield from _draw_permutation(n, self.generator)
        yield from _draw_permutation(n, self.generator)[:self.num_samples % n]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    def __init__(self, indices, generator=None):
        self.indices, self.generator = indices, generator

    def __iter__(self):
        for i in _draw_permutation(len(self.indices), self.generator):
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        self.weights = weights if isinstance(weights, _C.Tensor) else _C._tensor(list(weights))
        self.weights = self.weights.double()
        self.num_samples, self.replacement, self.generator = num_samples, replacement, generator

    def __iter__(self):
        if not self.replacement:
            # Without replacement: the C++ multinomial, which draws from the default generator.
            yield from _C.multinomial(self.weights, self.num_samples, False).tolist()
            return
        cumulative = self.weights.cumsum(0)
        total = cumulative[-1].item()
        draws = _C.rand(self.num_samples, generator=self.generator or _C.default_generator, dtype=_C.dtype.float64)
        bounds = cumulative.tolist()
        last = len(bounds) - 1
        for u in draws.tolist():
            yield min(bisect.bisect_right(bounds, u * total), last)

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self):
        # islice gathers each batch in C rather than one append per index in Python.
        indices = iter(self.sampler)
        while batch := list(itertools.islice(indices, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size

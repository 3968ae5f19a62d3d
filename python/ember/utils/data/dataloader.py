"""DataLoader as torch.utils.data's: batches of a map-style or iterable dataset from a sampler,
collated by default_collate, with num_workers worker *threads* (not processes: the work is in C++,
and Python datasets run under the GIL). For map-style datasets the workers prefetch batches in the
sampler's order, so results are the same for any num_workers; iterable datasets are iterated by
every worker, in turn, as torch's. Map-style datasets with a batched fetch (TensorDataset, Subset of one,
ember.datasets.MNIST without transforms) gather a whole batch with one indexing op per tensor."""
import collections.abc
import itertools
import threading

from ... import _C
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

_worker_info = threading.local()


class WorkerInfo:
    def __init__(self, id, num_workers, seed, dataset):
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset

    def __repr__(self):
        return f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed})"


def get_worker_info():
    """The WorkerInfo of the calling worker thread, None in the main thread."""
    return getattr(_worker_info, "info", None)


def default_convert(data):
    if isinstance(data, _C.Tensor):
        return data
    if type(data).__module__ == "numpy" and hasattr(data, "dtype") and getattr(data, "ndim", 0) > 0:
        return _C.from_numpy(data)
    if isinstance(data, collections.abc.Mapping):
        return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return [default_convert(d) for d in data]
    return data


def default_collate(batch):
    """Stacks tensors (and NumPy arrays), turns numbers into tensors (float64 for floats, int64 for
    ints), keeps strings as lists and recurses into mappings, named tuples and sequences."""
    elem = batch[0]
    if isinstance(elem, _C.Tensor):
        return _C.stack(list(batch), 0)
    if type(elem).__module__ == "numpy" and type(elem).__name__ not in ("str_", "string_"):
        if type(elem).__name__ in ("ndarray", "memmap"):
            return default_collate([_C.from_numpy(b) for b in batch])
        return _C._tensor([b.item() for b in batch])
    if isinstance(elem, bool):
        return _C._tensor(list(batch))
    if isinstance(elem, float):
        return _C._tensor(list(batch), dtype=_C.dtype.float64)
    if isinstance(elem, int):
        return _C._tensor(list(batch), dtype=_C.dtype.int64)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(b) != len(elem) for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(samples) for samples in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                    f"found {type(elem)}")


class DataLoader:
    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=2, persistent_workers=False,
                 pin_memory_device=""):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        self.dataset, self.num_workers, self.prefetch_factor = dataset, num_workers, prefetch_factor
        self.worker_init_fn, self.generator, self.timeout = worker_init_fn, generator, timeout
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, "
                                 f"but got shuffle={shuffle}")
            if sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler and batch_sampler")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")
        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size, self.drop_last = batch_size, drop_last
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self._auto_collation = batch_sampler is not None or (self._iterable and batch_size is not None)
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    def __len__(self):
        if self._iterable:
            length = len(self.dataset)
            if self.batch_size is None:
                return length
            return length // self.batch_size if self.drop_last else -(-length // self.batch_size)
        return len(self.batch_sampler if self._auto_collation else self.sampler)

    def _fetch(self, indices):
        if self._auto_collation:
            batched = getattr(self.dataset, "_get_batch", None)
            if batched is not None and self.collate_fn is default_collate:
                return batched(indices)
            return self.collate_fn([self.dataset[i] for i in indices])
        return self.collate_fn(self.dataset[indices])

    def _iter_iterable(self):
        samples = iter(self.dataset)
        if self.batch_size is None:
            yield from (self.collate_fn(s) for s in samples)
            return
        while True:
            batch = list(itertools.islice(samples, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield self.collate_fn(batch)

    def __iter__(self):
        if self._iterable:
            return self._iter_iterable() if self.num_workers == 0 else self._iter_iterable_workers()
        keys = iter(self.batch_sampler if self._auto_collation else self.sampler)
        if self.num_workers == 0:
            return (self._fetch(key) for key in keys)
        return self._iter_workers(keys)

    def _start_worker(self, worker_id, seed):
        _worker_info.info = WorkerInfo(worker_id, self.num_workers, seed + worker_id, self.dataset)
        if self.worker_init_fn is not None:
            self.worker_init_fn(worker_id)

    def _iter_workers(self, keys):
        """Batches fetched by a pool of threads, yielded in the sampler's order."""
        from concurrent.futures import ThreadPoolExecutor  # only loaders with workers pay its import

        seed = int(_C.randint(0, 2 ** 62, (1,)).item())
        ids = itertools.count()
        window = max(1, self.num_workers * self.prefetch_factor)
        with ThreadPoolExecutor(self.num_workers, thread_name_prefix="ember-data",
                                initializer=lambda: self._start_worker(next(ids), seed)) as pool:
            pending = collections.deque(pool.submit(self._fetch, key) for key in itertools.islice(keys, window))
            try:
                while pending:
                    result = pending.popleft().result(timeout=self.timeout or None)
                    for key in itertools.islice(keys, 1):
                        pending.append(pool.submit(self._fetch, key))
                    yield result
            finally:
                for future in pending:
                    future.cancel()

    def _iter_iterable_workers(self):
        """As torch: every worker iterates its own copy of the dataset (which shards itself with
        get_worker_info()), and batches come from the workers in turn, an exhausted worker leaving
        the rotation."""
        import queue

        seed = int(_C.randint(0, 2 ** 62, (1,)).item())
        stop, end = threading.Event(), object()
        queues = [queue.Queue(maxsize=max(1, self.prefetch_factor)) for _ in range(self.num_workers)]

        def put(worker_id, item):
            while not stop.is_set():
                try:
                    queues[worker_id].put(item, timeout=0.05)
                    return True
                except queue.Full:
                    continue
            return False

        def work(worker_id):
            try:
                self._start_worker(worker_id, seed)
                for batch in self._iter_iterable():
                    if not put(worker_id, (None, batch)):
                        return
                put(worker_id, (None, end))
            except BaseException as error:  # re-raised in the consuming thread
                put(worker_id, (error, None))

        workers = [threading.Thread(target=work, args=(i,), name=f"ember-data-{i}", daemon=True)
                   for i in range(self.num_workers)]
        for worker in workers:
            worker.start()
        try:
            active = list(range(self.num_workers))
            while active:
                for worker_id in list(active):
                    try:
                        error, batch = queues[worker_id].get(timeout=self.timeout or None)
                    except queue.Empty:
                        raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds") from None
                    if error is not None:
                        raise error
                    if batch is end:
                        active.remove(worker_id)
                    else:
                        yield batch
        finally:
            stop.set()

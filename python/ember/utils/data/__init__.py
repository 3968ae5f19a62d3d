"""ember.utils.data: datasets, samplers and the DataLoader, with torch.utils.data's API."""
from .dataset import (  # noqa: F401
    Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, ChainDataset, random_split,
)
from .sampler import (  # noqa: F401
    Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler, BatchSampler,
)
from .dataloader import DataLoader, default_collate, get_worker_info  # noqa: F401

#!/usr/bin/python3
"""The PyTorch twin of tools/ember-train for side-by-side speed and memory measurements.

Same data (the MNIST-format files of --data-dir, normalized the same way), same models (mlp and
cnn, layer for layer), same optimizer (Adam), same batch size, the way a PyTorch user writes it:
a TensorDataset in a DataLoader with shuffling. Prints one JSON line per epoch with the training
samples/s (evaluation excluded) and the seconds spent waiting for the loader.

With --library ember the same script runs on ember's Python package (`import ember as torch`):
the Python training loop that issue 5 compares with ember-train.

    OMP_NUM_THREADS=1 /usr/bin/python3 bench/train_torch.py --model cnn --epochs 1 --threads 1
    PYTHONPATH=build/python /usr/bin/python3 bench/train_torch.py --library ember --threads 1
"""
import argparse
import gzip
import importlib
import json
import os
import sys
import time

import numpy as np

# The library is chosen before anything imports it, so the code below is plain torch code.
LIBRARY = sys.argv[sys.argv.index("--library") + 1] if "--library" in sys.argv else "torch"
torch = importlib.import_module(LIBRARY)
nn = torch.nn

PIXEL_MEAN, PIXEL_STD = 0.2860, 0.3530


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(data_dir, split):
    def find(name):
        path = os.path.join(data_dir, name)
        return path if os.path.exists(path) else path + ".gz"

    images = read_idx(find(f"{split}-images-idx3-ubyte"))
    labels = read_idx(find(f"{split}-labels-idx1-ubyte"))
    x = (torch.from_numpy(images.astype(np.float32)) / 255.0 - PIXEL_MEAN) / PIXEL_STD
    return x.unsqueeze(1).contiguous(), torch.from_numpy(labels.astype(np.int64))


def make_model(name):
    if name == "mlp":
        return nn.Sequential(
            nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
            nn.Linear(128, 10),
        )
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--library", choices=["torch", "ember"], default="torch")
    parser.add_argument("--model", choices=["mlp", "cnn"], default="cnn")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit-train", type=int, default=0)
    parser.add_argument("--workers", type=int, default=0, help="DataLoader num_workers")
    parser.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x, y = load(args.data_dir, "train")
    if args.limit_train:
        x, y = x[: args.limit_train], y[: args.limit_train]
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y), batch_size=args.batch_size, shuffle=True,
        num_workers=args.workers,
    )
    model = make_model(args.model)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(1, args.epochs + 1):
        model.train()
        samples, waited, loss_sum, correct = 0, 0.0, 0.0, 0
        start = time.perf_counter()
        batches = iter(loader)
        while True:
            fetch = time.perf_counter()
            batch = next(batches, None)
            waited += time.perf_counter() - fetch
            if batch is None:
                break
            images, labels = batch
            optimizer.zero_grad()
            logits = model(images)
            loss = loss_fn(logits, labels)
            loss.backward()
            optimizer.step()
            # The running loss and accuracy ember-train shows.
            loss_sum += loss.item() * labels.shape[0]
            correct += (logits.argmax(1) == labels).sum().item()
            samples += labels.shape[0]
        seconds = time.perf_counter() - start
        print(json.dumps({"epoch": epoch, "samples_per_second": samples / seconds,
                          "seconds": seconds, "data_wait_seconds": waited,
                          "train_loss": loss_sum / samples, "train_accuracy": correct / samples}),
              flush=True)


if __name__ == "__main__":
    main()

"""The training loop of examples/python/fashion_mnist.py (tools/ember-train's CNN, Adam, batch 64)
in ember and in PyTorch on the same data in the same run: samples/s of each.

    PYTHONPATH=build/python /usr/bin/python3 python/benchmarks/fashion_mnist_loop.py [--samples N]

Both use all cores by default (--threads to set). The data is the normalized Fashion-MNIST
training set held in memory; each library shuffles and gathers its own batches."""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python"))

import ember  # noqa: E402
import torch  # noqa: E402
import fashion_mnist  # noqa: E402


def torch_cnn():
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10))


def run(lib, model, loader, warmup):
    F = lib.nn.functional
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    count, start = 0, None
    for step, (images, labels) in enumerate(loader):
        if step == warmup:
            count, start = 0, time.perf_counter()
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        loss.item()
        count += labels.shape[0]
    return count / (time.perf_counter() - start), loss.item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=6400)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--warmup", type=int, default=5, help="batches not timed")
    args = parser.parse_args()
    if args.threads:
        ember.set_num_threads(args.threads)
        torch.set_num_threads(args.threads)
    print(f"threads: ember {ember.get_num_threads()}, torch {torch.get_num_threads()}; "
          f"{args.samples} samples, batch {args.batch_size}")
    dataset = fashion_mnist.normalized(ember.datasets.FashionMNIST(train=True), args.samples)
    ember.manual_seed(0)
    torch.manual_seed(0)
    images, labels = dataset.tensors
    torch_set = torch.utils.data.TensorDataset(torch.from_numpy(images.numpy().copy()),
                                               torch.from_numpy(labels.numpy().copy()))
    results = {}
    results["ember"] = run(ember, fashion_mnist.cnn(),
                           ember.utils.data.DataLoader(dataset, batch_size=args.batch_size, shuffle=True),
                           args.warmup)
    results["torch"] = run(torch, torch_cnn(),
                           torch.utils.data.DataLoader(torch_set, batch_size=args.batch_size, shuffle=True),
                           args.warmup)
    for name, (rate, loss) in results.items():
        print(f"{name:6s} {rate:8.0f} samples/s   (last loss {loss:.3f})")
    print(f"ember / torch: {results['ember'][0] / results['torch'][0]:.2f}")


if __name__ == "__main__":
    main()

"""Trains tools/ember-train's CNN on Fashion-MNIST with ember's Python API (written as a PyTorch
script would be), with a tqdm progress bar, and plots the loss and accuracy curves with
matplotlib.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/fashion_mnist.py            # 5 epochs
    PYTHONPATH=build/python /usr/bin/python3 examples/python/fashion_mnist.py --quick    # seconds

Fashion-MNIST comes from Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)."""
import argparse
import os
import time

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.datasets import FashionMNIST
from ember.utils.data import DataLoader, TensorDataset

# Fashion-MNIST's training-set pixel mean and standard deviation (of values in [0, 1]).
PIXEL_MEAN, PIXEL_STD = 0.2860, 0.3530


def cnn():
    """tools/ember-train's cnn: 2 x (conv3x3 + BN + ReLU + max pool), then Linear-ReLU-Dropout-Linear."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),  # 32 x 14 x 14
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),  # 64 x 7 x 7
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10))


def normalized(split, limit):
    """The split as a TensorDataset of normalized float images [N, 1, 28, 28] and labels: the
    DataLoader then gathers each batch with one op per tensor instead of one call per sample."""
    images, labels = split.data, split.targets
    if limit:
        images, labels = images[:limit], labels[:limit]
    images = images.float().div_(255).sub_(PIXEL_MEAN).div_(PIXEL_STD).unsqueeze(1)
    return TensorDataset(images, labels)


def evaluate(model, loader):
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with ember.no_grad():
        for images, labels in loader:
            logits = model(images)
            total_loss += F.cross_entropy(logits, labels, reduction="sum").item()
            correct += (logits.argmax(1) == labels).sum().item()
            count += labels.shape[0]
    return total_loss / count, correct / count


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--workers", type=int, default=1, help="data loader threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit-train", type=int, default=0, help="train on the first N samples (0: all)")
    parser.add_argument("--limit-test", type=int, default=0, help="evaluate on the first N samples (0: all)")
    parser.add_argument("--data-dir", default=None, help="MNIST-format files (default: Debian's Fashion-MNIST)")
    parser.add_argument("--output-dir", default="runs/python-fashion-mnist")
    parser.add_argument("--quick", action="store_true", help="1 epoch on 2048 training and 1024 test samples")
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.limit_train, args.limit_test = 1, args.limit_train or 2048, args.limit_test or 1024
    return args


def plot(history, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    epochs = [row["epoch"] for row in history]
    figure, (loss_axes, accuracy_axes) = plt.subplots(1, 2, figsize=(10, 4))
    loss_axes.plot(epochs, [row["train_loss"] for row in history], marker="o", label="train")
    loss_axes.plot(epochs, [row["test_loss"] for row in history], marker="o", label="test")
    loss_axes.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    accuracy_axes.plot(epochs, [100 * row["train_accuracy"] for row in history], marker="o", label="train")
    accuracy_axes.plot(epochs, [100 * row["test_accuracy"] for row in history], marker="o", label="test")
    accuracy_axes.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    for axes in (loss_axes, accuracy_axes):
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(alpha=0.3)
        axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main(argv=None):
    from tqdm import tqdm

    args = parse_args(argv)
    ember.manual_seed(args.seed)
    root = {} if args.data_dir is None else {"root": args.data_dir}
    train_set = normalized(FashionMNIST(train=True, **root), args.limit_train)
    test_set = normalized(FashionMNIST(train=False, **root), args.limit_test)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, num_workers=args.workers,
                              generator=ember.Generator().manual_seed(args.seed))
    test_loader = DataLoader(test_set, batch_size=1000)

    model = cnn()
    optimizer = ember.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = ember.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs * len(train_loader))
    history = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        total_loss, correct, count, start = 0.0, 0, 0, time.perf_counter()
        bar = tqdm(train_loader, desc=f"epoch {epoch}/{args.epochs}", unit="batch", disable=args.no_progress)
        for images, labels in bar:
            optimizer.zero_grad()
            logits = model(images)
            loss = F.cross_entropy(logits, labels)
            loss.backward()
            optimizer.step()
            scheduler.step()
            total_loss += loss.item() * labels.shape[0]
            correct += (logits.argmax(1) == labels).sum().item()
            count += labels.shape[0]
            bar.set_postfix(loss=f"{total_loss / count:.4f}", acc=f"{100 * correct / count:.1f}%")
        seconds = time.perf_counter() - start
        test_loss, test_accuracy = evaluate(model, test_loader)
        history.append(dict(epoch=epoch, train_loss=total_loss / count, train_accuracy=correct / count,
                            test_loss=test_loss, test_accuracy=test_accuracy, samples_per_second=count / seconds))
        print(f"epoch {epoch}: train loss {total_loss / count:.4f}, accuracy {100 * correct / count:.2f}% | "
              f"test loss {test_loss:.4f}, accuracy {100 * test_accuracy:.2f}% | {count / seconds:.0f} samples/s")
    os.makedirs(args.output_dir, exist_ok=True)
    ember.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": args.epochs},
               os.path.join(args.output_dir, "checkpoint.safetensors"))
    if not args.no_plot:
        plot(history, os.path.join(args.output_dir, "curves.png"))
        print(f"curves: {os.path.join(args.output_dir, 'curves.png')}")
    return history


if __name__ == "__main__":
    main()

"""Train a small neural network on scikit-learn's handwritten digits, logging to Tora.

    export TORA_BASE_URL=http://localhost:8888/api     # <origin>/api of your Tora server
    export TORA_API_KEY=tora_sk_...                     # Settings → API keys
    pip install scikit-learn ./sdk/python               # or PYTHONPATH=sdk/python
    python examples/python/train_digits.py --epochs 30

An MLPClassifier is trained epoch by epoch with partial_fit on load_digits (1,797 8×8 images,
shipped with scikit-learn: no download). Each epoch logs train/loss, train/accuracy and
val/accuracy; the final test accuracy is a result. What the SDK captures on its own (on by
default; see sdk/python/README.md, "What is captured"): the run's context (git commit and diff,
command, machine, packages, allow-listed environment variables), system metrics (`system/...`
every --system-interval seconds) and everything the script prints (the progress lines below).
"""

import argparse
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

import tora


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="digits mlp")
    parser.add_argument("--system-interval", type=float, default=None, help="seconds between system metric samples")
    parser.add_argument("--epoch-pause", type=float, default=0.0, help="sleep after each epoch (to watch it live)")
    args = parser.parse_args()

    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.data, digits.target, test_size=0.2, random_state=args.seed, stratify=digits.target
    )
    x_train, x_val, y_train, y_val = train_test_split(
        x_train, y_train, test_size=0.2, random_state=args.seed, stratify=y_train
    )
    scaler = StandardScaler().fit(x_train)
    x_train, x_val, x_test = scaler.transform(x_train), scaler.transform(x_val), scaler.transform(x_test)
    classes = np.unique(digits.target)

    tora.setup(
        args.name,
        description="Example: MLPClassifier on load_digits, from examples/python/train_digits.py",
        hyperparams={
            "hidden": args.hidden,
            "lr": args.lr,
            "batch_size": args.batch_size,
            "epochs": args.epochs,
            "seed": args.seed,
            "optimizer": "adam",
        },
        tags=["example", "sklearn", "digits"],
        system_metrics_interval=args.system_interval,
    )
    print("train %d, validation %d, test %d images" % (len(x_train), len(x_val), len(x_test)))

    model = MLPClassifier(
        hidden_layer_sizes=(args.hidden,), learning_rate_init=args.lr, batch_size=args.batch_size, random_state=args.seed
    )
    rng = np.random.default_rng(args.seed)
    for epoch in range(args.epochs):
        order = rng.permutation(len(x_train))
        model.partial_fit(x_train[order], y_train[order], classes=classes)
        train_acc = model.score(x_train, y_train)
        val_acc = model.score(x_val, y_val)
        tora.tmetric("train/loss", float(model.loss_), epoch)
        tora.tmetric("train/accuracy", train_acc, epoch)
        tora.tmetric("val/accuracy", val_acc, epoch)
        print("epoch %3d  loss %.4f  train acc %.4f  val acc %.4f" % (epoch, model.loss_, train_acc, val_acc))
        if args.epoch_pause:
            time.sleep(args.epoch_pause)

    test_acc = model.score(x_test, y_test)
    tora.tresult("test/accuracy", test_acc)
    print("test accuracy %.4f" % test_acc)


if __name__ == "__main__":
    main()

"""A training loop with a synthetic loss (no ML framework), logging to Tora.

    export TORA_BASE_URL=http://localhost:8888/api     # <origin>/api of your Tora server
    export TORA_API_KEY=tora_sk_...                     # Settings → API keys
    pip install ./sdk/python                            # or PYTHONPATH=sdk/python
    python examples/python/train.py --epochs 20

Logging never waits for the network: if the server goes away, points queue up and are retried; what
cannot be delivered by the end is saved to ~/.tora/spool and uploaded by `python -m tora sync`.
The run is marked `finished` when the script ends, or `failed` if it raises.
"""

import argparse
import math
import random

import tora


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--steps-per-epoch", type=int, default=100)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="synthetic regression")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    tora.setup(
        args.name,
        description="Example: a synthetic loss curve with noise, logged from examples/python/train.py",
        hyperparams={"lr": args.lr, "batch_size": args.batch_size, "epochs": args.epochs, "optimizer": "sgd", "seed": args.seed},
        tags=["example", "synthetic"],
    )

    # Fit y = 3x - 1 with SGD on noisy samples: a real (if tiny) optimisation, so the curves look
    # like training curves.
    w, b = rng.uniform(-1, 1), rng.uniform(-1, 1)
    step = 0
    for epoch in range(args.epochs):
        epoch_loss = 0.0
        for _ in range(args.steps_per_epoch):
            grad_w = grad_b = loss = 0.0
            for _ in range(args.batch_size):
                x = rng.uniform(-1, 1)
                y = 3 * x - 1 + rng.gauss(0, 0.1)
                err = w * x + b - y
                loss += err * err
                grad_w += 2 * err * x
                grad_b += 2 * err
            n = args.batch_size
            w -= args.lr * grad_w / n
            b -= args.lr * grad_b / n
            loss /= n
            epoch_loss += loss
            tora.tmetric("train/loss", loss, step)
            tora.tmetric("train/lr", args.lr * 0.5 * (1 + math.cos(math.pi * step / (args.epochs * args.steps_per_epoch))), step)
            step += 1
        val = sum((w * x + b - (3 * x - 1)) ** 2 for x in (i / 50 - 1 for i in range(101))) / 101
        tora.tmetric("val/loss", val, epoch)
        tora.tmetric("train/epoch_loss", epoch_loss / args.steps_per_epoch, epoch)
        print("epoch %d: train %.4f  val %.4f" % (epoch, epoch_loss / args.steps_per_epoch, val))

    tora.tresult("val/loss", val)
    tora.tresult("weight", w)
    tora.tresult("bias", b)
    # Nothing else to do: at exit the SDK delivers what is queued and marks the run finished.


if __name__ == "__main__":
    main()

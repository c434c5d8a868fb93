"""A training script written for Weights & Biases, using the common subset of its API. The
tests run it with its `import wandb` line replaced by `import tora as wandb`, nothing else."""

import argparse
import math

import wandb

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.05)
parser.add_argument("--epochs", type=int, default=6)
parser.add_argument("--project", default="wandb-compat")
args = parser.parse_args()

run = wandb.init(
    project=args.project,
    name="mlp baseline",
    config={"lr": args.lr, "batch_size": 32, "model": {"layers": 3, "activation": "relu"}},
    tags=["baseline", "compat"],
    notes="Trained with the **W&B** API.\n\n- lr from the command line",
    group="sweep-1",
    job_type="train",
)
wandb.config.update({"epochs": args.epochs})
wandb.config.dropout = 0.1
wandb.config["seed"] = 7
assert wandb.config.lr == args.lr and run.config["model"]["layers"] == 3

best_acc = 0.0
for epoch in range(wandb.config.epochs):
    loss = math.exp(-wandb.config.lr * 10 * (epoch + 1))
    acc = 1.0 - loss / 2
    wandb.log({"train/loss": loss, "train/acc": acc, "epoch": epoch})  # steps 0, 1, 2 ...
    best_acc = max(best_acc, acc)

for i in range(3):
    run.log({"eval/loss": 0.5 / (i + 1)}, step=100 + 10 * i)  # explicit steps

wandb.log({"lr_now": 0.01}, commit=False)  # two calls, one step
wandb.log({"momentum": 0.9})

run.summary["best_acc"] = best_acc
wandb.summary["final_loss"] = loss
wandb.summary.update({"epochs_run": args.epochs})
print("last logged train/loss:", run.summary["train/loss"])
print("RUN_ID", run.id)
wandb.finish()

with wandb.init(project=args.project, name="from namespace", config=args, tags=["namespace"]) as second:
    for step in range(4):
        second.log({"x": step * 2.0})
    second.summary["x_final"] = 6.0
    print("RUN_ID", second.id)

"""A W&B script that never calls finish(): the run ends with the interpreter, and a config
change made just before must still arrive. With `--crash`, it dies of an uncaught exception."""

import sys

import wandb

run = wandb.init(project="wandb-compat", name="left open", config={"lr": 0.1})
print("RUN_ID", run.id)
for step in range(3):
    wandb.log({"loss": 1.0 / (step + 1)})
wandb.config.update({"late": "yes", "lr": 0.2})
if "--crash" in sys.argv:
    raise ValueError("crashed without finish")

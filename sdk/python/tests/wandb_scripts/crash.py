"""A W&B script whose training fails inside `with wandb.init(...)`."""

import wandb

with wandb.init(project="wandb-compat", name="doomed", config={"lr": 10.0}) as run:
    print("RUN_ID", run.id)
    wandb.log({"loss": 1.0})
    wandb.log({"loss": float("nan")})
    raise RuntimeError("loss diverged")

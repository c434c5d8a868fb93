"""Tora: log hyperparameters, metrics and results from training scripts.

    import tora
    tora.setup("resnet baseline", hyperparams={"lr": 1e-3})
    for step in range(1000):
        tora.tmetric("train/loss", loss, step)
    tora.tresult("test/accuracy", 0.91)

or, the way W&B scripts do it (`import tora as wandb` runs them unchanged):

    run = tora.init(project="vision", config={"lr": 1e-3}, tags=["baseline"])
    for step in range(1000):
        tora.log({"train/loss": loss})
    run.summary["test/accuracy"] = 0.91
    tora.finish()
"""

__version__ = "0.1.0"

from ._api import Api, Run, Runs  # noqa: E402
from ._client import Tora  # noqa: E402
from ._errors import (  # noqa: E402
    ToraAPIError,
    ToraAuthenticationError,
    ToraConfigurationError,
    ToraConnectionError,
    ToraError,
    ToraExperimentError,
    ToraMetricError,
    ToraNetworkError,
    ToraTimeoutError,
    ToraValidationError,
    ToraWorkspaceError,
)
from ._wandb_style import WandbStyleRun, define_metric, finish, init, log, unwatch, watch  # noqa: E402
from . import _wrapper  # noqa: E402
from ._wrapper import (  # noqa: E402
    create_workspace,
    flush,
    get_experiment_id,
    get_experiment_url,
    is_initialized,
    setup,
    shutdown,
    tmetric,
    tresult,
)



def log_artifact(path: str, name: str = None, overwrite: bool = False) -> None:  # type: ignore[assignment]
    """Store a file, or every file under a directory, with the current run (`setup()` or `init()`):
    uploaded in the background, streamed and retried; see `Tora.log_artifact`."""
    _wrapper._require().log_artifact(path, name, overwrite)


__all__ = [
    "log_artifact",
    "Tora",
    "Api",
    "Run",
    "Runs",
    "setup",
    "tmetric",
    "tresult",
    "flush",
    "shutdown",
    "create_workspace",
    "get_experiment_id",
    "get_experiment_url",
    "is_initialized",
    "init",
    "log",
    "finish",
    "define_metric",
    "watch",
    "unwatch",
    "WandbStyleRun",
    "ToraError",
    "ToraAPIError",
    "ToraAuthenticationError",
    "ToraConfigurationError",
    "ToraConnectionError",
    "ToraExperimentError",
    "ToraMetricError",
    "ToraNetworkError",
    "ToraTimeoutError",
    "ToraValidationError",
    "ToraWorkspaceError",
]


def __getattr__(name: str):
    """`tora.run`, `tora.config` and `tora.summary` follow the current `tora.init()` run (as
    `wandb.run`, `wandb.config` and `wandb.summary` do): `run` is None without one, and
    `config`/`summary` then say to call `tora.init()` first."""
    if name in ("run", "config", "summary"):
        from ._wandb_style import module_attribute

        return module_attribute(name)
    raise AttributeError("module 'tora' has no attribute %r" % name)

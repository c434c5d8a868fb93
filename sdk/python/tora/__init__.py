"""Tora: log hyperparameters, metrics and results from training scripts.

    import tora
    tora.setup("resnet baseline", hyperparams={"lr": 1e-3})
    for step in range(1000):
        tora.tmetric("train/loss", loss, step)
    tora.tresult("test/accuracy", 0.91)
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

__all__ = [
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

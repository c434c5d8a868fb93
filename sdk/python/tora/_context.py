"""The run's context, captured once at start-up: git state, command line, machine, installed
packages and an allow-list of environment variables. Sent by `PUT /experiments/{id}/context`.

Secrets never leave the machine: credentials are stripped from the git remote and secret-looking
values redacted here with the same rules the server applies again
(functions/_lib/run-context-redaction.ts). Every part is best effort: a missing `git`, a directory
outside a repository or an unreadable /proc leaves that part out, never raises."""

from __future__ import annotations

import logging
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import threading
from typing import Any, Dict, List, Optional

from . import _http, _spool
from ._errors import error_message

logger = logging.getLogger("tora")

MAX_GIT_DIFF_BYTES = 1024 * 1024
MAX_PACKAGES = 10_000
MAX_ENV = 200
MAX_ENV_VALUE = 4096
MAX_COMMAND_ARGS = 1000
MAX_ARG = 4096
GIT_TIMEOUT = 5.0
GPU_TIMEOUT = 5.0
REDACTED = "[redacted]"

# Variables worth knowing about a run (where and how it was scheduled, parallelism, seeds). Every
# other variable is left out: the environment is full of tokens.
ENV_NAMES = {
    "CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "WORLD_SIZE", "RANK",
    "LOCAL_RANK", "LOCAL_WORLD_SIZE", "NODE_RANK", "GROUP_RANK", "MASTER_ADDR", "MASTER_PORT", "HF_HOME",
    "HF_DATASETS_CACHE", "TRANSFORMERS_CACHE", "TORCH_HOME", "PYTHONHASHSEED", "NODE_ENV", "CONDA_DEFAULT_ENV",
    "VIRTUAL_ENV", "HOSTNAME", "USER",
}  # fmt: skip
ENV_PREFIXES = ("SLURM_", "PBS_", "LSB_", "NCCL_", "TORCHELASTIC_", "TPU_", "XLA_")

# The server's rules (run-context-redaction.ts), kept in step with it.
SECRET_NAME = re.compile(
    r"(secret|token|passw|pwd|api[_-]?key|private[_-]?key|access[_-]?key|credential|auth|session|cookie|signature|dsn)",
    re.I,
)
SECRET_VALUE = [
    re.compile(p, f)
    for p, f in (
        (r"tora_sk_[A-Za-z0-9_-]+", 0),
        (r"\bgh[pousr]_[A-Za-z0-9]{20,}", 0),
        (r"\bgithub_pat_[A-Za-z0-9_]{20,}", 0),
        (r"\bsk-[A-Za-z0-9_-]{20,}", 0),
        (r"\bxox[abprs]-[A-Za-z0-9-]{10,}", 0),
        (r"\bAKIA[0-9A-Z]{16}\b", 0),
        (r"\bhf_[A-Za-z0-9]{20,}", 0),
        (r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.", 0),
        (r"[a-z][a-z0-9+.-]*://[^/\s:@]*:[^/\s@]+@", re.I),
    )
]
_CREDENTIALS = re.compile(r"^([a-z][a-z0-9+.-]*://)([^/@]*@)(.*)$", re.I | re.S)
# Characters a one-line label may not hold (the server's LABEL_FORBIDDEN).
_LABEL_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def strip_credentials(remote: str) -> str:
    """`https://user:token@host/repo` → `https://host/repo`; `git@host:repo` keeps its user."""
    match = _CREDENTIALS.match(remote)
    return match.group(1) + match.group(3) if match else remote


def looks_secret(name: str, value: str) -> bool:
    return bool(SECRET_NAME.search(name)) or any(p.search(value) for p in SECRET_VALUE)


def redact_text(text: str) -> str:
    """A command-line argument with any secret-shaped part replaced (`--key=tora_sk_…`)."""
    for pattern in SECRET_VALUE:
        text = pattern.sub(REDACTED, text)
    return text


# -- switches -----------------------------------------------------------------------------------

PARTS = ("git", "env", "packages")


def _flag(name: str) -> Optional[bool]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    return raw.strip().lower() not in ("0", "false", "no", "off")


def enabled(explicit: Optional[bool], env_name: str, default: bool = True) -> bool:
    """The explicit argument, else the variable, else `default`."""
    if explicit is not None:
        return bool(explicit)
    flag = _flag(env_name)
    return default if flag is None else flag


def parts(capture_context: Optional[bool], capture_git: Optional[bool], capture_env: Optional[bool], capture_packages: Optional[bool]) -> Optional[Dict[str, bool]]:
    """Which optional parts to capture, or None when the context is off entirely
    (`capture_context=False` / TORA_CAPTURE_CONTEXT=0)."""
    if not enabled(capture_context, "TORA_CAPTURE_CONTEXT"):
        return None
    return {
        "git": enabled(capture_git, "TORA_CAPTURE_GIT"),
        "env": enabled(capture_env, "TORA_CAPTURE_ENV"),
        "packages": enabled(capture_packages, "TORA_CAPTURE_PACKAGES"),
    }


# -- capture ------------------------------------------------------------------------------------


def _label(value: Any, limit: int) -> Optional[str]:
    if not isinstance(value, str) or not value:
        return None
    value = _SURROGATE.sub("\ufffd", _LABEL_FORBIDDEN.sub(" ", value)).strip()
    return value[:limit] or None


def _run(args: List[str], cwd: Optional[str], timeout: float) -> Optional[bytes]:
    try:
        proc = subprocess.run(
            args, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=timeout
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def cut_utf8(text: str, limit: int) -> "tuple[str, bool]":
    """`text` cut to at most `limit` UTF-8 bytes at a character boundary, and whether it was cut."""
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return text, False
    return data[:limit].decode("utf-8", "ignore"), True


def git_context(cwd: Optional[str] = None) -> Optional[Dict[str, Any]]:
    if shutil.which("git") is None:
        return None

    def git(*args: str) -> Optional[str]:
        out = _run(["git", "-c", "core.quotepath=off", *args], cwd, GIT_TIMEOUT)
        return None if out is None else out.decode("utf-8", "replace")

    commit = (git("rev-parse", "HEAD") or "").strip()
    if not re.fullmatch(r"[0-9a-fA-F]{7,64}", commit):
        return None  # not a repository, or one without a commit yet
    out: Dict[str, Any] = {"commit": commit.lower()}
    branch = (git("rev-parse", "--abbrev-ref", "HEAD") or "").strip()
    if branch and branch != "HEAD":
        out["branch"] = _label(branch, 255)
    remote = (git("config", "--get", "remote.origin.url") or "").strip()
    if not remote:
        first = (git("remote") or "").split()
        remote = (git("config", "--get", "remote.%s.url" % first[0]) or "").strip() if first else ""
    if remote:
        out["remote"] = _label(redact_text(strip_credentials(remote)), 2048)
    status = git("status", "--porcelain", "--untracked-files=no")
    if status is not None:
        out["dirty"] = bool(status.strip())
    diff = git("diff", "HEAD")
    if diff:
        diff = _SURROGATE.sub("\ufffd", diff.replace("\x00", "\ufffd"))
        out["diff"], out["diffTruncated"] = cut_utf8(diff, MAX_GIT_DIFF_BYTES)
    return {k: v for k, v in out.items() if v is not None}


def memory_bytes() -> Optional[int]:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def gpus() -> List[Dict[str, Any]]:
    """GPUs named by `nvidia-smi` (none when it is missing, slow or failing)."""
    if shutil.which("nvidia-smi") is None:
        return []
    out = _run(["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader,nounits"], None, GPU_TIMEOUT)
    found: List[Dict[str, Any]] = []
    for line in (out or b"").decode("utf-8", "replace").splitlines()[:64]:
        name, _, memory = line.rpartition(",")
        name = _label(name.strip(), 200) or ""
        if not name:
            continue
        gpu: Dict[str, Any] = {"name": name}
        try:
            gpu["memoryBytes"] = int(float(memory.strip()) * 1024 * 1024)  # MiB
        except ValueError:
            pass
        found.append(gpu)
    return found


def packages() -> Dict[str, str]:
    try:
        from importlib import metadata
    except ImportError:  # pragma: no cover - Python >= 3.8 has it
        return {}
    found: Dict[str, str] = {}
    try:
        for dist in metadata.distributions():
            if len(found) >= MAX_PACKAGES:
                break
            try:
                name = _label(dist.metadata["Name"], 214)
                version = _label(dist.version, 100)
            except Exception:  # a broken dist-info: skip it
                continue
            if name and version and name not in found:
                found[name] = version
    except Exception:
        pass
    return found


def environment(environ: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The allow-listed variables, secret-looking values redacted."""
    environ = dict(os.environ) if environ is None else environ
    out: Dict[str, str] = {}
    for name in sorted(environ):
        if len(out) >= MAX_ENV:
            break
        if name not in ENV_NAMES and not name.startswith(ENV_PREFIXES):
            continue
        label = _label(name, 256)
        if label != name:
            continue
        value = environ[name].replace("\x00", "\ufffd")
        value = _SURROGATE.sub("\ufffd", value)[:MAX_ENV_VALUE]
        out[name] = REDACTED if looks_secret(name, value) else value
    return out


def command() -> List[str]:
    args = list(sys.argv) if sys.argv else []
    exe = sys.executable or "python"
    out = [exe] + args
    clean = [_SURROGATE.sub("\ufffd", redact_text(a).replace("\x00", "\ufffd"))[:MAX_ARG] for a in out]
    return clean[:MAX_COMMAND_ARGS]


def capture(which: Dict[str, bool], cwd: Optional[str] = None) -> Dict[str, Any]:
    """The context body (`ContextBody`); `which` says whether git, env and packages are wanted."""
    cwd = cwd or _safe_cwd()
    body: Dict[str, Any] = {
        "command": command(),
        "runtime": {"name": platform.python_implementation().lower(), "version": platform.python_version()},
        "os": _label(platform.platform(), 200),
        "host": _label(socket.gethostname(), 255),
        "cpus": os.cpu_count(),
        "memoryBytes": memory_bytes(),
        "gpus": gpus(),
    }
    if cwd:
        body["cwd"] = _label(cwd, 4096)
    if which.get("git"):
        body["git"] = git_context(cwd)
    if which.get("packages"):
        body["packages"] = packages()
    if which.get("env"):
        body["env"] = environment()
    return {k: v for k, v in body.items() if v is not None}


def _safe_cwd() -> Optional[str]:
    try:
        return os.getcwd()
    except OSError:
        return None


def context_path(experiment_id: str) -> str:
    return "/experiments/%s/context" % experiment_id



class ContextSender:
    """Captures and sends the context on a daemon thread, once: the training script never waits
    for `git` or the network. Unreachable: saved to the spool for `python -m tora sync`."""

    def __init__(self, experiment_id: str, base_url: str, api_key: str, which: Dict[str, bool], retry_timeout: float, spool_dir: str):
        self.experiment_id = experiment_id
        self.base_url = base_url
        self.api_key = api_key
        self.which = which
        self.retry_timeout = retry_timeout
        self.spool_dir = spool_dir
        self.sent = False
        self.spool_file: Optional[str] = None
        self.body: Optional[Dict[str, Any]] = None
        self._abort = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tora-context-%s" % experiment_id[:8], daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.body = capture(self.which)
            self._send(self.body)
        except Exception:  # best effort: the run goes on without its context
            logger.debug("tora: could not capture the run context", exc_info=True)

    def _send(self, body: Dict[str, Any]) -> None:
        path = context_path(self.experiment_id)
        resp, error = _http.with_retries(
            lambda: _http.request(self.base_url, "PUT", path, self.api_key, body), self.retry_timeout, sleep=self._abort.wait
        )
        if resp is not None and 200 <= resp.status < 300:
            self.sent = True
            return
        if resp is None or _http.is_retryable(resp.status) or resp.status in (401, 403, 404):
            try:
                self.spool_file = _spool.append_lines(
                    self.spool_dir, self.experiment_id, [_spool.context_line(self.experiment_id, self.base_url, body)]
                )
            except OSError as err:
                logger.warning("tora: could not send the run context nor spool it: %s", err)
            return
        logger.warning(
            "tora: the server rejected the run context (HTTP %d): %s",
            resp.status,
            error_message(resp.json(), resp.text[:200]),
        )

    def join(self, timeout: float) -> None:
        """Wait for the context to be sent; past `timeout` stop retrying and spool it."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._abort.set()
            self._thread.join(2.0)

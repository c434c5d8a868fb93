"""System metrics: every TORA_SYSTEM_METRICS_INTERVAL seconds (default 15; 0 turns them off) a
daemon thread samples the machine and the process and logs `system/...` series through the
ordinary metric sender (so they are batched, retried and spooled like any metric).

Linux: /proc for CPU, memory, disk and network; elsewhere only what the standard library offers
(the process's CPU time). GPUs: `nvidia-smi --query-gpu` in a subprocess with a timeout; without
it there are no GPU series, and never an error. Rates are over the interval since the last sample,
so the first values arrive one interval after start-up."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from typing import Callable, Dict, List, Optional, Tuple

from . import _config

DEFAULT_INTERVAL = 15.0
MIN_INTERVAL = 0.1
GPU_TIMEOUT = 5.0
GPU_FIELDS = (
    ("utilization.gpu", "utilization_percent", 1.0),
    ("memory.used", "memory_used_bytes", 1024.0 * 1024.0),  # MiB
    ("temperature.gpu", "temperature_c", 1.0),
    ("power.draw", "power_w", 1.0),
)


def interval(explicit: Optional[float] = None) -> float:
    """Seconds between samples; 0 means off."""
    value = _config.seconds("TORA_SYSTEM_METRICS_INTERVAL", DEFAULT_INTERVAL) if explicit is None else float(explicit)
    if not value > 0:
        return 0.0
    return max(MIN_INTERVAL, value)


def _read(path: str) -> Optional[str]:
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def cpu_times() -> Optional[Tuple[float, float]]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    text = _read("/proc/stat")
    if not text or not text.startswith("cpu "):
        return None
    values = [float(v) for v in text.split("\n", 1)[0].split()[1:9]]
    idle = values[3] + (values[4] if len(values) > 4 else 0.0)
    total = sum(values)
    return total - idle, total


def memory() -> Dict[str, float]:
    text = _read("/proc/meminfo")
    if not text:
        return {}
    fields = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts:
            fields[name] = float(parts[0]) * 1024
    if "MemTotal" not in fields or "MemAvailable" not in fields:
        return {}
    return {"memory_used_bytes": fields["MemTotal"] - fields["MemAvailable"], "memory_available_bytes": fields["MemAvailable"]}


def process_rss() -> Optional[float]:
    text = _read("/proc/self/statm")
    if not text:
        return None
    try:
        return float(text.split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (IndexError, ValueError, OSError):
        return None


def _block_devices() -> Optional[set]:
    try:
        return {d for d in os.listdir("/sys/block") if not d.startswith(("loop", "ram", "zram"))}
    except OSError:
        return None


def disk_bytes(devices: Optional[set]) -> Optional[Tuple[float, float]]:
    """(read, written) bytes of whole disks since boot, from /proc/diskstats (512-byte sectors)."""
    text = _read("/proc/diskstats")
    if text is None:
        return None
    read = written = 0.0
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 10:
            continue
        name = parts[2]
        if devices is not None and name not in devices:
            continue
        read += float(parts[5]) * 512
        written += float(parts[9]) * 512
    return read, written


def net_bytes() -> Optional[Tuple[float, float]]:
    """(sent, received) bytes of every interface but loopback, from /proc/net/dev."""
    text = _read("/proc/net/dev")
    if text is None:
        return None
    sent = received = 0.0
    for line in text.splitlines()[2:]:
        name, _, rest = line.partition(":")
        parts = rest.split()
        if name.strip() == "lo" or len(parts) < 9:
            continue
        received += float(parts[0])
        sent += float(parts[8])
    return sent, received


def gpu_samples() -> List[Dict[str, float]]:
    if shutil.which("nvidia-smi") is None:
        return []
    query = ",".join(f for f, _, _ in GPU_FIELDS)
    try:
        proc = subprocess.run(
            ["nvidia-smi", "--query-gpu=" + query, "--format=csv,noheader,nounits"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=GPU_TIMEOUT,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return []
    if proc.returncode != 0:
        return []
    out = []
    for line in proc.stdout.decode("utf-8", "replace").splitlines()[:64]:
        values: Dict[str, float] = {}
        for (_, name, scale), raw in zip(GPU_FIELDS, line.split(",")):
            try:
                values[name] = float(raw.strip()) * scale
            except ValueError:
                pass  # "[N/A]", "[Not Supported]"
        out.append(values)
    return out


class Sampler:
    """The sampling thread. `emit(name, value)` queues one metric point (never blocks)."""

    def __init__(self, every: float, emit: Callable[[str, float], None], name: str = "tora-system"):
        self._every = every
        self._emit = emit
        self._stop = threading.Event()
        self._devices = _block_devices()
        self._previous = self._counters()
        self.samples = 0
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _counters(self) -> Dict[str, object]:
        return {
            "time": time.monotonic(),
            "cpu": cpu_times(),
            "process": sum(os.times()[:2]),
            "disk": disk_bytes(self._devices),
            "net": net_bytes(),
        }

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self.sample()
            except Exception:  # a surprise in /proc must not end the thread, nor the run
                pass

    def sample(self) -> Dict[str, float]:
        now = self._counters()
        before, self._previous = self._previous, now
        elapsed = float(now["time"]) - float(before["time"])  # type: ignore[arg-type]
        values: Dict[str, float] = {}
        if elapsed <= 0:
            return values
        cpu, cpu0 = now["cpu"], before["cpu"]
        if cpu and cpu0 and cpu[1] > cpu0[1]:  # type: ignore[index]
            values["cpu_percent"] = 100.0 * (cpu[0] - cpu0[0]) / (cpu[1] - cpu0[1])  # type: ignore[index]
        # Percent of one CPU, like `top`: a process busy on four cores shows 400.
        values["process_cpu_percent"] = 100.0 * (float(now["process"]) - float(before["process"])) / elapsed  # type: ignore[arg-type]
        values.update(memory())
        rss = process_rss()
        if rss is not None:
            values["process_rss_bytes"] = rss
        for key, names in (("disk", ("disk_read", "disk_write")), ("net", ("net_sent", "net_recv"))):
            a, b = now[key], before[key]
            if a and b:
                for i, name in enumerate(names):
                    values[name + "_bytes_per_s"] = max(0.0, (a[i] - b[i]) / elapsed)  # type: ignore[index]
        for i, gpu in enumerate(gpu_samples()):
            for name, value in gpu.items():
                values["gpu%d/%s" % (i, name)] = value
        for name, value in values.items():
            self._emit("system/" + name, value)
        self.samples += 1
        return values

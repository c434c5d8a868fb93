"""Test support: a real Tora single server (started once per test run, in its own process group),
users and API keys on it, and a small capturing HTTP server for wire-format checks."""

from __future__ import annotations

import atexit
import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

SDK_DIR = Path(__file__).resolve().parents[1]
REPO_DIR = SDK_DIR.parents[1]
sys.path.insert(0, str(SDK_DIR))  # test the source tree, not an installed copy

START_TIMEOUT = float(os.environ.get("TORA_TEST_START_TIMEOUT", "180"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, port_offset: int = 0, **extra_env: str) -> None:
        """`extra_env`: server settings (a second server with other limits takes `port_offset` 1)."""
        self.extra_env = extra_env
        # TORA_TEST_PORT pins the port (when several test runs share a machine, each gets its own).
        pinned = int(os.environ.get("TORA_TEST_PORT") or 0)
        self.port = pinned + port_offset if pinned else free_port()
        self.data_dir = tempfile.mkdtemp(prefix="tora-sdk-test-")
        self.log_path = os.path.join(self.data_dir, "server.log")
        self.proc: Optional[subprocess.Popen] = None

    @property
    def origin(self) -> str:
        return "http://127.0.0.1:%d" % self.port

    @property
    def base_url(self) -> str:
        return self.origin + "/api"

    def start(self) -> float:
        env = dict(os.environ)
        env.update(
            TORA_API_ONLY="1",
            TORA_AUTH="local",
            PORT=str(self.port),
            TORA_DATA_DIR=os.path.join(self.data_dir, "db"),
        )
        env.update(self.extra_env)
        started = time.monotonic()
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            ["node", "--import", "tsx", "server/start.ts"],
            cwd=str(REPO_DIR),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        while time.monotonic() - started < START_TIMEOUT:
            if self.proc.poll() is not None:
                raise RuntimeError("the Tora server exited (%s):\n%s" % (self.proc.returncode, self.tail()))
            try:
                status, _ = self.request("GET", "/health", timeout=5)
                if status == 200:
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError("the Tora server did not become healthy in %.0f s:\n%s" % (START_TIMEOUT, self.tail()))

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        except ProcessLookupError:
            pass

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def tail(self, n: int = 4000) -> str:
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def request(
        self, method: str, path: str, body: Any = None, token: Optional[str] = None, key: Optional[str] = None, timeout: float = 60
    ) -> Tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {}
        if token:
            headers["Authorization"] = "Bearer " + token
        if key:
            headers["x-api-key"] = key
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, "/api" + path, body=data, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        try:
            return resp.status, json.loads(raw)
        except ValueError:
            return resp.status, raw.decode("utf-8", "replace")

    def new_user(self) -> Tuple[str, str]:
        """(bearer token, API key) of a fresh user."""
        email = "sdk-%s@example.com" % uuid.uuid4().hex[:12]
        status, body = self.request("POST", "/auth/local", {"email": email})
        assert status == 200, (status, body)
        token = body["data"]["access_token"]
        status, body = self.request("POST", "/api-keys", {"name": "python sdk tests"}, token=token)
        assert status == 201, (status, body)
        return token, body["data"]["key"]

    def experiment(self, experiment_id: str, key: str) -> Dict[str, Any]:
        status, body = self.request("GET", "/experiments/%s" % experiment_id, key=key)
        assert status == 200, (status, body)
        return body["data"]

    def counts(self, experiment_id: str, key: str) -> Dict[str, int]:
        return {m["name"]: m["count"] for m in self.experiment(experiment_id, key)["metrics"]}


_server: Optional[Server] = None
_lock = threading.Lock()


def server() -> Server:
    """The one server of this test run, started on first use and stopped at exit."""
    global _server
    with _lock:
        if _server is None:
            s = Server()
            took = s.start()
            print("\n[tora tests] server on %s healthy after %.1f s" % (s.base_url, took), file=sys.stderr)
            atexit.register(s.cleanup)
            _server = s
        elif _server.proc is None:
            _server.start()
        return _server



class SignedInTest(unittest.TestCase):
    """Tests against the shared server as a new user of their own: `server`, `token` and API `key`."""

    @classmethod
    def setUpClass(cls):
        cls.server = server()
        cls.token, cls.key = cls.server.new_user()

def sdk_env(**extra: str) -> Dict[str, str]:
    """Environment for a subprocess running the SDK from this source tree."""
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("TORA_"):
            del env[name]
    env["PYTHONPATH"] = str(SDK_DIR) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def run_python(args: List[str], env: Dict[str, str], timeout: float = 120, cwd: Optional[str] = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable] + args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


class Capture:
    """An in-process HTTP server that records requests and answers like Tora would, for checking
    what the SDK puts on the wire (and for validation tests that need no database)."""

    def __init__(self) -> None:
        self.requests: List[Dict[str, Any]] = []
        self.failures: List[Tuple[int, Dict[str, str], Any]] = []  # (status, headers, error fields) to answer next
        capture = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                capture.requests.append(
                    {"method": self.command, "path": self.path, "headers": dict(self.headers), "raw": raw, "body": body}
                )
                if capture.failures and self.path.endswith("/logs/batch"):
                    status, headers, fields = capture.failures.pop(0)
                    out = json.dumps({"status": status, "error": {"code": "X", "message": "failure %d" % status, "fields": fields}}).encode()
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                    return
                if self.command == "POST" and self.path == "/api/experiments":
                    eid = str(uuid.uuid4())
                    data: Any = dict(body, id=eid, url="http://capture/experiments/" + eid, status="running")
                    status = 201
                elif self.path.endswith("/logs/batch"):
                    n = len(body["logs"])
                    data, status = {"received": n, "stored": n, "duplicates": 0}, 201
                else:
                    data, status = {}, 200
                out = json.dumps({"status": status, "data": data}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PATCH = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return "http://127.0.0.1:%d/api" % self.httpd.server_address[1]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def logs(self) -> List[Dict[str, Any]]:
        return [e for r in self.requests if r["path"].endswith("/logs/batch") for e in r["body"]["logs"]]


class Proxy:
    """A pass-through in front of the real server that keeps every request body it forwards, for
    checking what left the machine (nothing is answered in the server's place)."""

    def __init__(self, target: Server) -> None:
        self.bodies: List[bytes] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                proxy.bodies.append(self.path.encode() + b" " + raw)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "content-length")}
                conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=60)
                try:
                    conn.request(self.command, self.path, body=raw or None, headers=headers)
                    resp = conn.getresponse()
                    out = resp.read()
                    status, content_type = resp.status, resp.getheader("Content-Type") or "application/json"
                except OSError:
                    status, content_type, out = 502, "text/plain", b"proxy: server unreachable"
                finally:
                    conn.close()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return "http://127.0.0.1:%d/api" % self.httpd.server_address[1]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def console_lines(server: Server, experiment_id: str, key: str) -> List[Dict[str, Any]]:
    """Every console line the server holds for a run, oldest first."""
    lines: List[Dict[str, Any]] = []
    after = 0
    while True:
        status, body = server.request("GET", "/experiments/%s/console?after=%d&limit=5000" % (experiment_id, after), key=key)
        assert status == 200, (status, body)
        lines.extend(body["data"]["lines"])
        after = body["data"]["cursor"]
        if not body["data"]["more"]:
            return lines

"""One kept-alive HTTP connection per sender, counted by a TCP proxy between the SDK and the real
server: batches share it, and a connection the server side closes while idle is replaced without
an error, a lost point or a duplicate."""

import os
import socket
import tempfile
import threading
import time
import unittest
from typing import List, Tuple
from unittest import mock

import support
import tora

BATCH = 1_000  # the sender's threshold: one flush of this many points is one request


class CountingProxy:
    """Forwards TCP connections to the server and counts them; `drop_all` closes every open one
    the way a server (or load balancer) drops an idle keep-alive connection."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.accepted = 0
        self._pairs: List[Tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def base_url(self) -> str:
        return "http://127.0.0.1:%d/api" % self.port

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            with self._lock:
                self.accepted += 1
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def drop_all(self) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self) -> None:
        self._listener.close()
        self.drop_all()


class KeepAliveTest(support.SignedInTest):
    def setUp(self):
        self.proxy = CountingProxy(self.server.port)
        self.addCleanup(self.proxy.close)

    def _client(self, name: str, **kwargs) -> "tora.Tora":
        # Only the metric sender's connections are counted: the context, console and system
        # metrics (each with connections of their own) are off.
        kwargs.update(capture_context=False, capture_console=False, system_metrics_interval=0)
        client = tora.Tora.create_experiment(
            name, api_key=self.key, server_url=self.proxy.base_url, spool_dir=tempfile.mkdtemp(prefix="tora-spool-"), **kwargs
        )
        self.addCleanup(client.shutdown, None, 5)
        return client

    def _log_batch(self, client: "tora.Tora", start: int) -> None:
        for step in range(start, start + BATCH):
            client.metric("loss", 1.0 / (step + 1), step)
        self.assertTrue(client.flush(timeout=60))

    def test_batches_share_one_connection(self):
        client = self._client("keepalive reuse")
        before = self.proxy.accepted  # the create call's own connection
        for i in range(5):
            self._log_batch(client, i * BATCH)
        self.assertEqual(self.proxy.accepted - before, 1, "5 batches should travel on one connection")
        self.assertEqual(client.stats["sent"], 5 * BATCH)
        self.assertEqual(self.server.counts(client.experiment_id, self.key), {"loss": 5 * BATCH})

    def test_idle_connection_closed_by_the_server_side_is_replaced_silently(self):
        # No retry budget: a closed connection counted as a failure would spill the batch at once.
        client = self._client("keepalive dropped", retry_timeout=0)
        before = self.proxy.accepted
        with self.assertNoLogs("tora", level="WARNING"):
            self._log_batch(client, 0)
            self._log_batch(client, BATCH)
            self.proxy.drop_all()
            time.sleep(0.3)  # let the SDK's socket see the close while it is idle
            self._log_batch(client, 2 * BATCH)
            self._log_batch(client, 3 * BATCH)
            self.proxy.drop_all()
            time.sleep(0.3)
            self._log_batch(client, 4 * BATCH)
        stats = client.stats
        self.assertEqual((stats["spilled"], stats["dropped"], stats["duplicates"]), (0, 0, 0), stats)
        self.assertEqual(stats["sent"], 5 * BATCH)
        # One connection per stretch between drops, not one per batch.
        self.assertEqual(self.proxy.accepted - before, 3)
        self.assertEqual(self.server.counts(client.experiment_id, self.key), {"loss": 5 * BATCH})
        # The server keeps one point per msg_id, so 5,000 stored of 5,000 logged is none lost and
        # none twice.
        loss = next(m for m in self.server.experiment(client.experiment_id, self.key)["metrics"] if m["name"] == "loss")
        self.assertEqual((loss["first_step"], loss["last_step"]), (0, 5 * BATCH - 1))

    def test_diagnostic_switch_opens_a_connection_per_batch(self):
        with mock.patch.dict(os.environ, {"TORA_HTTP_KEEPALIVE": "0"}):
            client = self._client("keepalive off")
        before = self.proxy.accepted
        for i in range(3):
            self._log_batch(client, i * BATCH)
        self.assertEqual(self.proxy.accepted - before, 3)
        self.assertEqual(self.server.counts(client.experiment_id, self.key), {"loss": 3 * BATCH})


if __name__ == "__main__":
    unittest.main()

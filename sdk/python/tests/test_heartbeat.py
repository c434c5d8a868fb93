"""Heartbeats against a real server: a quiet run's last_seen_at moves; switched off (argument or
TORA_HEARTBEAT=0) it stays; a busy run and a shut-down one send none; an unreachable server never
raises into the training script. Uses the shortest interval allowed (5 s)."""

import datetime
import os
import tempfile
import time
import unittest
from unittest import mock

import support
import tora
from tora import _heartbeat

INTERVAL = _heartbeat.MIN_INTERVAL


def parse_time(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


class HeartbeatTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = support.server()
        cls.token, cls.key = cls.server.new_user()

    def _client(self, name: str, server_url=None, **kwargs) -> "tora.Tora":
        kwargs.setdefault("heartbeat_interval", INTERVAL)
        client = tora.Tora.create_experiment(
            name,
            api_key=self.key,
            server_url=server_url or self.server.base_url,
            spool_dir=tempfile.mkdtemp(prefix="tora-spool-"),
            **kwargs
        )
        self.addCleanup(client.shutdown, None, 5)
        return client

    def _last_seen(self, client: "tora.Tora") -> datetime.datetime:
        return parse_time(self.server.experiment(client.experiment_id, self.key)["last_seen_at"])

    def test_quiet_runs_beat_and_switched_off_busy_or_closed_runs_do_not(self):
        quiet = self._client("py quiet")
        off = self._client("py heartbeat off", heartbeat=False)
        with mock.patch.dict(os.environ, {"TORA_HEARTBEAT": "0"}):
            off_by_env = self._client("py heartbeat off by env")
        busy = self._client("py busy")
        closed = self._client("py closed")
        closed.shutdown()
        before = {c.experiment_id: self._last_seen(c) for c in (quiet, off, off_by_env)}

        started = time.monotonic()
        step = 0
        while time.monotonic() - started < INTERVAL + 2:
            busy.metric("loss", 1.0 / (step + 1), step)  # each second's batch is a sign of life
            step += 1
            time.sleep(1)

        self.assertGreaterEqual(quiet.heartbeats, 1)
        self.assertGreater(self._last_seen(quiet), before[quiet.experiment_id])
        for client in (off, off_by_env):
            self.assertEqual(client.heartbeats, 0)
            self.assertEqual(self._last_seen(client), before[client.experiment_id])
        self.assertEqual(busy.heartbeats, 0)
        self.assertGreaterEqual(busy.stats["sent"], 6)
        self.assertEqual(closed.heartbeats, 0)

        quiet.shutdown()
        beats = quiet.heartbeats
        time.sleep(INTERVAL + 0.5)
        self.assertEqual(quiet.heartbeats, beats, "a shut-down client must stop beating")

    def test_an_unreachable_server_is_tried_again_and_never_raises(self):
        capture = support.Capture()
        self.addCleanup(capture.close)
        client = self._client("py unreachable", server_url=capture.base_url)
        capture.close()  # the server goes away
        with self.assertNoLogs("tora", level="WARNING"):
            time.sleep(2 * INTERVAL + 0.5)
        self.assertGreaterEqual(client._heartbeat.attempts, 2)
        self.assertEqual(client.heartbeats, 0)
        self.assertFalse(client.is_closed)

    def test_interval_setting(self):
        with mock.patch.dict(os.environ, {"TORA_HEARTBEAT_INTERVAL": "12"}):
            self.assertEqual(_heartbeat.interval(), 12.0)
        with mock.patch.dict(os.environ, {"TORA_HEARTBEAT_INTERVAL": "1"}):
            self.assertEqual(_heartbeat.interval(), INTERVAL)
        with mock.patch.dict(os.environ, {"TORA_HEARTBEAT_INTERVAL": "soon"}):
            with self.assertRaises(tora.ToraConfigurationError):
                _heartbeat.interval()
        self.assertEqual(_heartbeat.interval(60), 60.0)
        with mock.patch.dict(os.environ, {}, clear=False):
            os.environ.pop("TORA_HEARTBEAT_INTERVAL", None)
            self.assertEqual(_heartbeat.interval(), 30.0)


if __name__ == "__main__":
    unittest.main()

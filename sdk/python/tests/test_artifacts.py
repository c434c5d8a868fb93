"""Artifacts from the Python SDK against a real single server (filesystem storage): a directory
with a large file and many small ones, logged with `log_artifact` and uploaded in the background
across a server restart; every file downloads with the hash it had."""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import threading
import time
import unittest

from tests import support  # noqa: F401  (puts the SDK source on sys.path)

import tora  # noqa: E402
from tora import _artifacts  # noqa: E402

BIG_MB = int(os.environ.get("TORA_TEST_ARTIFACT_MB", "20"))
SMALL_FILES = int(os.environ.get("TORA_TEST_ARTIFACT_FILES", "1000"))


def sha(path):
    return _artifacts.digest(path)[1]


class ArtifactTest(support.SignedInTest):
    def setUp(self):
        self.source = tempfile.mkdtemp(prefix="tora-artifacts-")
        self.addCleanup(shutil.rmtree, self.source, True)

    def make_tree(self):
        hashes = {}
        with open(os.path.join(self.source, "model.bin"), "wb") as handle:
            for _ in range(BIG_MB):
                handle.write(os.urandom(1024 * 1024))
        hashes["outputs/model.bin"] = sha(os.path.join(self.source, "model.bin"))
        os.makedirs(os.path.join(self.source, "samples", "deep"))
        for i in range(SMALL_FILES):
            sub = "samples/deep" if i % 2 else "samples"
            path = os.path.join(self.source, *sub.split("/"), "s%04d.txt" % i)
            with open(path, "wb") as handle:
                handle.write(os.urandom(50 + i % 200))
            hashes["outputs/%s/s%04d.txt" % (sub, i)] = sha(path)
        return hashes

    def test_directory_across_a_server_restart(self):
        hashes = self.make_tree()
        server = self.server
        client = tora.Tora.create_experiment(
            "artifacts",
            api_key=self.key,
            server_url=server.base_url,
            retry_timeout=300,
            spool_dir=tempfile.mkdtemp(),
            system_metrics_interval=0,
            capture_console=False,
        )
        started = time.perf_counter()
        client.log_artifact(self.source, name="outputs")
        self.assertLess(time.perf_counter() - started, 0.1, "log_artifact must not block the training loop")
        client.metric("loss", 1.0, 0)

        def restart():
            time.sleep(1.0)
            server.stop()
            time.sleep(1.0)
            server.start()

        thread = threading.Thread(target=restart, daemon=True)
        thread.start()
        thread.join(240)
        self.assertTrue(client.flush_artifacts(timeout=600))
        self.assertEqual(client._artifacts.failed, 0)
        client.shutdown()

        listed = _artifacts.list_artifacts(server.base_url, self.key, client.experiment_id)
        self.assertEqual({a["path"]: a["sha256"] for a in listed}, hashes)

        out = tempfile.mkdtemp(prefix="tora-artifacts-out-")
        self.addCleanup(shutil.rmtree, out, True)
        big = next(a for a in listed if a["path"] == "outputs/model.bin")
        target = _artifacts.download_artifact(server.base_url, self.key, client.experiment_id, big, os.path.join(out, "model.bin"))
        self.assertEqual(sha(target), hashes["outputs/model.bin"])
        for artifact in listed[:50]:
            target = os.path.join(out, *artifact["path"].split("/"))
            _artifacts.download_artifact(server.base_url, self.key, client.experiment_id, artifact, target)
            self.assertEqual(sha(target), hashes[artifact["path"]])

    def test_same_bytes_are_a_no_op_and_other_bytes_need_overwrite(self):
        client = tora.Tora.create_experiment(
            "artifact-conflict", api_key=self.key, server_url=self.server.base_url, system_metrics_interval=0,
            capture_console=False,
        )
        path = os.path.join(self.source, "config.yaml")
        with open(path, "w") as handle:
            handle.write("lr: 0.1\n")
        first = _artifacts.upload_file(self.server.base_url, self.key, client.experiment_id, path, "config.yaml")
        again = _artifacts.upload_file(self.server.base_url, self.key, client.experiment_id, path, "config.yaml")
        self.assertEqual(first["id"], again["id"])
        with open(path, "w") as handle:
            handle.write("lr: 0.2\n")
        with self.assertRaises(tora.ToraAPIError) as refused:
            _artifacts.upload_file(self.server.base_url, self.key, client.experiment_id, path, "config.yaml")
        self.assertEqual(refused.exception.status_code, 409)
        replaced = _artifacts.upload_file(
            self.server.base_url, self.key, client.experiment_id, path, "config.yaml", {"overwrite": True}
        )
        self.assertEqual(replaced["sha256"], sha(path))
        client.shutdown()


if __name__ == "__main__":
    unittest.main()

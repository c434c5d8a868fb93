"""A run whose server is down the whole time spools everything; `python -m tora sync` uploads it
exactly once, however often it runs."""

import glob
import json
import os
import shutil
import tempfile
import textwrap
import time
import unittest

import support

OFFLINE_SCRIPT = textwrap.dedent(
    """
    import sys, time, tora
    client = tora.Tora(sys.argv[1])  # no network call: the server is unreachable anyway
    worst = 0.0
    for step in range(5000):
        t = time.perf_counter()
        client.metric("offline/loss", 1.0 / (step + 1), step)
        client.metric("offline/acc", step % 10, step, {"split": "train"})
        worst = max(worst, time.perf_counter() - t)
    client.result("offline/final", 0.75)
    print("worst=%f" % worst)
    """
)


class SpoolSyncTest(support.SignedInTest):
    def sync(self, spool, *extra):
        proc = support.run_python(
            ["-m", "tora", "sync", "--spool-dir", spool, "--server-url", self.server.base_url] + list(extra),
            support.sdk_env(TORA_API_KEY=self.key),
        )
        return proc

    def test_offline_run_is_spooled_then_synced_exactly_once(self):
        status, body = self.server.request("POST", "/experiments", {"name": "offline run"}, key=self.key)
        self.assertEqual(status, 201, body)
        experiment_id = body["data"]["id"]
        spool = tempfile.mkdtemp(prefix="tora-spool-")
        dead = "http://127.0.0.1:%d/api" % support.free_port()
        started = time.monotonic()
        proc = support.run_python(
            ["-c", OFFLINE_SCRIPT, experiment_id],
            support.sdk_env(
                TORA_BASE_URL=dead,
                TORA_API_KEY=self.key,
                TORA_SPOOL_DIR=spool,
                TORA_RETRY_TIMEOUT="1",
                TORA_EXIT_TIMEOUT="5",
            ),
        )
        elapsed = time.monotonic() - started
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertLess(elapsed, 30)  # bounded exit even though nothing could be sent
        worst = float(proc.stdout.split("worst=")[1])
        self.assertLess(worst, 0.5)
        self.assertIn("python -m tora sync", proc.stderr)
        self.assertIn("10001 log entries", proc.stderr)
        spool_file = os.path.join(spool, experiment_id + ".jsonl")
        self.assertTrue(os.path.exists(spool_file), os.listdir(spool))
        backup = os.path.join(tempfile.mkdtemp(), "spool-copy.jsonl")
        shutil.copy(spool_file, backup)
        with open(spool_file) as f:
            records = [json.loads(line) for line in f]
        self.assertEqual(sum(len(r.get("logs", [])) for r in records), 10001)
        self.assertEqual([r["status"] for r in records if "status" in r], ["finished"])
        self.assertTrue(all("api_key" not in r and r["base_url"] == dead for r in records))
        self.assertEqual(self.server.counts(experiment_id, self.key), {})

        first = self.sync(spool)
        self.assertEqual(first.returncode, 0, first.stdout + first.stderr)
        self.assertRegex(first.stdout, r"10001 entries uploaded \(10001 stored, 0 already there\)")
        self.assertEqual(glob.glob(os.path.join(spool, "*.jsonl*")), [])
        exp = self.server.experiment(experiment_id, self.key)
        self.assertEqual({m["name"]: m["count"] for m in exp["metrics"]}, {"offline/loss": 5000, "offline/acc": 5000})
        self.assertEqual([(r["name"], r["value"]) for r in exp["results"]], [("offline/final", 0.75)])
        self.assertEqual(exp["status"], "finished")

        # The same spool uploaded again, twice over in one file: nothing is stored twice.
        with open(backup) as src, open(spool_file, "w") as dst:
            content = src.read()
            dst.write(content + content)
        os.remove(backup)
        again = self.sync(spool)
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        self.assertRegex(again.stdout, r"20002 entries uploaded \(0 stored, 20002 already there\)")
        self.assertEqual(self.server.counts(experiment_id, self.key), {"offline/loss": 5000, "offline/acc": 5000})

        empty = self.sync(spool)
        self.assertEqual(empty.returncode, 0)
        self.assertIn("nothing to upload", empty.stdout)

    def test_sync_keeps_the_file_when_the_server_is_unreachable(self):
        spool = tempfile.mkdtemp(prefix="tora-spool-")
        experiment_id = "00000000-0000-4000-8000-00000000abcd"
        line = json.dumps(
            {
                "v": 1,
                "experiment_id": experiment_id,
                "base_url": "http://127.0.0.1:1/api",
                "logs": [{"name": "x", "msg_id": "0190a000-0000-7000-8000-000000000001", "value": 1, "step": 0, "metadata": None}],
            }
        )
        path = os.path.join(spool, experiment_id + ".jsonl")
        with open(path, "w") as f:
            f.write(line + "\n")
        dead = "http://127.0.0.1:%d/api" % support.free_port()
        proc = support.run_python(
            ["-m", "tora", "sync", "--spool-dir", spool, "--server-url", dead, "--retry-timeout", "1"],
            support.sdk_env(TORA_API_KEY=self.key),
        )
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertIn("1 lines kept for the next sync", proc.stdout)
        with open(path) as f:
            self.assertEqual(f.read(), line + "\n")
        self.assertEqual(os.listdir(spool), [experiment_id + ".jsonl"])


if __name__ == "__main__":
    unittest.main()

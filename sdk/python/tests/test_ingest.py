"""Volume and outages against a real server: every point arrives exactly once, and logging never
waits for the network."""

import json
import os
import sys
import tempfile
import textwrap
import threading
import time
import unittest

import support
import tora

SCRIPT_100K = textwrap.dedent(
    """
    import json, math, sys, time
    import tora

    experiment_id = tora.setup("volume 100k", hyperparams={"points": 100000}, tags=["sdk-test"])
    worst = 0.0
    started = time.perf_counter()
    for step in range(50000):
        for name, value in (("train/loss", math.exp(-step / 9000)), ("train/acc", 1 - math.exp(-step / 7000))):
            t = time.perf_counter()
            tora.tmetric(name, value, step)
            worst = max(worst, time.perf_counter() - t)
    logged = time.perf_counter() - started
    delivered = tora.flush(timeout=150)
    print(json.dumps({"id": experiment_id, "worst": worst, "logged": logged,
                      "flushed": time.perf_counter() - started, "delivered": delivered}))
    """
)


class IngestTest(support.SignedInTest):
    def test_100k_points_from_one_script_arrive_exactly_once(self):
        spool = tempfile.mkdtemp(prefix="tora-spool-")
        env = support.sdk_env(TORA_BASE_URL=self.server.base_url, TORA_API_KEY=self.key, TORA_SPOOL_DIR=spool)
        proc = support.run_python(["-c", SCRIPT_100K], env, timeout=240)
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        report = json.loads(proc.stdout.strip().splitlines()[-1])
        print(
            "\n    100k points: logged in %.2f s, delivered after %.2f s; worst tmetric call %.2f ms"
            % (report["logged"], report["flushed"], report["worst"] * 1000),
            file=sys.stderr,
        )
        self.assertTrue(report["delivered"])
        self.assertLess(report["worst"], 0.5)
        self.assertEqual(self.server.counts(report["id"], self.key), {"train/loss": 50000, "train/acc": 50000})
        exp = self.server.experiment(report["id"], self.key)
        loss = next(m for m in exp["metrics"] if m["name"] == "train/loss")
        self.assertEqual((loss["first_step"], loss["last_step"]), (0, 49999))
        self.assertEqual(exp["status"], "finished")
        self.assertEqual(os.listdir(spool), [])

    def test_server_restart_mid_run_loses_and_duplicates_nothing(self):
        server = self.server
        client = tora.Tora.create_experiment(
            "outage",
            api_key=self.key,
            server_url=server.base_url,
            retry_timeout=300,
            spool_dir=tempfile.mkdtemp(),
            system_metrics_interval=0,  # the series checked below is the only one
        )
        events = {}

        def outage():
            time.sleep(1.5)
            events["down"] = time.monotonic()
            server.stop()
            time.sleep(10)
            events["restarting"] = time.monotonic()
            server.start()
            events["up"] = time.monotonic()

        thread = threading.Thread(target=outage, daemon=True)
        thread.start()
        worst = 0.0
        step = 0
        logged_while_down = 0
        # Keep logging through the outage and the restart, like a training loop would.
        while "up" not in events or step < 20000:
            t = time.perf_counter()
            client.metric("outage/loss", 1.0 / (step + 1), step)
            worst = max(worst, time.perf_counter() - t)
            if "down" in events and "up" not in events:
                logged_while_down += 1
            step += 1
            if step % 100 == 0:
                time.sleep(0.04)
            if step > 400000:
                break
        thread.join(5)
        client.result("outage/final", 0.5)
        t = time.monotonic()
        self.assertTrue(client.flush(timeout=180), client.stats)
        flushed = time.monotonic() - t
        stats = client.stats
        client.shutdown()
        print(
            "\n    outage: %d points (%d while the server was down %.1f s); worst tmetric call %.2f ms; "
            "drained %.1f s after restart; stats %s"
            % (step, logged_while_down, events["up"] - events["down"], worst * 1000, flushed, stats),
            file=sys.stderr,
        )
        self.assertGreater(logged_while_down, 1000)
        self.assertLess(worst, 0.5)
        self.assertEqual(stats["spilled"], 0)
        self.assertEqual(stats["dropped"], 0)
        exp = server.experiment(client.experiment_id, self.key)
        self.assertEqual({m["name"]: m["count"] for m in exp["metrics"]}, {"outage/loss": step})
        self.assertEqual([r["name"] for r in exp["results"]], ["outage/final"])
        self.assertEqual(exp["status"], "finished")


if __name__ == "__main__":
    unittest.main()

"""Run status at exit, setup errors, resuming, and the example script, against a real server."""

import os
import tempfile
import textwrap
import time
import unittest

import support
import tora

RUN_SCRIPT = textwrap.dedent(
    """
    import sys, tora
    experiment_id = tora.setup("lifecycle " + sys.argv[1], hyperparams={"mode": sys.argv[1]})
    print("ID=" + experiment_id, flush=True)
    for step in range(250):
        tora.tmetric("loss", 1.0 / (step + 1), step)
    tora.tresult("best", 0.25)
    if sys.argv[1] == "crash":
        raise RuntimeError("boom: training diverged")
    """
)


class LifecycleTest(support.SignedInTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.spool = tempfile.mkdtemp(prefix="tora-spool-")

    def env(self, **extra):
        return support.sdk_env(
            TORA_BASE_URL=self.server.base_url, TORA_API_KEY=self.key, TORA_SPOOL_DIR=self.spool, **extra
        )

    def run_script(self, mode):
        proc = support.run_python(["-c", RUN_SCRIPT, mode], self.env())
        ids = [line[3:] for line in proc.stdout.splitlines() if line.startswith("ID=")]
        self.assertEqual(len(ids), 1, proc.stdout + proc.stderr)
        self.assertIn("Tora experiment: %s/experiments/%s" % (self.server.origin, ids[0]), proc.stdout)
        return proc, self.server.experiment(ids[0], self.key)

    def test_clean_exit_marks_finished(self):
        proc, exp = self.run_script("clean")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(exp["status"], "finished")
        self.assertEqual([(m["name"], m["count"]) for m in exp["metrics"]], [("loss", 250)])
        self.assertEqual([(r["name"], r["value"]) for r in exp["results"]], [("best", 0.25)])

    def test_uncaught_exception_marks_failed(self):
        proc, exp = self.run_script("crash")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("RuntimeError: boom: training diverged", proc.stderr)  # the previous hook still ran
        self.assertEqual(exp["status"], "failed")
        self.assertEqual([(m["name"], m["count"]) for m in exp["metrics"]], [("loss", 250)])

    @unittest.skipUnless(hasattr(os, "fork"), "needs os.fork")
    def test_forked_child_exit_does_not_end_the_run(self):
        script = textwrap.dedent(
            """
            import json, os, sys, tora
            from tora import _http
            experiment_id = tora.setup("fork")
            tora.tmetric("loss", 1.0, 0)
            pid = os.fork()
            if pid == 0:
                sys.exit(0)  # runs atexit handlers in the child
            os.waitpid(pid, 0)
            resp = _http.request(os.environ["TORA_BASE_URL"], "GET", "/experiments/" + experiment_id, os.environ["TORA_API_KEY"])
            print("STATUS=" + resp.json()["data"]["status"])
            print("ID=" + experiment_id)
            """
        )
        proc = support.run_python(["-c", script], self.env())
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("STATUS=running", proc.stdout)
        experiment_id = proc.stdout.split("ID=")[1].strip()
        self.assertEqual(self.server.experiment(experiment_id, self.key)["status"], "finished")

    def test_context_manager(self):
        with tora.Tora.create_experiment("ctx ok", api_key=self.key, server_url=self.server.base_url) as run:
            run.metric("loss", 0.5, 0)
        self.assertEqual(self.server.experiment(run.experiment_id, self.key)["status"], "finished")
        with self.assertRaises(KeyError):
            with tora.Tora.create_experiment("ctx fail", api_key=self.key, server_url=self.server.base_url) as run:
                run.metric("loss", 0.5, 0)
                raise KeyError("oops")
        exp = self.server.experiment(run.experiment_id, self.key)
        self.assertEqual(exp["status"], "failed")
        self.assertEqual(exp["metrics"][0]["count"], 1)

    def test_wrong_api_key_is_one_clear_error(self):
        started = time.monotonic()
        with self.assertRaises(tora.ToraAuthenticationError) as ctx:
            tora.setup("nope", api_key="tora_sk_" + "A" * 43, server_url=self.server.base_url)
        self.assertLess(time.monotonic() - started, 10)  # rejected at once, not retried
        message = str(ctx.exception)
        self.assertIn("rejected the API key", message)
        self.assertIn(self.server.base_url, message)
        self.assertIn("TORA_API_KEY", message)
        self.assertFalse(tora.is_initialized())

    def test_server_down_at_setup_retries_then_names_the_url(self):
        dead = "http://127.0.0.1:%d/api" % support.free_port()
        started = time.monotonic()
        with self.assertRaises(tora.ToraConnectionError) as ctx:
            tora.setup("nowhere", api_key=self.key, server_url=dead, setup_timeout=2)
        elapsed = time.monotonic() - started
        self.assertGreaterEqual(elapsed, 1.9)
        self.assertLess(elapsed, 10)
        self.assertIn(dead, str(ctx.exception))
        self.assertIn("connection refused", str(ctx.exception))
        # The same through the environment, in a fresh interpreter.
        proc = support.run_python(
            ["-c", "import tora; tora.setup('nowhere')"],
            support.sdk_env(TORA_BASE_URL=dead, TORA_API_KEY=self.key, TORA_SETUP_TIMEOUT="1"),
        )
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("ToraConnectionError", proc.stderr)
        self.assertIn(dead, proc.stderr)

    def test_load_experiment_resumes(self):
        with tora.Tora.create_experiment(
            "resume me", hyperparams={"lr": 0.1}, api_key=self.key, server_url=self.server.base_url
        ) as first:
            for step in range(10):
                first.metric("loss", 1.0, step)
        with tora.Tora.load_experiment(first.experiment_id, api_key=self.key, server_url=self.server.base_url) as again:
            self.assertEqual(again.hyperparams, {"lr": 0.1})
            self.assertEqual(again.name, "resume me")
            self.assertEqual(again.status, "finished")  # loading leaves the status alone
            for step in range(10, 15):
                again.metric("loss", 0.5, step)
            again.metric("loss", 0.4)  # no step: the server appends after the last one
        exp = self.server.experiment(first.experiment_id, self.key)
        self.assertEqual((exp["metrics"][0]["count"], exp["metrics"][0]["last_step"]), (16, 15))
        with self.assertRaises(tora.ToraExperimentError):
            tora.Tora.load_experiment("00000000-0000-4000-8000-000000000000", api_key=self.key, server_url=self.server.base_url)

    def test_example_train_script(self):
        script = str(support.REPO_DIR / "examples" / "python" / "train.py")
        proc = support.run_python([script, "--epochs", "3", "--steps-per-epoch", "40", "--name", "example run"], self.env())
        self.assertEqual(proc.returncode, 0, proc.stderr)
        url = [line for line in proc.stdout.splitlines() if line.startswith("Tora experiment: ")][0]
        exp = self.server.experiment(url.rsplit("/", 1)[1], self.key)
        counts = {m["name"]: m["count"] for m in exp["metrics"]}
        self.assertEqual(counts, {"train/loss": 120, "train/lr": 120, "val/loss": 3, "train/epoch_loss": 3})
        self.assertEqual(sorted(r["name"] for r in exp["results"]), ["bias", "val/loss", "weight"])
        self.assertEqual(exp["status"], "finished")
        self.assertIn({"key": "optimizer", "value": "sgd"}, exp["hyperparams"])


if __name__ == "__main__":
    unittest.main()

"""examples/python/train_digits.py, a real scikit-learn training run, against the live server with
context, system metrics and console capture on: what it logged and what the SDK captured arrive.

It runs under Debian's /usr/bin/python3, which has python3-sklearn (the interpreter running the
tests may not), with the SDK from this source tree on PYTHONPATH."""

import os
import subprocess
import unittest

import support

SYSTEM_PYTHON = "/usr/bin/python3"
EXAMPLE = support.REPO_DIR / "examples" / "python" / "train_digits.py"
EPOCHS = 8


def has_sklearn() -> bool:
    try:
        return subprocess.run([SYSTEM_PYTHON, "-c", "import sklearn"], capture_output=True, timeout=60).returncode == 0
    except OSError:
        return False


class TrainDigitsExampleTest(support.SignedInTest):
    def test_the_example_logs_metrics_context_console_and_system_series(self):
        # The brief's environment (and CI) install python3-sklearn: its absence is a failure.
        self.assertTrue(has_sklearn(), "%s cannot import sklearn (apt-get install python3-sklearn)" % SYSTEM_PYTHON)
        env = support.sdk_env(
            TORA_API_KEY=self.key,
            TORA_BASE_URL=self.server.base_url,
            TORA_SPOOL_DIR=os.path.join(self.server.data_dir, "example-spool"),
        )
        proc = subprocess.run(
            [SYSTEM_PYTHON, str(EXAMPLE), "--epochs", str(EPOCHS), "--system-interval", "0.3", "--epoch-pause", "0.2"],
            env=env,
            cwd=str(support.REPO_DIR),
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        experiment_id = proc.stdout.split("/experiments/")[1].split()[0]
        exp = self.server.experiment(experiment_id, self.key)
        self.assertEqual(exp["status"], "finished")
        counts = {m["name"]: m["count"] for m in exp["metrics"]}
        for name in ("train/loss", "train/accuracy", "val/accuracy"):
            self.assertEqual(counts.get(name), EPOCHS, counts)
        for name in ("cpu_percent", "memory_used_bytes", "process_rss_bytes", "process_cpu_percent"):
            self.assertGreaterEqual(counts.get("system/" + name, 0), 2, counts)
        results = {r["name"]: r["value"] for r in exp["results"]}
        self.assertGreater(results["test/accuracy"], 0.8)  # an MLP on digits gets ~0.95

        status, body = self.server.request("GET", "/experiments/%s/context" % experiment_id, key=self.key)
        self.assertEqual(status, 200, body)
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=str(support.REPO_DIR), capture_output=True, text=True)
        self.assertEqual(body["data"]["summary"]["git"]["commit"], head.stdout.strip())
        self.assertEqual(body["data"]["summary"]["command"][1:3], [str(EXAMPLE), "--epochs"])
        self.assertIn("scikit-learn", {name.lower() for name in body["data"]["packages"]})

        lines = [l["text"] for l in support.console_lines(self.server, experiment_id, self.key) if l["stream"] == "stdout"]
        epochs = [l for l in lines if l.startswith("epoch ")]
        self.assertEqual([int(l.split()[1]) for l in epochs], list(range(EPOCHS)))
        self.assertTrue(lines[-1].startswith("test accuracy "), lines[-3:])
        # The console holds what the terminal showed.
        self.assertEqual(epochs, [l for l in proc.stdout.splitlines() if l.startswith("epoch ")])


if __name__ == "__main__":
    unittest.main()

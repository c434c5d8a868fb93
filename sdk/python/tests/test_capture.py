"""What the SDK captures on its own, checked against the live server: the run's context (git,
machine, packages, allow-listed environment, secrets kept on the machine), system metrics, the
console (exactly once and in order, across an outage too) and the switches that turn each off."""

import os
import re
import shutil
import subprocess
import tempfile
import textwrap
import threading
import time
import unittest

import support

from tora import _console, _context

SECRET_TOKEN = "tora_sk_" + "x" * 40
REMOTE = "https://alice:%s@example.com/team/project.git" % SECRET_TOKEN

SCRIPT = textwrap.dedent(
    """
    import os, sys, time, tora
    client = tora.Tora.create_experiment("capture test", **eval(os.environ.get("CAPTURE_ARGS", "{}")))
    for step in range(3):
        client.metric("train/loss", 1.0 / (step + 1), step)
        print("stdout line %d" % step)
        print("stderr line %d" % step, file=sys.stderr)
    time.sleep(float(os.environ.get("RUN_SECONDS", "0")))
    print("still stdout:", type(sys.stdout).__name__, file=sys.__stdout__)
    client.shutdown()
    print("after shutdown:", type(sys.stdout).__name__)
    print("EXPERIMENT", client.experiment_id)
    """
)


def assert_same_sequence(test, got, expected, context=""):
    """assertEqual for long lists, without difflib's slow diff of thousands of items."""
    if got == expected:
        return
    first = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))
    test.fail(
        "got %d items, expected %d; first difference at %d: %r vs %r %s"
        % (len(got), len(expected), first, got[first : first + 3], expected[first : first + 3], context)
    )


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


class CaptureTest(support.SignedInTest):
    def run_script(self, cwd=None, base_url=None, script=SCRIPT, **env):
        settings = dict(TORA_API_KEY=self.key, TORA_BASE_URL=base_url or self.server.base_url, TORA_SPOOL_DIR=tempfile.mkdtemp())
        settings.update(env)
        proc = support.run_python(["-c", script], support.sdk_env(**settings), cwd=cwd, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        return proc.stdout.split("EXPERIMENT ")[-1].strip(), proc

    def context(self, experiment_id):
        return self.server.request("GET", "/experiments/%s/context" % experiment_id, key=self.key)

    def make_repo(self):
        repo = tempfile.mkdtemp(prefix="tora-git-")
        git(repo, "init", "-q", "-b", "trial")
        git(repo, "config", "user.email", "t@example.com")
        git(repo, "config", "user.name", "T")
        with open(os.path.join(repo, "train.py"), "w") as f:
            f.write("print('hi')\n")
        git(repo, "add", "train.py")
        git(repo, "commit", "-q", "-m", "first")
        git(repo, "remote", "add", "origin", REMOTE)
        with open(os.path.join(repo, "train.py"), "a") as f:
            f.write("print('uncommitted change')\n")
        return repo

    def test_context_from_a_git_repository_keeps_secrets_on_the_machine(self):
        repo = self.make_repo()
        proxy = support.Proxy(self.server)
        self.addCleanup(proxy.close)
        experiment_id, _ = self.run_script(
            cwd=repo,
            base_url=proxy.base_url,
            SLURM_JOB_ID="4242",
            CUDA_VISIBLE_DEVICES="0,1",
            NCCL_AUTH_TOKEN="plain-looking-but-named-secret",
            SLURM_JOB_COMMENT="see https://bob:hunter2pass@example.org/x",
            HF_HOME="/data/hf " + "ghp_" + "a" * 36,
            UNLISTED_VARIABLE="must not be sent",
        )
        status, body = self.context(experiment_id)
        self.assertEqual(status, 200, body)
        data = body["data"]
        summary = data["summary"]
        self.assertEqual(summary["git"]["commit"], git(repo, "rev-parse", "HEAD"))
        self.assertEqual(summary["git"]["branch"], "trial")
        self.assertEqual(summary["git"]["remote"], "https://example.com/team/project.git")
        self.assertTrue(summary["git"]["dirty"])
        self.assertIn("+print('uncommitted change')", data["git_diff"])
        self.assertFalse(data["git_diff_truncated"])
        self.assertEqual(os.path.realpath(summary["cwd"]), os.path.realpath(repo))
        self.assertEqual(summary["runtime"]["name"], "cpython")
        self.assertEqual(summary["cpus"], os.cpu_count())
        self.assertGreater(summary["memory_bytes"], 0)
        self.assertEqual(summary["command"][1], "-c")
        self.assertGreater(len(data["packages"]), 0)
        env = data["env"]
        self.assertEqual(env["SLURM_JOB_ID"], "4242")
        self.assertEqual(env["CUDA_VISIBLE_DEVICES"], "0,1")
        self.assertEqual(env["NCCL_AUTH_TOKEN"], "[redacted]")
        self.assertEqual(env["SLURM_JOB_COMMENT"], "[redacted]")
        self.assertEqual(env["HF_HOME"], "[redacted]")
        self.assertNotIn("UNLISTED_VARIABLE", env)
        # Nothing secret ever left the machine: not in any request body the SDK sent.
        wire = b"\n".join(proxy.bodies)
        self.assertIn(b"/context", wire)
        for secret in (SECRET_TOKEN, "alice", "hunter2pass", "plain-looking-but-named-secret", "ghp_aaaa", "must not be sent"):
            self.assertNotIn(secret.encode(), wire, secret)

    def test_outside_a_repository_there_is_no_git_part(self):
        experiment_id, _ = self.run_script(cwd=tempfile.mkdtemp(prefix="tora-nogit-"))
        status, body = self.context(experiment_id)
        self.assertEqual(status, 200, body)
        self.assertIsNone(body["data"]["summary"]["git"])
        self.assertIsNotNone(body["data"]["summary"]["host"])

    def test_console_lines_arrive_once_in_order_and_streams_are_restored(self):
        experiment_id, proc = self.run_script()
        lines = support.console_lines(self.server, experiment_id, self.key)
        got = [(l["seq"], l["stream"], l["text"]) for l in lines]
        expected = []
        for step in range(3):
            expected += [("stdout", "stdout line %d" % step), ("stderr", "stderr line %d" % step)]
        self.assertEqual([(s, t) for _, s, t in got], expected)
        self.assertEqual([s for s, _, _ in got], list(range(1, len(got) + 1)))
        # The script still printed everything itself, and its streams were put back at the end.
        self.assertIn("stdout line 2", proc.stdout)
        self.assertIn("stderr line 2", proc.stderr)
        self.assertIn("still stdout: Tee", proc.stdout)
        self.assertIn("after shutdown: TextIOWrapper", proc.stdout)

    def test_system_metrics_arrive_at_a_short_interval(self):
        experiment_id, _ = self.run_script(TORA_SYSTEM_METRICS_INTERVAL="0.2", RUN_SECONDS="1.5")
        counts = self.server.counts(experiment_id, self.key)
        for name in (
            "cpu_percent",
            "process_cpu_percent",
            "memory_used_bytes",
            "memory_available_bytes",
            "process_rss_bytes",
            "disk_read_bytes_per_s",
            "disk_write_bytes_per_s",
            "net_sent_bytes_per_s",
            "net_recv_bytes_per_s",
        ):
            self.assertGreaterEqual(counts.get("system/" + name, 0), 3, (name, counts))
        self.assertEqual(counts["train/loss"], 3)
        gpu_series = [n for n in counts if n.startswith("system/gpu")]
        if shutil.which("nvidia-smi") is None:
            self.assertEqual(gpu_series, [])  # no tool, no GPU series (and no error)
        else:
            self.assertIn("system/gpu0/utilization_percent", gpu_series)

    def test_switches_turn_each_part_off(self):
        # Environment variables: everything off.
        experiment_id, proc = self.run_script(
            TORA_CAPTURE_CONTEXT="0", TORA_CAPTURE_CONSOLE="0", TORA_SYSTEM_METRICS_INTERVAL="0", RUN_SECONDS="0.5"
        )
        self.assertEqual(self.context(experiment_id)[0], 404)
        self.assertEqual(support.console_lines(self.server, experiment_id, self.key), [])
        self.assertEqual(self.server.counts(experiment_id, self.key), {"train/loss": 3})
        self.assertIn("still stdout: TextIOWrapper", proc.stdout)
        # The context's parts, by environment variable.
        repo = self.make_repo()
        experiment_id, _ = self.run_script(
            cwd=repo, TORA_CAPTURE_GIT="0", TORA_CAPTURE_ENV="0", TORA_CAPTURE_PACKAGES="0", SLURM_JOB_ID="1"
        )
        status, body = self.context(experiment_id)
        self.assertEqual(status, 200, body)
        self.assertIsNone(body["data"]["summary"]["git"])
        self.assertEqual(body["data"]["env"], {})
        self.assertEqual(body["data"]["packages"], {})
        self.assertIsNotNone(body["data"]["summary"]["host"])
        # Arguments win over the environment.
        experiment_id, _ = self.run_script(
            cwd=repo,
            CAPTURE_ARGS=repr({"capture_context": False, "capture_console": False, "system_metrics_interval": 0}),
            TORA_SYSTEM_METRICS_INTERVAL="0.1",
            TORA_CAPTURE_CONSOLE="1",
            RUN_SECONDS="0.5",
        )
        self.assertEqual(self.context(experiment_id)[0], 404)
        self.assertEqual(support.console_lines(self.server, experiment_id, self.key), [])
        self.assertEqual(self.server.counts(experiment_id, self.key), {"train/loss": 3})

    def test_a_resumed_run_numbers_its_lines_on(self):
        first, _ = self.run_script()
        before = support.console_lines(self.server, first, self.key)
        script = textwrap.dedent(
            """
            import sys, tora
            client = tora.Tora.load_experiment(sys.argv[1])
            print("resumed line")
            client.shutdown()
            """
        )
        proc = support.run_python(
            ["-c", script, first],
            support.sdk_env(TORA_API_KEY=self.key, TORA_BASE_URL=self.server.base_url, TORA_CAPTURE_CONTEXT="0"),
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)
        after = support.console_lines(self.server, first, self.key)
        self.assertEqual(after[: len(before)], before)
        self.assertEqual([(l["seq"], l["text"]) for l in after[len(before) :]], [(len(before) + 1, "resumed line")])


FLOOD_SCRIPT = textwrap.dedent(
    """
    import sys, time, tora
    client = tora.Tora.create_experiment("console outage", system_metrics_interval=0, capture_context=False)
    print("EXPERIMENT", client.experiment_id, file=sys.__stderr__, flush=True)
    step = 0
    deadline = time.monotonic() + float(sys.argv[1])
    while time.monotonic() < deadline:
        print("line %d" % step)
        client.metric("outage/step", step, step)
        step += 1
        time.sleep(0.01)
    print("TOTAL", step, file=sys.__stderr__)
    """
)


class ConsoleOutageTest(support.SignedInTest):
    def test_console_lines_arrive_exactly_once_in_order_across_an_outage(self):
        spool = tempfile.mkdtemp(prefix="tora-spool-")
        env = support.sdk_env(
            TORA_API_KEY=self.key,
            TORA_BASE_URL=self.server.base_url,
            TORA_SPOOL_DIR=spool,
            TORA_RETRY_TIMEOUT="3",  # short: batches of the outage go to the spool
            TORA_EXIT_TIMEOUT="20",
        )
        proc = subprocess.Popen(
            [support.sys.executable, "-c", FLOOD_SCRIPT, "16"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        events = {}

        def outage():
            time.sleep(2)
            self.server.stop()
            events["down"] = time.monotonic()
            time.sleep(10)
            self.server.start()
            events["up"] = time.monotonic()

        thread = threading.Thread(target=outage, daemon=True)
        thread.start()
        _, err = proc.communicate(timeout=180)
        thread.join(120)
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn("up", events)
        experiment_id = err.split("EXPERIMENT ")[1].split()[0]
        total = int(err.split("TOTAL ")[1].split()[0])
        self.assertIn("console lines", err)  # some were spooled, and the user was told
        sync = support.run_python(
            ["-m", "tora", "sync", "--spool-dir", spool, "--server-url", self.server.base_url],
            support.sdk_env(TORA_API_KEY=self.key),
        )
        self.assertEqual(sync.returncode, 0, sync.stdout + sync.stderr)
        self.assertIn("console lines", sync.stdout)
        lines = support.console_lines(self.server, experiment_id, self.key)
        # Every line once, numbered without a gap; the script's prints in order (its stderr also
        # holds the SDK's own warnings about the outage, which the terminal showed too).
        assert_same_sequence(self, [l["seq"] for l in lines], list(range(1, len(lines) + 1)))
        printed = [l["text"] for l in lines if l["stream"] == "stdout"]
        assert_same_sequence(self, printed, ["line %d" % i for i in range(total)], err[-2000:])
        self.assertTrue(all(l["text"].startswith("tora: ") for l in lines if l["stream"] == "stderr"))
        self.assertEqual(self.server.counts(experiment_id, self.key), {"outage/step": total})
        # Syncing the same lines again stores nothing twice (the server keeps each seq once).
        again = support.run_python(
            ["-m", "tora", "sync", "--spool-dir", spool, "--server-url", self.server.base_url],
            support.sdk_env(TORA_API_KEY=self.key),
        )
        self.assertIn("nothing to upload", again.stdout)


class ConsoleLimitAndFloodTest(unittest.TestCase):
    """A server of its own with a small per-run console cap."""

    @classmethod
    def setUpClass(cls):
        cls.server = support.Server(port_offset=1, TORA_CONSOLE_MAX_BYTES="20000")
        cls.server.start()
        cls.addClassCleanup(cls.server.cleanup)
        cls.token, cls.key = cls.server.new_user()

    def test_past_the_console_cap_it_says_so_once_and_metrics_go_on(self):
        script = textwrap.dedent(
            """
            import sys, time, tora
            client = tora.Tora.create_experiment("chatty", system_metrics_interval=0, capture_context=False)
            for step in range(60):
                print("x" * 1000, step)
                client.metric("loss", 1.0 / (step + 1), step)
                if step % 10 == 9:
                    client.flush()
            client.shutdown()
            print("EXPERIMENT", client.experiment_id)
            """
        )
        proc = support.run_python(["-c", script], support.sdk_env(TORA_API_KEY=self.key, TORA_BASE_URL=self.server.base_url))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        experiment_id = proc.stdout.split("EXPERIMENT ")[1].strip()
        self.assertEqual(proc.stderr.count("console capture stopped"), 1, proc.stderr)
        self.assertIn("TORA_CONSOLE_MAX_BYTES", proc.stderr)
        stored = support.console_lines(self.server, experiment_id, self.key)
        self.assertGreater(len(stored), 0)
        self.assertLess(len(stored), 60)
        self.assertEqual(self.server.counts(experiment_id, self.key), {"loss": 60})



class ConsoleFloodTest(support.SignedInTest):
    def test_a_flood_past_the_queue_is_counted_not_queued(self):
        script = textwrap.dedent(
            """
            import sys, tora
            from tora import _console
            _console.MAX_PENDING_CHUNKS = 1000  # small, so the flood overflows it for sure
            client = tora.Tora.create_experiment("flood", system_metrics_interval=0, capture_context=False)
            for i in range(100000):
                print("flood", i)
            print("the end")
            stats = client.stats
            client.shutdown()
            print("EXPERIMENT", client.experiment_id, stats["console_not_captured"], file=sys.__stderr__)
            """
        )
        proc = support.run_python(
            ["-c", script], support.sdk_env(TORA_API_KEY=self.key, TORA_BASE_URL=self.server.base_url, TORA_CAPTURE_CONTEXT="0")
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.count("\n"), 100001)  # every line still printed
        experiment_id, _ = proc.stderr.split("EXPERIMENT ")[1].split()[:2]
        lines = support.console_lines(self.server, experiment_id, self.key)
        markers = [l for l in lines if "console lines not captured" in l["text"]]
        self.assertGreater(len(markers), 0)
        assert_same_sequence(self, [l["seq"] for l in lines], list(range(1, len(lines) + 1)))
        # print() writes "flood", " ", the number and "\n" separately, and the overflow may drop
        # any of them: a flood line is whatever was kept of one ("flood 12", "flood ", "12", "").
        flood = [l["text"] for l in lines if re.fullmatch(r"(?:flood)? ?\d*", l["text"])]
        captured = [int(t.split()[1]) for t in flood if re.fullmatch(r"flood \d+", t)]
        self.assertEqual(captured, sorted(captured))
        self.assertGreater(len(captured), 0)
        # A marker counts the newlines it lost; a line whose text was kept but whose newline was
        # lost is counted there too, so the sum may exceed the lines printed by one per marker.
        missing = sum(int(m["text"].split()[1]) for m in markers)
        self.assertGreaterEqual(len(flood) + missing, 100000)
        self.assertLessEqual(len(flood) + missing, 100000 + len(markers))


class RulesTest(unittest.TestCase):
    """The client-side rules, which must match the server's (run-context-redaction.ts, ConsoleLine)."""

    def test_credentials_are_stripped_from_remotes(self):
        self.assertEqual(_context.strip_credentials("https://u:p@github.com/a/b.git"), "https://github.com/a/b.git")
        self.assertEqual(_context.strip_credentials("ssh://git@host:22/r"), "ssh://host:22/r")
        self.assertEqual(_context.strip_credentials("git@github.com:a/b.git"), "git@github.com:a/b.git")

    def test_secret_names_and_values(self):
        self.assertTrue(_context.looks_secret("WANDB_API_KEY", "abc"))
        self.assertTrue(_context.looks_secret("SLURM_X", "AKIA" + "A" * 16))
        self.assertTrue(_context.looks_secret("X", "Bearer eyJhbGciOi.eyJzdWIi.sig"))
        self.assertFalse(_context.looks_secret("SLURM_JOB_ID", "12345"))
        env = _context.environment({"RANK": "0", "HOME": "/root", "SLURM_TOKEN": "1", "PBS_O_WORKDIR": "/w"})
        self.assertEqual(env, {"PBS_O_WORKDIR": "/w", "RANK": "0", "SLURM_TOKEN": "[redacted]"})
        self.assertEqual(_context.redact_text("--key=" + SECRET_TOKEN), "--key=[redacted]")

    def test_the_diff_is_cut_at_a_character_boundary(self):
        text = "é" * 10
        cut, truncated = _context.cut_utf8(text, 5)
        self.assertEqual((cut, truncated), ("éé", True))
        self.assertEqual(_context.cut_utf8("abc", 3), ("abc", False))

    def test_long_console_lines_are_cut_with_the_marker(self):
        line = _console.storable("a" * 20000)
        self.assertEqual(len(line), 16 * 1024)
        self.assertTrue(line.endswith(" …[line cut]"))
        self.assertEqual(_console.storable("a\x00b\udc80"), "a\ufffdb\ufffd")
        self.assertEqual(_console._terminal_view("10%\r50%\r100%\r"), "100%")


if __name__ == "__main__":
    unittest.main()

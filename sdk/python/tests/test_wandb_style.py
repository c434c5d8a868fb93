"""The W&B-style API (`tora.init`, `tora.log`, `tora.config`, `tora.summary`, `tora.finish`).

Live: scripts written for `wandb` (tests/wandb_scripts) run with their `import wandb` line
replaced by `import tora as wandb` and nothing else, against a real server; what arrived is read
back through the API (hyperparameters, points by step, results, tags, notes, project, status).
On the wire: the step counting, config and summary semantics against the capturing server."""

import os
import re
import tempfile
import unittest
import urllib.parse
import uuid

import support
import tora
from tora import _wandb_style, _wrapper

SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wandb_scripts")


def quiet_options(base_url, key=None):
    """A client that sends only what the test logs (no console, context, system metrics or heartbeat)."""
    return dict(
        server_url=base_url,
        api_key=key or "tora_sk_test",
        spool_dir=tempfile.mkdtemp(prefix="tora-spool-"),
        heartbeat=False,
        capture_context=False,
        capture_console=False,
        system_metrics_interval=0,
    )


class WandbScriptTest(support.SignedInTest):
    """Scripts written for W&B, run unchanged but for their import, against a live server."""

    def run_script(self, script, *args):
        with open(os.path.join(SCRIPTS, script), encoding="utf-8") as f:
            source = f.read()
        self.assertEqual(source.count("\nimport wandb\n"), 1, "the script imports wandb once")
        patched = source.replace("\nimport wandb\n", "\nimport tora as wandb\n")
        folder = tempfile.mkdtemp(prefix="tora-wandb-script-")
        path = os.path.join(folder, script)
        with open(path, "w", encoding="utf-8") as f:
            f.write(patched)
        env = support.sdk_env(
            TORA_BASE_URL=self.server.base_url,
            TORA_API_KEY=self.key,
            TORA_SPOOL_DIR=os.path.join(folder, "spool"),
        )
        done = support.run_python([path] + list(args), env, cwd=folder)
        ids = re.findall(r"^RUN_ID ([0-9a-f-]{36})$", done.stdout, re.M)
        return done, ids

    def get(self, path):
        status, body = self.server.request("GET", path, key=self.key)
        self.assertEqual(status, 200, body)
        return body["data"]

    def points(self, experiment_id, *names):
        query = urllib.parse.urlencode({"names": ",".join(names), "limit": 100})
        series = self.get("/experiments/%s/metrics?%s" % (experiment_id, query))["series"]
        return {s["name"]: list(zip(s["steps"], s["values"])) for s in series}

    def hyperparams(self, experiment):
        return {h["key"]: h["value"] for h in experiment["hyperparams"]}

    def results(self, experiment):
        return {r["name"]: r["value"] for r in experiment["results"]}

    def test_training_script_runs_unchanged(self):
        done, ids = self.run_script("train.py", "--lr", "0.05", "--epochs", "6")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertEqual(len(ids), 2, done.stdout)
        first = self.get("/experiments/%s" % ids[0])
        self.assertEqual(first["name"], "mlp baseline")
        self.assertEqual(first["status"], "finished")
        self.assertEqual(first["project"], "wandb-compat")
        self.assertEqual(first["tags"], ["baseline", "compat"])
        self.assertEqual(first["notes"], "Trained with the **W&B** API.\n\n- lr from the command line")
        self.assertEqual(
            self.hyperparams(first),
            {
                "lr": 0.05,
                "batch_size": 32,
                "model.layers": 3,
                "model.activation": "relu",
                "epochs": 6,
                "dropout": 0.1,
                "seed": 7,
                "group": "sweep-1",
                "job_type": "train",
            },
        )
        losses = [__import__("math").exp(-0.05 * 10 * (e + 1)) for e in range(6)]
        points = self.points(ids[0], "train/loss", "train/acc", "epoch", "eval/loss", "lr_now", "momentum")
        self.assertEqual([s for s, _ in points["train/loss"]], list(range(6)))
        for (_, got), want in zip(points["train/loss"], losses):
            self.assertAlmostEqual(got, want, places=12)
        self.assertEqual(points["epoch"], [(e, e) for e in range(6)])
        self.assertEqual([s for s, _ in points["train/acc"]], list(range(6)))
        self.assertEqual([s for s, _ in points["eval/loss"]], [100, 110, 120])
        # W&B's counting: a log without step joins the last explicit step, commit=False stays on it.
        self.assertEqual(points["lr_now"], [(120, 0.01)])
        self.assertEqual(points["momentum"], [(120, 0.9)])
        results = self.results(first)
        self.assertAlmostEqual(results["best_acc"], 1 - losses[-1] / 2, places=12)
        self.assertAlmostEqual(results["final_loss"], losses[-1], places=12)
        self.assertEqual(results["epochs_run"], 6)
        self.assertIn("last logged train/loss: %r" % losses[-1], done.stdout)

        second = self.get("/experiments/%s" % ids[1])
        self.assertEqual((second["name"], second["status"], second["project"]), ("from namespace", "finished", "wandb-compat"))
        self.assertEqual(second["tags"], ["namespace"])
        self.assertEqual(self.hyperparams(second), {"lr": 0.05, "epochs": 6, "project": "wandb-compat"})
        self.assertEqual(self.points(ids[1], "x")["x"], [(0, 0.0), (1, 2.0), (2, 4.0), (3, 6.0)])
        self.assertEqual(self.results(second), {"x_final": 6.0})

        projects = self.get("/workspaces/%s/projects" % first["workspace_id"])["projects"]
        named = [p for p in projects if p["name"] == "wandb-compat"]
        self.assertEqual(len(named), 1, projects)
        self.assertGreaterEqual(named[0]["run_count"], 2)
        self.assertEqual(first["project_id"], named[0]["id"])

    def test_exception_inside_with_marks_the_run_failed(self):
        done, ids = self.run_script("crash.py")
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("RuntimeError: loss diverged", done.stderr)
        self.assertIn("only finite numbers are logged", done.stderr)
        self.assertEqual(len(ids), 1, done.stdout)
        experiment = self.get("/experiments/%s" % ids[0])
        self.assertEqual(experiment["status"], "failed")
        self.assertEqual(experiment["project"], "wandb-compat")
        self.assertEqual(self.points(ids[0], "loss")["loss"], [(0, 1.0)])

    def test_a_run_left_open_ends_with_the_interpreter(self):
        for args, status in (((), "finished"), (("--crash",), "failed")):
            with self.subTest(status=status):
                done, ids = self.run_script("no_finish.py", *args)
                self.assertEqual(done.returncode != 0, status == "failed", done.stderr)
                experiment = self.get("/experiments/%s" % ids[0])
                self.assertEqual(experiment["status"], status)
                # The config change made just before the end arrived before the status.
                self.assertEqual(self.hyperparams(experiment), {"lr": 0.2, "late": "yes"})
                self.assertEqual([s for s, _ in self.points(ids[0], "loss")["loss"]], [0, 1, 2])

    def test_entity_names_a_workspace(self):
        team = tora.create_workspace("wandb team %s" % uuid.uuid4().hex[:6], api_key=self.key, server_url=self.server.base_url)
        run = tora.init(entity=team["name"], project="team-project", name="in the team", **quiet_options(self.server.base_url, self.key))
        try:
            self.assertEqual(self.get("/experiments/%s" % run.id)["workspace_id"], team["id"])
        finally:
            run.finish()
        with self.assertRaises(tora.ToraWorkspaceError):
            tora.init(entity="no such workspace %s" % uuid.uuid4().hex, **quiet_options(self.server.base_url, self.key))
        self.assertIsNone(tora.run)


class WandbWireTest(unittest.TestCase):
    """What the W&B-style calls put on the wire (a capturing server, no database)."""

    def setUp(self):
        self.capture = support.Capture()
        self.addCleanup(self.capture.close)
        self.addCleanup(lambda: [run.finish() for run in list(_wandb_style._open)])

    def init(self, **kwargs):
        return tora.init(**dict(quiet_options(self.capture.base_url), **kwargs))

    def patches(self):
        return [r["body"] for r in self.capture.requests if r["method"] == "PATCH"]

    def created(self):
        return [r["body"] for r in self.capture.requests if r["method"] == "POST" and r["path"] == "/api/experiments"]

    def test_steps_are_counted_as_wandb_counts_them(self):
        run = self.init(project="p", name="steps")
        tora.log({"a": 1})  # 0
        tora.log({"a": 2, "b": 3})  # 1
        tora.log({"c": 4}, commit=False)  # 2, stays
        tora.log({"d": 5})  # 2
        tora.log({"e": 6}, step=10)  # 10, stays
        tora.log({"f": 7})  # 10
        tora.log({"g": 8}, step=5)  # an earlier step is logged there; the count stays at 11
        tora.log({"h": 9}, step=20, commit=True)  # 20, then 21
        self.assertEqual(run.step, 21)
        tora.log({"nested": {"x": 1, "y": {"z": 2}}, "with space": 3, "text": "no", "nan": float("nan"), "flag": True})
        run.finish()
        steps = {(e["name"], e["step"], e["value"]) for e in self.capture.logs() if e["metadata"]["type"] == "metric"}
        self.assertEqual(
            steps,
            {
                ("a", 0, 1), ("a", 1, 2), ("b", 1, 3), ("c", 2, 4), ("d", 2, 5), ("e", 10, 6), ("f", 10, 7),
                ("g", 5, 8), ("h", 20, 9), ("nested.x", 21, 1), ("nested.y.z", 21, 2), ("with_space", 21, 3),
                ("flag", 21, 1),
            },
        )  # fmt: skip
        self.assertEqual(self.created()[0]["project"], "p")
        self.assertEqual(self.patches()[-1], {"status": "finished"})
        with self.assertRaises(tora.ToraValidationError):
            self.init().log({"a": 1}, step=-1)

    def test_config_changes_become_hyperparameters(self):
        run = self.init(config={"lr": 0.1, "opt": {"name": "adam"}}, group="g1", job_type="eval", notes="# notes")
        self.assertEqual(
            self.created()[0]["hyperparams"],
            [{"key": "lr", "value": 0.1}, {"key": "opt.name", "value": "adam"}, {"key": "group", "value": "g1"}, {"key": "job_type", "value": "eval"}],
        )
        self.assertEqual(self.patches(), [{"notes": "# notes"}])  # sent before init returns
        tora.config.update({"lr": 0.2, "layers": [64, 32]})
        tora.config.batch = 16
        tora.config["missing"] = None
        tora.config.setdefaults({"batch": 99, "new": "kept"})
        self.assertEqual((tora.config.lr, tora.config["batch"], tora.config.get("nope", 5), "new" in tora.config), (0.2, 16, 5, True))
        with self.assertRaises(AttributeError):
            tora.config.nope
        with self.assertRaises(tora.ToraValidationError):
            tora.config.update({"bad\nkey": 1})  # refused before anything changes
        self.assertNotIn("bad\nkey", tora.config)
        run.notes = "changed"
        run.tags = ["t1", "t2"]
        run.finish()
        patched = {}
        for body in self.patches()[1:]:
            patched.update(body)
        self.assertEqual(
            patched["hyperparams"],
            [
                {"key": "lr", "value": 0.2},
                {"key": "opt.name", "value": "adam"},
                {"key": "layers", "value": "[64, 32]"},
                {"key": "batch", "value": 16},
                {"key": "missing", "value": "null"},
                {"key": "new", "value": "kept"},
                {"key": "group", "value": "g1"},
                {"key": "job_type", "value": "eval"},
            ],
        )
        self.assertEqual((patched["notes"], patched["tags"], patched["status"]), ("changed", ["t1", "t2"], "finished"))
        self.assertIn("status", self.patches()[-1])  # the status goes out last

    def test_summary_numbers_become_results(self):
        run = self.init()
        tora.log({"loss": 0.5})
        self.assertEqual(tora.summary["loss"], 0.5)
        run.summary["best"] = 0.9
        tora.summary.update({"final": 3, "name": "text", "nested": {"a": 1}})
        tora.summary.best = 0.95
        self.assertEqual((tora.summary["best"], tora.summary.get("name"), tora.summary.get("x", 1)), (0.95, "text", 1))
        run.finish()
        results = [(e["name"], e["value"]) for e in self.capture.logs() if e["metadata"]["type"] == "result"]
        self.assertEqual(results, [("best", 0.9), ("final", 3), ("nested.a", 1), ("best", 0.95)])

    def test_the_current_run_and_reinit(self):
        self.assertIsNone(tora.run)
        with self.assertRaises(tora.ToraError):
            tora.config.lr
        with self.assertRaises(tora.ToraError):
            tora.log({"a": 1})
        first = self.init(name="first")
        self.assertIs(tora.run, first)
        self.assertIs(self.init(name="again"), first)  # W&B's default in a script
        self.assertEqual(len(self.created()), 1)
        tora.tmetric("old_api", 1.0, 0)  # the setup-style calls log to it too
        second = self.init(name="second", reinit=True)
        self.assertIsNot(second, first)
        self.assertTrue(first.client.is_closed)
        third = self.init(name="third", reinit="create_new")
        self.assertIs(tora.run, third)
        third.finish()
        self.assertIs(tora.run, second)
        tora.finish()
        self.assertIsNone(tora.run)
        self.assertFalse(_wrapper.is_initialized())
        tora.finish()  # nothing open: nothing to do
        self.assertIn(("old_api", 0), [(e["name"], e["step"]) for e in self.capture.logs()])

    def test_context_manager_and_exit_codes(self):
        with self.assertRaises(KeyError):
            with self.init(name="boom") as run:
                raise KeyError("x")
        self.assertTrue(run.client.is_closed)
        with self.init(name="fine"):
            pass
        self.init(name="coded").finish(exit_code=3)
        statuses = [body["status"] for body in self.patches() if "status" in body]
        self.assertEqual(statuses, ["failed", "finished", "failed"])

    def test_arguments(self):
        with self.assertRaises(TypeError):
            self.init(no_such_argument=1)
        with self.assertRaises(tora.ToraValidationError):
            self.init(project="two\nlines")
        with self.assertRaises(tora.ToraValidationError):
            self.init(mode="offline")
        with self.assertRaises(tora.ToraValidationError):
            self.init(config={"k" * 101: 1})
        self.assertEqual(self.created(), [])  # refused before anything was sent
        run = self.init(dir="/tmp", save_code=True, settings=object(), config={"a": 1, "b": 2}, config_exclude_keys=["b"])
        self.assertEqual(dict(run.config), {"a": 1})
        self.assertRegex(run.name, r"^\S.*-\d{8}-\d{6}$")  # the script and the start time
        run.finish()
        disabled = tora.init(mode="disabled", config={"lr": 1})
        tora.log({"loss": 1.0})
        disabled.summary["best"] = 1.0
        self.assertEqual((disabled.id, tora.config.lr, disabled.step), ("", 1, 1))
        disabled.finish()
        self.assertEqual(len(self.created()), 1)

    def test_project_in_the_setup_api(self):
        options = quiet_options(self.capture.base_url)
        client = tora.Tora.create_experiment("with project", project="  vision ", **options)
        client.shutdown()
        tora.setup("setup with project", project="nlp", **options)
        tora.shutdown()
        tora.Tora.create_experiment("without", **options).shutdown()
        self.assertEqual([body.get("project") for body in self.created()], ["vision", "nlp", None])
        with self.assertRaises(tora.ToraValidationError):
            tora.Tora.create_experiment("bad", project="x" * 101, **options)


if __name__ == "__main__":
    unittest.main()

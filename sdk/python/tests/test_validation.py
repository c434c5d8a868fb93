"""Call-site validation, msg_ids and the wire format, against a capturing HTTP server (no database)."""

import json
import math
import os
import tempfile
import time
import unittest
import uuid

import support  # noqa: F401  (puts the SDK source on sys.path)
import tora
from tora import _validation
from tora._uuid7 import uuid7
from tora._sender import encode


class ValidationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.capture = support.Capture()
        cls.spool = tempfile.mkdtemp(prefix="tora-spool-")
        cls.client = tora.Tora.create_experiment(
            "validation", api_key="tora_sk_test", server_url=cls.capture.base_url, spool_dir=cls.spool
        )

    @classmethod
    def tearDownClass(cls):
        cls.client.shutdown(status=None, timeout=10)
        cls.capture.close()

    def assertRule(self, rule, fn, *args, **kwargs):
        with self.assertRaises(tora.ToraValidationError) as ctx:
            fn(*args, **kwargs)
        self.assertIsInstance(ctx.exception, ValueError)
        self.assertIn(rule, str(ctx.exception))

    def test_names(self):
        m = self.client.metric
        self.assertRule("letters, digits and _ - . /", m, "bad name", 1.0, 0)
        self.assertRule("letters, digits and _ - . /", m, "loss?", 1.0, 0)
        self.assertRule("at most 100 characters", m, "a" * 101, 1.0, 0)
        self.assertRule("must not be empty", m, "", 1.0, 0)
        self.assertRule("must be a string", m, 3, 1.0, 0)
        m("a" * 100, 1.0, 0)
        m("train/loss-v2.b_c", 1.0, 0)

    def test_values(self):
        m = self.client.metric
        for bad in (math.nan, math.inf, -math.inf):
            self.assertRule("finite", m, "x", bad, 0)
        self.assertRule("must be a number", m, "x", "1.5", 0)
        self.assertRule("must be a number", m, "x", None, 0)
        self.assertRule("must be a number", m, "x", [1], 0)
        self.assertRule("too large", m, "x", 10**400, 0)
        m("x", 3, 0)
        m("x", True, 1)  # bool is logged as 0/1, as the public SDK does
        m("x", -1e300, 2)

    def test_steps(self):
        m = self.client.metric
        self.assertRule(">= 0", m, "x", 1.0, -1)
        self.assertRule("integer", m, "x", 1.0, 2.5)
        self.assertRule("bool", m, "x", 1.0, True)
        self.assertRule("integer", m, "x", 1.0, "3")
        self.assertRule("2**53-1", m, "x", 1.0, 2**53)
        m("x", 1.0, 2**53 - 1)
        m("x", 1.0, 4.0)
        m("x", 1.0)  # None: the server assigns the next step

    def test_metadata(self):
        m = self.client.metric
        self.assertRule("at most 10 KB", m, "x", 1.0, 0, {"blob": "x" * 11000})
        self.assertRule("JSON-serializable", m, "x", 1.0, 0, {"f": object()})
        self.assertRule("finite", m, "x", 1.0, 0, {"f": math.nan})
        self.assertRule('"type" must be', m, "x", 1.0, 0, {"type": "result"})
        self.assertRule("must be a dict", m, "x", 1.0, 0, ["a"])
        m("x", 1.0, 0, {"split": "val"})

    def test_errors_raise_before_anything_is_queued(self):
        before = self.client.buffer_size + self.client.stats["sent"]
        with self.assertRaises(tora.ToraValidationError):
            self.client.log_metrics({"ok": 1.0, "bad name": 2.0}, step=0)
        self.assertEqual(before, self.client.buffer_size + self.client.stats["sent"])

    def test_uuid7(self):
        ids = [uuid7() for _ in range(10000)]
        self.assertEqual(ids, sorted(ids))
        self.assertEqual(len(set(ids)), len(ids))
        u = uuid.UUID(ids[0])
        self.assertEqual(u.version, 7)
        self.assertEqual(u.variant, uuid.RFC_4122)
        ms = int(ids[0].replace("-", "")[:12], 16)
        self.assertLess(abs(ms / 1000 - time.time()), 5)

    def test_encoding_is_json(self):
        for value in (0.1, 1e-7, 1e16, -3, 2**60, 1.0):
            entry = ("a/b", uuid7(), value, 5, '{"type":"metric"}')
            decoded = json.loads(encode(entry))
            self.assertEqual(list(decoded), ["name", "msg_id", "value", "step", "metadata"])
            self.assertEqual(decoded["value"], value)
            self.assertEqual(type(decoded["value"]), type(value))

    def test_wire_format(self):
        self.client.metric("wire/loss", 0.5, 7)
        self.client.metric("wire/int", 2, None)
        self.client.result("wire/acc", 0.9)
        self.assertTrue(self.client.flush(10))
        logs = {e["name"]: e for e in self.capture.logs()}
        self.assertEqual(logs["wire/loss"]["metadata"], {"type": "metric"})
        self.assertEqual(logs["wire/loss"]["step"], 7)
        self.assertIsNone(logs["wire/int"]["step"])
        self.assertEqual(logs["wire/int"]["value"], 2)
        self.assertEqual(logs["wire/acc"], dict(logs["wire/acc"], step=None, metadata={"type": "result"}, value=0.9))
        self.assertEqual(uuid.UUID(logs["wire/loss"]["msg_id"]).version, 7)
        batch = [r for r in self.capture.requests if r["path"].endswith("/logs/batch")][-1]
        self.assertEqual(batch["headers"].get("x-api-key"), "tora_sk_test")
        self.assertEqual(list(batch["body"]), ["logs"])

    def test_create_request_shape(self):
        client = tora.Tora.create_experiment(
            "shape",
            workspace_id="11111111-1111-4111-8111-111111111111",
            description="d",
            hyperparams={"lr": 0.001, "amp": True, "opt": "adam", "layers": 4},
            tags=["a", "b"],
            api_key="tora_sk_test",
            server_url=self.capture.base_url,
            spool_dir=self.spool,
        )
        client.shutdown(status=None, timeout=5)
        req = [r for r in self.capture.requests if r["path"] == "/api/experiments"][-1]
        self.assertEqual(req["method"], "POST")
        self.assertEqual(req["headers"].get("x-api-key"), "tora_sk_test")
        self.assertEqual(
            req["body"],
            {
                "name": "shape",
                "workspaceId": "11111111-1111-4111-8111-111111111111",
                "description": "d",
                "hyperparams": [
                    {"key": "lr", "value": 0.001},
                    {"key": "amp", "value": True},
                    {"key": "opt", "value": "adam"},
                    {"key": "layers", "value": 4},
                ],
                "tags": ["a", "b"],
            },
        )
        self.assertEqual(client.hyperparams, {"lr": 0.001, "amp": True, "opt": "adam", "layers": 4})

    def test_setup_requirements(self):
        with self.assertRaises(tora.ToraAuthenticationError) as ctx:
            tora.Tora.create_experiment("x", api_key="", server_url=self.capture.base_url)
        self.assertIn("TORA_API_KEY", str(ctx.exception))
        with self.assertRaises(tora.ToraError):
            tora.tmetric("x", 1.0, 0)  # not set up
        with self.assertRaises(tora.ToraValidationError):
            tora.Tora.create_experiment("x", hyperparams=["lr"], api_key="k", server_url=self.capture.base_url)

    def test_closed_client(self):
        client = tora.Tora("00000000-0000-4000-8000-000000000000", api_key="k", server_url=self.capture.base_url, spool_dir=self.spool)
        client.shutdown(status=None, timeout=1)
        client.shutdown()  # idempotent
        with self.assertRaises(tora.ToraMetricError):
            client.metric("x", 1.0, 0)


class LabelTest(unittest.TestCase):
    """Control characters in names and text: the same verdicts as the server's contracts, for the
    strings in tests/support/label-cases.json (the TypeScript SDK's tests check the server and
    that SDK against the same list)."""

    @classmethod
    def setUpClass(cls):
        with open(support.REPO_DIR / "tests" / "support" / "label-cases.json", encoding="utf-8") as f:
            cls.cases = json.load(f)
        cls.capture = support.Capture()
        cls.spool = tempfile.mkdtemp(prefix="tora-spool-")

    @classmethod
    def tearDownClass(cls):
        cls.capture.close()

    def assert_agrees_with_the_server(self, kind, problem, places):
        """Each shared case of `kind`: `problem` judges the value as the server does, and so does
        check_experiment_fields wherever `places(value)` puts it (argument tuples)."""
        for case in self.cases[kind]:
            with self.subTest(value=case["value"]):
                self.assertEqual(problem(case["value"]) is None, case["ok"])
                for fields in places(case["value"]):
                    if case["ok"]:
                        _validation.check_experiment_fields(*fields)
                    else:
                        with self.assertRaises(tora.ToraValidationError):
                            _validation.check_experiment_fields(*fields)

    def test_labels_agree_with_the_server(self):
        self.assert_agrees_with_the_server(
            "labels",
            _validation.label_problem,
            lambda value: ((value, None, None), ("x", {value: 1}, None), ("x", None, [value])),
        )

    def test_texts_agree_with_the_server(self):
        self.assert_agrees_with_the_server(
            "texts",
            _validation.text_problem,
            lambda value: (("x", None, None, value), ("x", {"k": value}, None)),
        )

    def test_refused_before_anything_is_sent(self):
        before = len(self.capture.requests)
        with self.assertRaises(tora.ToraValidationError) as ctx:
            tora.Tora.create_experiment(
                "run \x1b]0;pwned\x07", api_key="tora_sk_test", server_url=self.capture.base_url, spool_dir=self.spool
            )
        self.assertIn("experiment name must not contain control characters", str(ctx.exception))
        self.assertIn("U+001B", str(ctx.exception))
        self.assertNotIn("\x1b", str(ctx.exception))  # the message shows the name escaped, never raw
        with self.assertRaises(tora.ToraValidationError) as ctx:
            tora.Tora.create_experiment(
                "run", description="a\rb", api_key="tora_sk_test", server_url=self.capture.base_url, spool_dir=self.spool
            )
        self.assertIn("description must not contain control characters other than tab and line breaks", str(ctx.exception))
        with self.assertRaises(tora.ToraWorkspaceError) as ctx:
            tora.create_workspace("team \u202e", api_key="tora_sk_test", server_url=self.capture.base_url)
        self.assertIn("U+202E", str(ctx.exception))
        with self.assertRaises(tora.ToraWorkspaceError):
            tora.create_workspace("team", description="\x07", api_key="tora_sk_test", server_url=self.capture.base_url)
        self.assertEqual(len(self.capture.requests), before)

    def test_labels_are_sent_trimmed_as_the_server_trims(self):
        # Python's strip() would also remove U+001F and U+0085, which the server refuses instead.
        self.assertEqual(_validation.js_trim("\u2028 name\n"), "name")
        self.assertEqual(_validation.js_trim("\x1fname"), "\x1fname")
        _, hp, tags = _validation.check_experiment_fields("x", {" lr\t": 1}, ["\ufeffa "])
        self.assertEqual(hp, [{"key": "lr", "value": 1}])
        self.assertEqual(tags, ["a"])


class RetryTest(unittest.TestCase):
    """How the sender reacts to failing answers, against a scripted server."""

    def setUp(self):
        self.capture = support.Capture()
        self.spool = tempfile.mkdtemp(prefix="tora-spool-")
        # The metric sender alone: console capture and system metrics would add their own requests
        # to the scripted server's (and to the batches these tests count).
        self.client = tora.Tora(
            "00000000-0000-4000-8000-0000000000aa",
            api_key="k",
            server_url=self.capture.base_url,
            spool_dir=self.spool,
            capture_context=False,
            capture_console=False,
            system_metrics_interval=0,
        )

    def tearDown(self):
        self.client.shutdown(status=None, timeout=5)
        self.capture.close()

    def batches(self):
        return [r for r in self.capture.requests if r["path"].endswith("/logs/batch")]

    def test_retries_5xx_and_429_honouring_retry_after(self):
        self.capture.failures = [(503, {"Retry-After": "1"}, None), (429, {"Retry-After": "1"}, None), (500, {}, None)]
        started = time.monotonic()
        for step in range(10):
            self.client.metric("loss", 1.0, step)
        self.assertTrue(self.client.flush(30))
        self.assertGreaterEqual(time.monotonic() - started, 2.0)
        sent = self.batches()
        self.assertEqual(len(sent), 4)
        self.assertTrue(all(r["raw"] == sent[0]["raw"] for r in sent))  # same entries, same msg_ids
        self.assertEqual(self.client.stats["sent"], 10)

    def test_400_drops_only_the_named_entries(self):
        self.capture.failures = [(400, {}, {"logs.1.value": ["must be finite"], "logs.3.step": ["is too large"]})]
        for step in range(5):
            self.client.metric("loss", float(step), step)
        with self.assertLogs("tora", "WARNING") as logs:
            self.assertTrue(self.client.flush(10))
        self.assertIn("rejected 2 log entries", logs.output[0])
        retried = self.batches()[-1]["body"]["logs"]
        self.assertEqual([e["step"] for e in retried], [0, 2, 4])
        self.assertEqual(self.client.stats["dropped"], 2)

    def test_401_spools_instead_of_dropping(self):
        self.capture.failures = [(401, {}, None)]
        self.client.metric("loss", 1.0, 0)
        with self.assertLogs("tora", "WARNING"):
            self.assertTrue(self.client.flush(10))
        self.assertEqual(self.client.stats["spilled"], 1)
        with open(os.path.join(self.spool, self.client.experiment_id + ".jsonl")) as f:
            self.assertEqual(json.loads(f.read())["logs"][0]["name"], "loss")

    def test_413_splits_the_batch(self):
        self.capture.failures = [(413, {}, None)]
        for step in range(6):
            self.client.metric("loss", 1.0, step)
        self.assertTrue(self.client.flush(10))
        self.assertEqual([len(r["body"]["logs"]) for r in self.batches()], [6, 3, 3])

    def test_big_batches_are_split_by_size(self):
        meta = {"note": "x" * 9000}
        for step in range(400):  # ~3.6 MB of metadata
            self.client.metric("loss", 1.0, step, meta)
        self.assertTrue(self.client.flush(30))
        sizes = [len(r["raw"]) for r in self.batches()]
        self.assertGreater(len(sizes), 2)
        self.assertTrue(all(s <= 1_500_000 for s in sizes), sizes)
        self.assertEqual(sum(len(r["body"]["logs"]) for r in self.batches()), 400)


if __name__ == "__main__":
    unittest.main()

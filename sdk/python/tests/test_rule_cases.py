"""The server's rules, as tests/support/rule-cases.json records them (generated from
functions/_lib/contracts/rules.ts), through this SDK's own checks: the same verdict for every case,
as the server's contracts and the TypeScript SDK give (their tests run the same file)."""

import json
import unittest

import support  # noqa: F401  (puts the SDK source on sys.path)
import tora
from tora import _sender, _validation


def accepts(fn, *args):
    """Whether the check accepted; a ToraValidationError is a refusal, any other error fails the test."""
    try:
        fn(*args)
    except tora.ToraValidationError:
        return False
    return True


FIELDS = {
    "experiment_name": lambda value: _validation.check_experiment_fields(value, None, None),
    "tag": lambda value: _validation.check_experiment_fields("x", None, [value]),
    "hyperparam_key": lambda value: _validation.check_experiment_fields("x", {value: 1}, None),
    "hyperparam_value": lambda value: _validation.check_experiment_fields("x", {"k": value}, None),
    "description": lambda value: _validation.check_experiment_fields("x", None, None, value),
}


class RuleCasesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(support.REPO_DIR / "tests" / "support" / "rule-cases.json", encoding="utf-8") as f:
            cls.cases = json.load(f)

    def test_limits(self):
        limits = self.cases["limits"]
        self.assertEqual(_validation.MAX_NAME_LENGTH, limits["metric_name_max_length"])
        self.assertEqual(_validation.MAX_STEP, limits["max_step"])
        self.assertEqual(_validation.MAX_METADATA_BYTES, limits["metadata_max_bytes"])
        self.assertEqual(_sender.MAX_BATCH_ENTRIES, limits["batch_max_entries"])
        # A target, not the limit: below it, with room for the framing of the request body.
        self.assertLess(_sender.TARGET_BATCH_BYTES, limits["batch_max_bytes"])

    def test_metric_names(self):
        for case in self.cases["metric_names"]:
            with self.subTest(value=case["value"]):
                self.assertEqual(accepts(_validation.check_name, case["value"]), case["ok"])

    def test_values(self):
        for case in self.cases["values"]:
            with self.subTest(value=case["value"]):
                self.assertEqual(accepts(_validation.check_value, case["value"]), case["ok"])
        for name in self.cases["non_finite_values"]:
            with self.subTest(value=name):
                self.assertFalse(accepts(_validation.check_value, float(name)))

    def test_steps(self):
        for case in self.cases["steps"]:
            with self.subTest(value=case["value"]):
                self.assertEqual(accepts(_validation.check_step, case["value"]), case["ok"])

    def test_lengths(self):
        for case in self.cases["lengths"]:
            with self.subTest(field=case["field"], length=case["length"], char=case["char"]):
                value = case["char"] * case["length"]
                self.assertEqual(accepts(FIELDS[case["field"]], value), case["ok"])


if __name__ == "__main__":
    unittest.main()

"""The read API (`tora.Api`) against a real server: one user with a personal and a team
workspace. Lists span both and merge into one order, page lazily by cursor, filter and sort with
the query language; runs are found by id or name; history follows the series pages; pandas
helpers say clearly when pandas is missing, and build the right rows when it is there."""

import sys
import tempfile
import types
import unittest
from unittest import mock

import support
import tora
from tora import _api


class ApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = support.server()
        cls.token, cls.key = cls.server.new_user()
        cls.team = tora.create_workspace("py team", api_key=cls.key, server_url=cls.server.base_url)["id"]
        cls.ids = {}
        # (label, workspace, name, hyperparams, losses, accuracy) in creation order.
        runs = [
            ("alpha_p", None, "alpha", {"lr": 0.1}, [0.9, 0.5], 0.7),
            ("alpha_t", cls.team, "alpha", {"lr": 0.01}, [0.8, 0.2], 0.9),
            ("quoted", cls.team, 'say "hi" \\ there', {"lr": 0.05}, [0.4] * 3, None),
            ("empty", None, "no-loss", {}, [], None),
        ]
        for label, workspace, name, hp, losses, acc in runs:
            client = tora.Tora.create_experiment(
                name,
                workspace_id=workspace,
                hyperparams=hp,
                api_key=cls.key,
                server_url=cls.server.base_url,
                spool_dir=tempfile.mkdtemp(prefix="tora-spool-"),
                heartbeat=False,
            )
            for step, loss in enumerate(losses):
                client.metric("loss", loss, step)
                client.metric("val/acc", 1 - loss, step)
            if acc is not None:
                client.result("acc", acc)
            client.shutdown()
            cls.ids[label] = client.experiment_id
        cls.api = tora.Api(base_url=cls.server.base_url, api_key=cls.key)

    def ids_of(self, runs):
        return [run.id for run in runs]

    def test_lists_every_workspace_newest_first(self):
        self.assertEqual(len(self.api.workspaces()), 2)
        ids = self.ids
        self.assertEqual(self.ids_of(self.api.experiments()), [ids["empty"], ids["quoted"], ids["alpha_t"], ids["alpha_p"]])
        self.assertEqual(self.ids_of(self.api.experiments(workspace=self.team)), [ids["quoted"], ids["alpha_t"]])

    def test_sorts_across_workspaces_and_pages_lazily(self):
        ids = self.ids
        expected = [ids["alpha_t"], ids["quoted"], ids["alpha_p"], ids["empty"]]  # no loss: last
        runs = self.api.experiments(sort="metric.loss.min", order="asc", columns=["metric.loss.min"])
        self.assertEqual(self.ids_of(runs), expected)
        with mock.patch.object(_api, "RUNS_PAGE", 1), mock.patch.object(_api.Api, "_get", autospec=True, side_effect=_api.Api._get) as get:
            top = list(self.api.experiments(sort="metric.loss.min", order="asc", limit=3))
            self.assertEqual(self.ids_of(top), expected[:3])
            cursors = [call.args[2].get("cursor") for call in get.call_args_list if "experiments" in call.args[1]]
            self.assertTrue(any(cursors), "pages of one run must have been followed by cursor")
        best = next(iter(runs))
        self.assertEqual(best.summaries["loss"]["min"], 0.2)
        self.assertEqual((best.hyperparams, best.results, best.workspace_id), ({"lr": 0.01}, {"acc": 0.9}, self.team))
        self.assertEqual(best.status, "finished")
        self.assertTrue(best.url.endswith("/experiments/" + best.id))
        self.assertTrue(best.last_seen_at and best.created_at and best.updated_at)

    def test_filters_with_the_query_language(self):
        runs = self.api.experiments(filter="hp.lr < 0.08 and has metric.loss", sort="name")
        self.assertEqual(self.ids_of(runs), [self.ids["alpha_t"], self.ids["quoted"]])
        with self.assertRaises(tora.ToraValidationError) as caught:
            list(self.api.experiments(filter="hp.lr < and"))
        self.assertRegex(str(caught.exception), r"filter: col \d+: ")
        self.assertIn("filter", caught.exception.fields)

    def test_finds_a_run_by_id_or_name(self):
        quoted = self.api.experiment('say "hi" \\ there')
        self.assertEqual(quoted.id, self.ids["quoted"])
        self.assertEqual(set(quoted.summaries), {"loss", "val/acc"})  # a single read carries every summary
        self.assertEqual(self.api.experiment(self.ids["empty"]).name, "no-loss")
        with self.assertRaises(tora.ToraExperimentError) as caught:
            self.api.experiment("alpha")
        self.assertIn(self.ids["alpha_p"], str(caught.exception))
        self.assertIn(self.ids["alpha_t"], str(caught.exception))
        with self.assertRaises(tora.ToraExperimentError):
            self.api.experiment("gamma")

    def test_history_follows_the_series_pages(self):
        run = self.api.experiment(self.ids["alpha_p"])
        with mock.patch.object(_api, "SERIES_PAGE", 1):
            history = run.history()
        self.assertEqual(history, {"loss": [(0, 0.9), (1, 0.5)], "val/acc": [(0, 1 - 0.9), (1, 1 - 0.5)]})
        self.assertEqual(run.history(["loss"], buckets=1), {"loss": [(1, 0.5)]})

    def test_pandas_helpers(self):
        run = self.api.experiment(self.ids["alpha_p"])
        with mock.patch.dict(sys.modules, {"pandas": None}):
            with self.assertRaisesRegex(ImportError, r"Runs.to_pandas\(\) needs pandas"):
                self.api.experiments().to_pandas()
            with self.assertRaisesRegex(ImportError, r"history_frame\(\) needs pandas"):
                run.history_frame()
        # A stand-in records what a DataFrame would be built from.
        fake = types.ModuleType("pandas")
        fake.DataFrame = lambda rows, columns=None: {"rows": rows, "columns": columns}
        with mock.patch.dict(sys.modules, {"pandas": fake}):
            frame = self.api.experiments(workspace=self.team, columns="metric.loss.min").to_pandas()
            history = run.history_frame(["loss"])
        by_name = {row["id"]: row for row in frame["rows"]}
        self.assertEqual(by_name[self.ids["alpha_t"]]["hp.lr"], 0.01)
        self.assertEqual(by_name[self.ids["alpha_t"]]["metric.loss.min"], 0.2)
        self.assertEqual(by_name[self.ids["alpha_t"]]["result.acc"], 0.9)
        self.assertEqual(history["columns"], ["name", "step", "value"])
        self.assertEqual(history["rows"], [{"name": "loss", "step": 0, "value": 0.9}, {"name": "loss", "step": 1, "value": 0.5}])

    def test_quote_text_and_parse_key(self):
        self.assertEqual(_api.quote_text('a "b" \\ c\n'), '"a \\"b\\" \\\\ c\\n"')
        self.assertEqual(_api.parse_key('metric."val/loss".min'), ("metric", "val/loss", "min"))
        self.assertEqual(_api.parse_key("metric.acc.top1"), ("metric", "acc.top1", "last"))
        self.assertEqual(_api.parse_key("hp.lr"), ("hp", "lr", ""))
        self.assertIsNone(_api.parse_key("foo.bar"))


if __name__ == "__main__":
    unittest.main()

"""Interchangeability with the public `tora` 0.0.12 SDK's wire format (ARCHITECTURE.md,
Wire contract): runs it creates load in ours, and runs ours creates read the way it reads them."""

import http.client
import json
import unittest
import urllib.parse
import uuid

import support
import tora


def public_sdk_request(base_url, method, path, key, body=None):
    """Exactly what tora 0.0.12's _http.py sends: http.client, a fresh connection, x-api-key, no
    User-Agent, ASCII-escaped JSON."""
    parts = urllib.parse.urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"x-api-key": key}
    data = None
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, parts.path + path, body=data, headers=headers)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"null")
    finally:
        conn.close()


class CompatTest(support.SignedInTest):
    def test_public_sdk_run_loads_in_ours(self):
        base = self.server.base_url
        # Tora._create_payload of 0.0.12: no workspaceId, hyperparams as [{key, value}].
        status, body = public_sdk_request(
            base,
            "POST",
            "/experiments",
            self.key,
            {
                "name": "résumé #1 (public sdk)",
                "description": "made by the public client",
                "hyperparams": [
                    {"key": "lr", "value": 0.001},
                    {"key": "amp", "value": True},
                    {"key": "optimizer", "value": "adam"},
                    {"key": "layers", "value": 4},
                ],
                "tags": ["public", "compat"],
            },
        )
        self.assertEqual(status, 201, body)
        data = body["data"]
        self.assertIsInstance(data["id"], str)
        self.assertIsInstance(data["url"], str)
        experiment_id = data["id"]
        # Tora.metric → metadata {"type":"metric"}, uuid4 msg_ids, integer values allowed;
        # log_metrics → metadata null, step null; result → step null, {"type":"result"}.
        logs = [
            {"name": "loss", "msg_id": str(uuid.uuid4()), "value": 1 if step == 0 else 1.0 / (step + 1), "step": step, "metadata": {"type": "metric"}}
            for step in range(30)
        ]
        logs.append({"name": "lr", "msg_id": str(uuid.uuid4()), "value": 0.001, "step": None, "metadata": None})
        logs.append({"name": "acc", "msg_id": str(uuid.uuid4()), "value": 0.5, "step": None, "metadata": {"type": "result"}})
        for _ in range(2):  # the public SDK re-sends its whole buffer after a failure
            status, body = public_sdk_request(base, "POST", "/experiments/%s/logs/batch" % experiment_id, self.key, {"logs": logs})
            self.assertEqual(status, 201, body)

        client = tora.Tora.load_experiment(experiment_id, api_key=self.key, server_url=base)
        self.assertEqual(client.experiment_id, experiment_id)
        self.assertEqual(client.url, data["url"])
        self.assertEqual(client.name, "résumé #1 (public sdk)")
        self.assertEqual(client.hyperparams, {"lr": 0.001, "amp": True, "optimizer": "adam", "layers": 4})
        self.assertEqual(client.tags, ["public", "compat"])
        for step in range(30, 40):
            client.metric("loss", 0.01, step)
        client.result("acc", 0.75)
        client.shutdown()
        exp = self.server.experiment(experiment_id, self.key)
        metrics = {m["name"]: (m["count"], m["last_step"]) for m in exp["metrics"]}
        self.assertEqual(metrics, {"loss": (40, 39), "lr": (1, 0)})
        self.assertEqual([(r["name"], r["value"]) for r in exp["results"]], [("acc", 0.75)])

    def test_our_run_reads_like_the_public_sdk_expects(self):
        hyperparams = {"lr": 0.003, "amp": False, "optimizer": "sgd", "epochs": 10}
        client = tora.Tora.create_experiment(
            "made by ours", description="d", hyperparams=hyperparams, tags=["ours"], api_key=self.key, server_url=self.server.base_url
        )
        client.metric("loss", 0.5, 0)
        client.shutdown()
        # Tora.load_experiment of 0.0.12: data.id (a string), data.url, hyperparams [{key, value}].
        status, body = public_sdk_request(self.server.base_url, "GET", "/experiments/%s" % client.experiment_id, self.key)
        self.assertEqual(status, 200, body)
        data = body["data"]
        self.assertIsInstance(data["id"], str)
        self.assertEqual(data["id"], client.experiment_id)
        self.assertTrue(data["url"].startswith("http"), data["url"])
        self.assertEqual(data["url"], client.url)
        self.assertEqual({hp["key"]: hp["value"] for hp in data["hyperparams"]}, hyperparams)
        self.assertEqual([list(hp) for hp in data["hyperparams"]], [["key", "value"]] * 4)
        self.assertEqual(data["tags"], ["ours"])
        self.assertEqual(data["description"], "d")


if __name__ == "__main__":
    unittest.main()

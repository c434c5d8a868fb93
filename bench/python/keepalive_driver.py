"""Driver of bench/p10-python-keepalive.ts: logs POINTS points through the Python SDK (the source
tree's, on PYTHONPATH) to a new experiment and prints one JSON line with the wall time, this
process's CPU time and the connections the sender opened.

The HTTP mode comes from the environment (TORA_HTTP_KEEPALIVE=0: a connection per batch, the
SDK's behaviour before keep-alive), so both modes run exactly the same code here.

usage: keepalive_driver.py POINTS MODE   (MODE: `paced` or `free`)
  paced  log 1,000 points (the sender's batch threshold), flush, repeat: one request per 1,000
         points, as when training produces points slower than the network takes them
  free   log everything as fast as possible, then flush: the sender's batches grow up to
         10,000 points while it keeps up
"""

import json
import sys
import time

import tora

BATCH = 1_000
METRICS = ("train/loss", "train/acc", "lr", "grad_norm")


def main() -> None:
    points, mode = int(sys.argv[1]), sys.argv[2]
    client = tora.Tora.create_experiment("p10 %s" % mode, tags=["bench"])
    sender = client._sender  # private, read only for the connection count
    wall0, cpu0 = time.perf_counter(), time.process_time()
    logged = 0
    step = 0
    while logged < points:
        for name in METRICS:
            client.metric(name, 1.0 / (step + 1), step)
        logged += len(METRICS)
        step += 1
        if mode == "paced" and logged % BATCH == 0 and not client.flush(timeout=120):
            raise SystemExit("flush timed out")
    if not client.flush(timeout=600):
        raise SystemExit("flush timed out")
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    stats = client.stats
    opened = sender._conn.opened
    client.shutdown()
    if stats["sent"] != logged or stats["spilled"] or stats["dropped"]:
        raise SystemExit("not all points were delivered: %r" % stats)
    print(json.dumps({"points": logged, "seconds": wall, "cpu": cpu, "connections": opened, "id": client.experiment_id}))


if __name__ == "__main__":
    main()

"""Smoke tests of the benchmark harness: its modules import, the load generator speaks HTTP/1.1
correctly to a local server (keep-alive and close, ordered ``seq`` per simulated candidate), and
the table and option parsing work. Nothing here is timed."""

from __future__ import annotations

import importlib
import json
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import __main__ as runner
from bench import load
from bench.scenarios import Row, ratio, table

MODULES = [
    "bench.stack",
    "bench.load",
    "bench.scenarios",
    "bench.scenarios.data",
    "bench.scenarios.answer_save",
    "bench.scenarios.exam_start",
    "bench.scenarios.scoring",
    "bench.scenarios.certificates",
    "bench.scenarios.verification",
    "bench.baseline.urls",
]


@pytest.mark.parametrize("name", MODULES)
def test_the_bench_modules_import(name):
    importlib.import_module(name)


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: dict[str, list[int]] = defaultdict(list)
    lock = threading.Lock()

    def _answer(self, status: int, close: bool) -> None:
        body = json.dumps({"ok": status == 200}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        if close:
            self.close_connection = True

    def do_PUT(self):  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.lock:
            self.seen[self.headers["X-Attempt-Token"]].append(body["seq"])
        self._answer(200, close=body["seq"] % 2 == 0)  # every other answer closes the connection

    def do_GET(self):  # noqa: N802
        self._answer(404 if self.path.endswith("/missing/") else 200, close=False)

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._answer(201, close=True)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Recorder.seen = defaultdict(list)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_simulated_candidates_save_with_increasing_seq_over_reused_and_closed_connections(server):
    plan = {
        "url": server,
        "mode": "closed",
        "concurrency": 3,
        "duration": 0.6,
        "warmup": 0.1,
        "source": {
            "kind": "save",
            "path": "/x/{attempt}/{position}/",
            "attempts": [[1, "t1"], [2, "t2"], [3, "t3"]],
            "positions": 5,
            "first_seq": 10,
        },
    }
    result = load.run(plan)
    assert result["requests"] > 0
    assert result["errors"] == 0
    assert result["statuses"] == {"200": result["requests"]}
    assert set(_Recorder.seen) == {"t1", "t2", "t3"}
    for seqs in _Recorder.seen.values():
        assert seqs == list(range(10, 10 + len(seqs)))  # one candidate: strictly increasing, none lost
    assert result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]


def test_unexpected_statuses_count_as_errors_with_a_sample(server):
    plan = {
        "url": server,
        "concurrency": 2,
        "duration": 0.3,
        "warmup": 0.0,
        "source": {"kind": "get", "paths": ["/ok/", "/missing/"]},
    }
    result = load.run(plan)
    assert result["errors"] == result["statuses"].get("404", 0) > 0
    assert "404" in result["error_samples"]


def test_the_open_mode_sends_every_request_once(server):
    requests = [{"method": "POST", "path": f"/start/{i}/", "body": {"i": i}} for i in range(12)]
    plan = {
        "url": server,
        "mode": "open",
        "arrival_seconds": 0.3,
        "concurrency": 4,
        "expect": [201],
        "source": {"kind": "list", "requests": requests},
    }
    result = load.run(plan)
    assert result["requests"] == 12
    assert result["errors"] == 0


def test_a_refused_connection_is_an_error_not_a_crash():
    plan = {"url": "http://127.0.0.1:9", "concurrency": 1, "duration": 0.2, "warmup": 0.0}
    plan["source"] = {"kind": "get", "paths": ["/"]}
    result = load.run(plan)
    assert result["requests"] == 0
    assert result["errors"] > 0


def test_percentiles_follow_the_nearest_rank_definition():
    values = [float(v) for v in range(1, 101)]
    assert load.percentile(values, 50) == 50.0
    assert load.percentile(values, 99) == 99.0
    assert load.percentile([7.0], 99) == 7.0


def test_the_table_shows_ratio_and_verdict():
    rows = [
        Row("answer_save", "throughput c=64", 1800.0, 2000.0, ratio(1800.0, 2000.0), "≥ 0.8×", True, unit="req/s"),
        Row("exam_start", "p99", 300.0, 20.0, ratio(300.0, 20.0), "≤ 250 ms", False, unit="ms"),
    ]
    text = table(rows)
    assert "0.90" in text and "PASS" in text and "MISS" in text


def test_quick_shrinks_every_scenario_and_unknown_scenarios_are_refused():
    options = runner.parse(["--quick"])
    assert options.scenarios == runner.SCENARIOS
    assert options.start_candidates < 100 and options.certificates < 100
    with pytest.raises(SystemExit):
        runner.parse(["no_such_scenario"])

"""Timed requests against the running server, and throughput under locust.

Each latency figure is a scenario: a few warm-up requests (not counted), then ``repeat``
timed ones, each on a new connection, one at a time. The figure keeps every sample's time,
its status and the SQL queries the server counted for it (``bench.suite.middleware``).
"""

import http.client
import json
import math
import os
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bench.suite.middleware import ID_HEADER

ROOT = Path(__file__).resolve().parents[2]
RESULT_WAIT = 5.0  # seconds a streamed response's figures may take to appear


@dataclass
class Sample:
    status: int
    ms: float
    queries: int | None
    pid: int | None
    rss_before: int | None  # peak RSS of the worker, KiB
    rss_after: int | None
    headers: dict
    size: int


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank quantile (p95 of 20 samples is the 19th smallest)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Figure:
    """One scenario's timed samples."""

    name: str
    expect: int
    samples: list[Sample] = field(default_factory=list)
    extra: list[Sample] = field(default_factory=list)  # warm-up: kept for memory only

    @property
    def ok(self) -> bool:
        return bool(self.samples) and all(s.status == self.expect for s in self.samples)

    def summary(self) -> dict:
        times = [s.ms for s in self.samples]
        queries = [s.queries for s in self.samples if s.queries is not None]
        return {
            "name": self.name,
            "n": len(times),
            "median": statistics.median(times) if times else math.nan,
            "p95": percentile(times, 0.95),
            # The typical request's count; the range shows a write now and then (an API
            # token's last-seen time is touched at most once a minute).
            "queries": statistics.median_low(queries) if queries else None,
            "queries_min": min(queries) if queries else None,
            "queries_max": max(queries) if queries else None,
            "statuses": sorted({s.status for s in self.samples}),
            "expect": self.expect,
            "ok": self.ok,
            "bytes": self.samples[-1].size if self.samples else 0,
        }


class Client:
    def __init__(self, base_url: str, results_dir: Path):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.results_dir = results_dir

    def request(self, method: str, path: str, *, headers=None, body=None) -> Sample:
        request_id = uuid.uuid4().hex
        headers = {**(headers or {}), ID_HEADER: request_id}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=300)
        try:
            started = time.perf_counter()
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            data = response.read()
            ms = (time.perf_counter() - started) * 1000
            received = {k.lower(): v for k, v in response.getheaders()}
        finally:
            connection.close()
        figures = self._figures(received, request_id)
        return Sample(
            status=response.status,
            ms=ms,
            queries=figures.get("queries"),
            pid=figures.get("pid"),
            rss_before=figures.get("rss_before"),
            rss_after=figures.get("rss_after"),
            headers=received,
            size=len(data),
        )

    def _figures(self, headers: dict, request_id: str) -> dict:
        if "x-bench-queries" in headers:
            return {
                "queries": int(headers["x-bench-queries"]),
                "pid": int(headers["x-bench-pid"]),
                "rss_before": int(headers["x-bench-rss-before"]),
                "rss_after": int(headers["x-bench-rss-after"]),
            }
        # Streamed: the worker writes them once the body has gone out.
        path = self.results_dir / f"{request_id}.json"
        deadline = time.monotonic() + RESULT_WAIT
        while time.monotonic() < deadline:
            if path.exists():
                return json.loads(path.read_text())
            time.sleep(0.01)
        return {}


def run_scenario(name, send, *, expect: int, warmup: int, repeat: int) -> Figure:
    """``send(i)`` makes request ``i`` (warm-ups first, numbered from 0)."""
    figure = Figure(name=name, expect=expect)
    for i in range(warmup):
        figure.extra.append(send(i))
    for i in range(warmup, warmup + repeat):
        figure.samples.append(send(i))
    return figure


def run_together(sends: dict, *, expect: int, warmup: int, repeat: int) -> dict[str, Figure]:
    """Several scenarios in turn, one request of each per round, so that they are timed over
    the same stretch of time (a figure and its reference view see the same machine)."""
    figures = {name: Figure(name=name, expect=expect) for name in sends}
    for i in range(warmup + repeat):
        for name, send in sends.items():
            sample = send(i)
            (figures[name].extra if i < warmup else figures[name].samples).append(sample)
    return figures


# -- throughput ----------------------------------------------------------------------------


def _locust_percentile(response_times: dict, fraction: float) -> float:
    buckets = sorted((float(ms), count) for ms, count in response_times.items())
    total = sum(count for _ms, count in buckets)
    if not total:
        return math.nan
    seen = 0
    for ms, count in buckets:
        seen += count
        if seen >= fraction * total:
            return ms
    return buckets[-1][0]


def throughput(
    *, base_url: str, path: str, headers: dict, users: int, seconds: int, out: Path
) -> dict:
    """Requests/s, p50 and p99 (ms) of ``path`` under ``users`` concurrent locust clients
    that send one request after another, without pauses."""
    out.mkdir(parents=True, exist_ok=True)
    locust = Path(sys.executable).with_name("locust")
    command = [
        str(locust),
        "-f",
        str(ROOT / "bench" / "suite" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--host",
        base_url,
        "--json-file",
        str(out / "locust"),
        "--only-summary",
        "--loglevel",
        "ERROR",
    ]
    env = {
        **os.environ,
        "BENCH_PATH": path,
        "BENCH_HEADERS": json.dumps(headers),
    }
    subprocess.run(
        command,
        env=env,
        timeout=seconds + 120,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    entries = json.loads((out / "locust.json").read_text())
    times: dict[str, int] = {}
    requests = failures = 0
    start, end = math.inf, 0.0
    for entry in entries:
        requests += entry["num_requests"]
        failures += entry["num_failures"]
        for ms, count in entry["response_times"].items():
            times[str(ms)] = times.get(str(ms), 0) + count
        start = min(start, entry["start_time"])
        end = max(end, entry["last_request_timestamp"] or entry["start_time"])
    return {
        "path": path,
        "users": users,
        "seconds": seconds,
        "requests": requests,
        "failures": failures,
        "rps": requests / (end - start) if end > start else 0.0,
        "p50": _locust_percentile(times, 0.50),
        "p99": _locust_percentile(times, 0.99),
    }

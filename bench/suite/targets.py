"""The targets of the performance work, one row each, evaluated on one run's results.

``results`` is the plain dictionary ``bench.suite.run`` builds (and writes next to the
report as JSON)::

    {"sizes": {"small": 1000, "large": 100000},
     "latency": {"small": {key: figure}, "large": {key: figure}},   # see Figure.summary()
     "throughput": {"list": {"rps": ...}, "floor": {...}, "ceiling": {...}},
     "memory": {"feed_growth_mb": ...}}

A target whose figure is missing, or whose requests did not answer with the expected status,
counts as missed: a number measured on error pages proves nothing.
"""

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass

# key -> what the request is, in the report's words; in the order the issue lists them.
LIST_SCENARIOS = {
    "list_first": "`ro/?limit=50` (first page)",
    "list_deep": "`ro/?limit=50&offset=<last page>`",
    "list_filtered": "`ro/?limit=50&outstanding=true&customer=<big>`",
    "list_searched": "`ro/?limit=50&search=<word>`",
    "list_ordered": "`ro/?limit=50&ordering=target_date`",
}
DETAIL_SCENARIOS = {
    "detail": "`ro/<pk>/` (detail)",
    "lines": "`ro-line/?order=<pk>` (line list)",
}
PAGE_SCENARIOS = {
    "page_index": "page `/returns/`",
    "page_detail": "page `/returns/<pk>/`",
}
SCALE_SCENARIOS = {**LIST_SCENARIOS, **DETAIL_SCENARIOS, **PAGE_SCENARIOS}
LARGE_SCENARIOS = {
    "floor_list": "floor: 50 orders from `values()`",
    "feed_full": "feed, full render",
    "floor_feed": "floor: the feed's rows as JSON",
    "feed_304_warm": "feed, 304 from a warm worker",
    "feed_304_cold": "feed, 304 from a cold worker",
    "receive_1": "receive 1 line",
    "receive_100": "receive 100 lines",
}
LABELS = {**SCALE_SCENARIOS, **LARGE_SCENARIOS}

OPERATORS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, "==": operator.eq}


def figure(results: dict, size: str, key: str) -> dict | None:
    found = results.get("latency", {}).get(size, {}).get(key)
    return found if found and found.get("ok") else None


def median(results: dict, size: str, key: str) -> float | None:
    found = figure(results, size, key)
    return found["median"] if found else None


def queries(results: dict, size: str, key: str) -> int | None:
    found = figure(results, size, key)
    return found["queries"] if found else None


def ratio(top: float | None, bottom: float | None) -> float | None:
    if top is None or bottom is None or not bottom:
        return None
    return top / bottom


def most_queries(results: dict, key: str) -> int | None:
    """The larger count over both sizes (a bound holds whatever the size); unknown when a
    size measured it on wrong responses."""
    latency = results.get("latency", {})
    found = [latency.get(size, {}).get(key) for size in ("small", "large")]
    found = [item for item in found if item]
    if not found or not all(item.get("ok") for item in found):
        return None
    counts = [item["queries"] for item in found if item["queries"] is not None]
    return max(counts) if counts else None


def query_change(results: dict, key: str) -> int | None:
    small, large = queries(results, "small", key), queries(results, "large", key)
    return None if small is None or large is None else large - small


def throughput_share(results: dict) -> float | None:
    runs = results.get("throughput", {})
    endpoint, floor = runs.get("list", {}), runs.get("floor", {})
    if endpoint.get("failures") or floor.get("failures"):
        return None
    return ratio(endpoint.get("rps"), floor.get("rps"))


@dataclass(frozen=True)
class Target:
    group: str
    label: str
    measure: Callable[[dict], float | None]
    op: str
    limit: float
    unit: str = "ratio"  # or "share", "queries", "change" (in queries), "MB"


@dataclass(frozen=True)
class Verdict:
    target: Target
    value: float | None

    @property
    def met(self) -> bool:
        if self.value is None or (isinstance(self.value, float) and math.isnan(self.value)):
            return False
        return OPERATORS[self.target.op](self.value, self.target.limit)


def _scale(key: str, label: str) -> list[Target]:
    return [
        Target(
            "Scale",
            f"{label}: large / small",
            lambda r, k=key: ratio(median(r, "large", k), median(r, "small", k)),
            "<=",
            1.5,
        ),
        Target(
            "Scale",
            f"{label}: queries, large minus small",
            lambda r, k=key: query_change(r, k),
            "==",
            0,
            "change",
        ),
    ]


def _queries(key: str, limit: int) -> Target:
    return Target(
        "Queries", f"{LABELS[key]}", lambda r, k=key: most_queries(r, k), "<=", limit, "queries"
    )


TARGETS: list[Target] = [
    *(target for key, label in SCALE_SCENARIOS.items() for target in _scale(key, label)),
    Target(
        "Overhead",
        "list first page / floor",
        lambda r: ratio(median(r, "large", "list_first"), median(r, "large", "floor_list")),
        "<=",
        2.5,
    ),
    Target(
        "Overhead",
        "detail / floor",
        lambda r: ratio(median(r, "large", "detail"), median(r, "large", "floor_list")),
        "<=",
        2.0,
    ),
    Target(
        "Overhead",
        "feed render / feed floor",
        lambda r: ratio(median(r, "large", "feed_full"), median(r, "large", "floor_feed")),
        "<=",
        3.0,
    ),
    Target("Throughput", "list req/s / floor req/s", throughput_share, ">=", 0.40, "share"),
    *(_queries(key, 6) for key in (*LIST_SCENARIOS, "lines")),
    _queries("detail", 6),
    *(_queries(key, 10) for key in PAGE_SCENARIOS),
    _queries("feed_full", 3),
    _queries("feed_304_warm", 2),
    _queries("feed_304_cold", 2),
    _queries("receive_1", 15),
    _queries("receive_100", 15),
    Target(
        "Receive",
        "receive 100 lines / receive 1 line",
        lambda r: ratio(median(r, "large", "receive_100"), median(r, "large", "receive_1")),
        "<=",
        3.0,
    ),
    Target(
        "Memory",
        "feed: growth of a worker's peak RSS",
        lambda r: r.get("memory", {}).get("feed_growth_mb"),
        "<",
        50,
        "MB",
    ),
]


def evaluate(results: dict, targets: list[Target] = TARGETS) -> list[Verdict]:
    verdicts = []
    for target in targets:
        try:
            value = target.measure(results)
        except (KeyError, TypeError, ZeroDivisionError):
            value = None
        verdicts.append(Verdict(target, value))
    return verdicts

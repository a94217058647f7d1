"""The benchmark's targets and report: pure functions of one run's figures (no server)."""

import copy

from bench.suite import report, targets


def _figure(median, queries, *, ok=True, status=200):
    return {
        "name": "x",
        "n": 5,
        "median": median,
        "p95": median * 1.2,
        "queries": queries,
        "queries_min": queries,
        "queries_max": queries,
        "statuses": [status],
        "expect": 200,
        "ok": ok,
        "bytes": 2048,
    }


def _results():
    """A run that meets every target."""
    small = {key: _figure(10.0, 4) for key in targets.SCALE_SCENARIOS}
    large = {key: _figure(12.0, 4) for key in targets.SCALE_SCENARIOS}
    large.update(
        floor_list=_figure(6.0, 1),
        feed_full=_figure(300.0, 3),
        floor_feed=_figure(120.0, 1),
        feed_304_warm=_figure(5.0, 2),
        feed_304_cold=_figure(40.0, 2),
        receive_1=_figure(50.0, 12),
        receive_100=_figure(140.0, 12),
    )
    return {
        "sizes": {"small": 1000, "large": 100000},
        "repeat": 5,
        "warmup": 2,
        "workers": 2,
        "throughput_workers": 2,
        "feed_orders": 10000,
        "latency": {"small": small, "large": large},
        "throughput": {
            "list": {"rps": 30.0, "p50": 60, "p99": 90, "failures": 0, "users": 8, "seconds": 5},
            "floor": {"rps": 60.0, "p50": 30, "p99": 50, "failures": 0, "users": 8, "seconds": 5},
            "ceiling": {"rps": 200.0, "p50": 9, "p99": 20, "failures": 0, "users": 8, "seconds": 5},
        },
        "memory": {"feed_growth_mb": 12.0, "before_mb": 90.0},
    }


def _missed(results):
    return [v.target.label for v in targets.evaluate(results) if not v.met]


def test_a_run_within_every_limit_meets_every_target():
    assert _missed(_results()) == []


def test_the_targets_are_the_issues_limits():
    limits = {(t.group, t.op, t.limit) for t in targets.TARGETS}
    assert limits == {
        ("Scale", "<=", 1.5),
        ("Scale", "==", 0),
        ("Overhead", "<=", 2.5),
        ("Overhead", "<=", 2.0),
        ("Overhead", "<=", 3.0),
        ("Throughput", ">=", 0.40),
        ("Queries", "<=", 6),
        ("Queries", "<=", 10),
        ("Queries", "<=", 3),
        ("Queries", "<=", 2),
        ("Queries", "<=", 15),
        ("Receive", "<=", 3.0),
        ("Memory", "<", 50),
    }
    # Two scale targets (time and queries) for each request of items 1 to 3.
    assert sum(t.group == "Scale" for t in targets.TARGETS) == 2 * 9


def test_a_request_slower_at_scale_than_allowed_misses_its_scale_target():
    results = _results()
    results["latency"]["large"]["list_deep"]["median"] = 10.0 * 1.51
    assert _missed(results) == ["`ro/?limit=50&offset=<last page>`: large / small"]


def test_a_query_count_that_grows_with_size_misses_even_within_the_bound():
    results = _results()
    results["latency"]["large"]["list_ordered"]["queries"] = 5
    assert _missed(results) == ["`ro/?limit=50&ordering=target_date`: queries, large minus small"]


def test_limits_are_inclusive_where_the_issue_says_at_most():
    results = _results()
    results["latency"]["large"]["list_first"]["median"] = 15.0  # exactly 1.5x and 2.5x
    results["latency"]["small"]["list_first"]["median"] = 10.0
    results["throughput"]["list"]["rps"] = 24.0  # exactly 40 %
    assert _missed(results) == []


def test_memory_growth_of_exactly_fifty_megabytes_misses():
    results = _results()
    results["memory"]["feed_growth_mb"] = 50.0
    assert _missed(results) == ["feed: growth of a worker's peak RSS"]


def test_figures_measured_on_error_responses_miss_every_target_they_feed():
    results = _results()
    results["latency"]["large"]["detail"] = _figure(1.0, 1, ok=False, status=500)
    assert _missed(results) == [
        "`ro/<pk>/` (detail): large / small",
        "`ro/<pk>/` (detail): queries, large minus small",
        "detail / floor",
        "`ro/<pk>/` (detail)",
    ]


def test_missing_figures_and_failed_throughput_runs_are_missed_not_errors():
    results = _results()
    del results["latency"]["large"]["receive_100"]
    results["throughput"]["floor"]["failures"] = 3
    results.pop("memory")
    assert _missed(results) == [
        "list req/s / floor req/s",
        "receive 100 lines",
        "receive 100 lines / receive 1 line",
        "feed: growth of a worker's peak RSS",
    ]


def test_the_report_shows_each_figure_ratio_and_verdict():
    results = _results()
    results["latency"]["large"]["list_searched"].update(median=32.0, p95=38.4)
    machine = {"CPU": "Test CPU", "cores": 2, "database": "PostgreSQL 15.2"}
    text = report.render(results, targets.evaluate(results), machine)
    assert "Machine: CPU Test CPU; cores 2; database PostgreSQL 15.2." in text
    row = "| `ro/?limit=50&search=<word>` | 10.0 | 12.0 | 4 | 32.0 | 38.4 | 4 | 3.20\u00d7 |"
    assert row in text
    assert (
        "| Scale | `ro/?limit=50&search=<word>`: large / small | 3.20\u00d7 | \u2264 1.50\u00d7 "
        "| **missed** |" in text
    )
    assert "| Throughput | list req/s / floor req/s | 50 % | \u2265 40 % | met |" in text
    assert "| `ro/?limit=50` | 30.0 | 60.0 | 90.0 | 0 | 50 % |" in text
    assert f"Targets: {len(targets.TARGETS) - 1} of {len(targets.TARGETS)} met." in text


def test_the_report_names_a_wrong_status_instead_of_a_time():
    results = copy.deepcopy(_results())
    results["latency"]["small"]["page_index"] = _figure(3.0, 2, ok=False, status=302)
    text = report.render(results, targets.evaluate(results), {})
    assert "| page `/returns/` | **HTTP 302** (expected 200) | 3.6 | 2 |" in text


def test_a_count_that_varies_between_requests_shows_its_range():
    results = _results()
    results["latency"]["large"]["detail"].update(queries=3, queries_min=3, queries_max=4)
    text = report.render(results, targets.evaluate(results), {})
    assert "| `ro/<pk>/` (detail) | 10.0 | 12.0 | 4 | 12.0 | 14.4 | 3 (3-4) | 1.20\u00d7 |" in text

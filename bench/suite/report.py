"""The Markdown report: the machine, every figure, every ratio, every target met or missed."""

import math

from bench.suite.targets import LARGE_SCENARIOS, SCALE_SCENARIOS, Verdict

TIMES = "\u00d7"  # the multiplication sign of a ratio


def number(value: float | None, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}"


def ms(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return number(value, 1 if value < 100 else 0)


def value_text(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "ratio":
        return f"{value:.2f}{TIMES}"
    if unit == "share":
        return f"{value * 100:.0f} %"
    if unit == "queries":
        return f"{value:g}"
    if unit == "change":
        return f"{value:+g}"
    return f"{value:.1f} {unit}"


def limit_text(verdict: Verdict) -> str:
    target = verdict.target
    op = {"<=": "≤", ">=": "≥", "<": "<", "==": "="}[target.op]
    return f"{op} {value_text(target.limit, target.unit)}"


def _figure_cells(found: dict | None) -> list[str]:
    if not found:
        return ["—", "—", "—"]
    cells = [ms(found["median"]), ms(found["p95"])]
    count = found["queries"]
    if count is None:
        cells.append("?")
    elif found["queries_min"] != found.get("queries_max", count):
        cells.append(f"{count} ({found['queries_min']}-{found['queries_max']})")
    else:
        cells.append(str(count))
    if not found["ok"]:
        statuses = "/".join(str(s) for s in found["statuses"])
        cells[0] = f"**HTTP {statuses}** (expected {found['expect']})"
    return cells


def render(results: dict, verdicts: list[Verdict], machine: dict) -> str:
    sizes = results["sizes"]
    small, large = f"{sizes['small']:,}", f"{sizes['large']:,}"
    latency = results["latency"]
    out = ["# Boomerang benchmark", ""]
    described = [f"{name} {value}" for name, value in machine.items() if value is not None]
    if described:
        out += ["Machine: " + "; ".join(described) + ".", ""]
    out.append(
        f"Latency in ms (median and p95 of {results['repeat']} timed requests after "
        f"{results['warmup']} warm-up ones, one at a time, {results['workers']} gunicorn "
        "workers); queries per request as counted in the worker."
    )
    out.append("")
    out.append(
        f"| request | {small}: median | p95 | queries | {large}: median | p95 | queries "
        "| large / small |"
    )
    out.append("|---|---|---|---|---|---|---|---|")
    for key, label in SCALE_SCENARIOS.items():
        a, b = latency["small"].get(key), latency["large"].get(key)
        scale = "—"
        if a and b and a["ok"] and b["ok"] and a["median"]:
            scale = f"{b['median'] / a['median']:.2f}{TIMES}"
        out.append(
            f"| {label} | " + " | ".join([*_figure_cells(a), *_figure_cells(b), scale]) + " |"
        )
    floor = latency["small"].get("floor_list")
    if floor:
        b = latency["large"].get("floor_list")
        out.append(
            f"| {LARGE_SCENARIOS['floor_list']} | "
            + " | ".join([*_figure_cells(floor), *_figure_cells(b), "—"])
            + " |"
        )
    out.append("")
    out.append(f"At {large} orders ({results.get('feed_orders', '?'):,} open with a target date):")
    out.append("")
    out.append("| request | median | p95 | queries | body |")
    out.append("|---|---|---|---|---|")
    for key, label in LARGE_SCENARIOS.items():
        if key == "floor_list":
            continue
        found = latency["large"].get(key)
        size = f"{found['bytes'] / 1024:,.0f} KiB" if found else "—"
        out.append(f"| {label} | " + " | ".join([*_figure_cells(found), size]) + " |")
    out.append("")
    runs = results.get("throughput", {})
    if runs:
        first = next(iter(runs.values()))
        out.append(
            f"Throughput at {large} orders: {first['users']} concurrent clients (locust, "
            f"headless) for {first['seconds']} s each, {results['throughput_workers']} workers."
        )
        out.append("")
        out.append("| endpoint | req/s | p50 ms | p99 ms | failures | share of floor |")
        out.append("|---|---|---|---|---|---|")
        floor_rps = runs.get("floor", {}).get("rps")
        names = {"list": "`ro/?limit=50`", "floor": "floor", "ceiling": "ceiling"}
        for key, run in runs.items():
            share = f"{run['rps'] / floor_rps * 100:.0f} %" if floor_rps else "—"
            out.append(
                f"| {names.get(key, key)} | {number(run['rps'], 1)} | {ms(run['p50'])} | "
                f"{ms(run['p99'])} | {run['failures']} | {share} |"
            )
        out.append("")
    memory = results.get("memory", {})
    if memory:
        out.append(
            f"Memory: serving the feed raised a worker's peak RSS by "
            f"{number(memory.get('feed_growth_mb'), 1)} MB "
            f"(from {number(memory.get('before_mb'), 1)} MB)."
        )
        out.append("")
    met = sum(v.met for v in verdicts)
    out.append(f"Targets: {met} of {len(verdicts)} met.")
    out.append("")
    out.append("| group | target | value | limit | |")
    out.append("|---|---|---|---|---|")
    for verdict in verdicts:
        target = verdict.target
        out.append(
            f"| {target.group} | {target.label} | {value_text(verdict.value, target.unit)} | "
            f"{limit_text(verdict)} | {'met' if verdict.met else '**missed**'} |"
        )
    out.append("")
    return "\n".join(out)

"""Load test: gunicorn (several workers) on PostgreSQL under a mixed read/write locust workload.

    .venv/bin/python bench/load.py [--duration 60] [--users 20] [--workers 4]
    make bench-load                       # the same, with BENCH_DURATION etc. from the env

Steps, all on loopback and bounded in time:

1. create a dedicated PostgreSQL database ``<name>_load_<pid>`` on the server named by
   ``BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/boomerang``), migrate it
   and seed it: customers, a location, open and closed orders to read, one stock item held by
   a customer for every write flow, and clerks with API tokens and calendar keys;
2. start gunicorn with ``config/gunicorn.py`` and ``--workers`` workers on a free port;
3. run locust headless (``bench/locustfile.py``) for ``--duration`` seconds: list, detail,
   filter, search, calendar feed; and whole order lives (create, add line, issue, receive,
   resolve, complete);
4. stop both, then check the database is consistent: every received line's stock item sits
   at a location with no customer and has one tracking entry for that order; no stock item is
   on two open orders; references are unique; receipt history rows name exactly the received
   lines, once each; every order created by the run exists; no access log line carries a
   query string;
5. print requests/s, p50/p95/p99 and the error count, and drop the database (``--keep`` keeps
   it). The exit status is non-zero when any request failed or a check did not hold.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

# Run as a script (``python bench/load.py``): the project's packages are beside this folder.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    DEFAULT_DATABASE_URL,
    LOOPBACK,
    ROOT,
    HarnessError,
    check_consistency,
    free_port,
    seed,
    server_env,
    setup_django,
    start_gunicorn,
    stop,
    throwaway_database,
    wait_for_port,
)


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# -- run -----------------------------------------------------------------------------------


def run_locust(*, port: int, users: int, duration: int, seed_file: Path, out: Path) -> None:
    locust = Path(sys.executable).with_name("locust")
    command = [
        str(locust),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(max(users, 1)),
        "--run-time",
        f"{duration}s",
        "--stop-timeout",
        "20",
        "--host",
        f"http://{LOOPBACK}:{port}",
        "--json-file",
        str(out / "locust"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = {
        **os.environ,
        "BENCH_SEED_FILE": str(seed_file),
        "BENCH_FAILURES_FILE": str(out / "failures.json"),
    }
    subprocess.run(command, env=env, timeout=duration + 120, check=False)


def read_failures(out: Path) -> list[dict]:
    """The failed requests the locustfile recorded (``BENCH_FAILURES_FILE``)."""
    path = out / "failures.json"
    return json.loads(path.read_text()) if path.exists() else []


def percentile(response_times: dict, fraction: float) -> float:
    """The ``fraction`` quantile (0.95 -> p95) of locust's ``{milliseconds: count}`` buckets."""
    buckets = sorted((float(ms), count) for ms, count in response_times.items())
    total = sum(count for _ms, count in buckets)
    if not total:
        return 0.0
    seen = 0
    for ms, count in buckets:
        seen += count
        if seen >= fraction * total:
            return ms
    return buckets[-1][0]


def read_stats(out: Path) -> list[dict]:
    """Per request name: count, failures, p50/p95/p99 and the span of the run."""
    entries = json.loads((out / "locust.json").read_text())
    rows = []
    for entry in entries:
        rows.append(
            {
                "name": entry["name"],
                "requests": entry["num_requests"],
                "failures": entry["num_failures"],
                "times": {str(k): v for k, v in entry["response_times"].items()},
                "start": entry["start_time"],
                "end": entry["last_request_timestamp"] or entry["start_time"],
            }
        )
    return rows


def aggregate(rows: list[dict]) -> dict:
    times: dict[str, int] = {}
    for row in rows:
        for ms, count in row["times"].items():
            times[ms] = times.get(ms, 0) + count
    start = min((row["start"] for row in rows), default=0)
    end = max((row["end"] for row in rows), default=0)
    requests = sum(row["requests"] for row in rows)
    return {
        "requests": requests,
        "failures": sum(row["failures"] for row in rows),
        "per_second": requests / (end - start) if end > start else 0.0,
        "p50": percentile(times, 0.50),
        "p95": percentile(times, 0.95),
        "p99": percentile(times, 0.99),
    }


# -- main ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=int, default=env_int("BENCH_DURATION", 60))
    parser.add_argument("--users", type=int, default=env_int("BENCH_USERS", 20))
    parser.add_argument("--workers", type=int, default=env_int("BENCH_WORKERS", 4))
    parser.add_argument("--orders", type=int, default=env_int("BENCH_ORDERS", 2000))
    parser.add_argument("--flows", type=int, default=env_int("BENCH_FLOWS", 5000))
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    if not 1 <= args.duration <= 3600:
        raise SystemExit("--duration must be between 1 and 3600 seconds")
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)

    try:
        return run(args, url)
    except HarnessError as exc:
        raise SystemExit(str(exc)) from exc


def run(args, url: str) -> int:
    with (
        tempfile.TemporaryDirectory(prefix="boomerang-load-") as folder,
        throwaway_database(url, keep=args.keep) as (database_url, name),
    ):
        out = Path(folder)
        port = free_port()
        env = server_env(database_url, port, args.workers, out)
        print(f"Database {name}; seeding {args.orders} orders and {args.flows} stock items ...")
        setup_django(env)
        data = seed(flows=args.flows, clerks=args.users, orders=args.orders)
        seed_file = out / "seed.json"
        seed_file.write_text(json.dumps(data))

        print(f"gunicorn: {args.workers} workers on {LOOPBACK}:{port}")
        server = start_gunicorn(env, stderr=out / "server.err")
        try:
            wait_for_port(port, server, timeout=60)
            print(f"locust: {args.users} users for {args.duration} s ...")
            run_locust(
                port=port,
                users=args.users,
                duration=args.duration,
                seed_file=seed_file,
                out=out,
            )
        finally:
            stop(server)

        rows = read_stats(out)
        total = aggregate(rows)
        failures = read_failures(out)
        created = sum(r["requests"] - r["failures"] for r in rows if r["name"] == "create order")
        problems = check_consistency(
            seeded_orders=args.orders, created=created, access_logs=[out / "access.log"]
        )
        error_log = "".join(
            (out / name).read_text()
            for name in ("error.log", "server.err")
            if (out / name).exists()
        )
        if "token=" in error_log:
            problems.append("the server's error output carries a query string")

    print()
    print(f"{'request':<14}{'count':>8}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for row in sorted(rows, key=lambda r: r["name"]):
        print(
            f"{row['name']:<14}{row['requests']:>8}{row['failures']:>8}"
            f"{percentile(row['times'], 0.5):>9.0f}{percentile(row['times'], 0.95):>9.0f}"
            f"{percentile(row['times'], 0.99):>9.0f}"
        )
    print()
    print(f"duration      {args.duration} s, {args.users} users, {args.workers} gunicorn workers")
    print(f"requests      {total['requests']}")
    print(f"requests/s    {total['per_second']:.1f}")
    print(f"p50/p95/p99   {total['p50']:.0f} / {total['p95']:.0f} / {total['p99']:.0f} ms")
    print(f"errors        {total['failures']}")
    print(f"order lives   {created} orders created (then line, issue, receive, resolve, complete)")
    for failure in failures[:10]:
        print(f"  failure: {failure['name']}: {failure['error'][:200]}")
    tracebacks = error_log.count("Traceback")
    if tracebacks:
        print(f"  the server's error output holds {tracebacks} traceback(s)")
    if problems:
        print("consistency   FAILED")
        for problem in problems[:20]:
            print(f"  {problem}")
    else:
        print("consistency   ok")
    return 1 if total["failures"] or problems or total["requests"] == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

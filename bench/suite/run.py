"""``python -m bench``: seed two sizes, serve each with gunicorn, measure, report.

    python -m bench                      # 1,000 vs BENCH_ORDERS (default 100,000) orders
    python -m bench --quick              # 1,000 vs 20,000, fewer repetitions
    python -m bench --sqlite             # SQLite files instead of PostgreSQL
    python -m bench --keep               # keep the databases (their names are printed)

Each size gets a database of its own, created on the server of ``BENCH_DATABASE_URL``
(default ``postgres://postgres@127.0.0.1:5432/boomerang``) as ``<name>_bench_<size>_<pid>``
and dropped at the end; the project's own database is never touched. Both sizes are seeded,
then served side by side (2 gunicorn workers each) while the requests of items 1 to 3 alternate
between them; the feed, receive and throughput figures follow on the large size alone, and
throughput runs with as many workers as the machine has cores. The report is printed
and written to ``--output`` (default ``bench/results/latest.md``, with the raw figures next
to it as JSON). The exit status is 1 when any target is missed.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

from bench.suite import report, targets
from bench.suite.measure import Client, Figure, run_scenario, run_together, throughput
from bench.suite.server import LOOPBACK, ROOT, Server, django_env, free_port, new_secret_key

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/boomerang"
PAGE = 50
FEED = "/api/order/calendar/return-order/calendar.ics"
LATENCY_WORKERS = 2
WORKER_WARMUP = 2  # requests per worker and kind before the figures


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 vs 20,000 orders, shorter")
    parser.add_argument("--small", type=int, default=1_000, help="orders in the small database")
    parser.add_argument(
        "--large",
        type=int,
        default=None,
        help="orders in the large database (default BENCH_ORDERS, else 100,000; 20,000 quick)",
    )
    parser.add_argument("--repeat", type=int, default=None, help="timed requests per figure")
    parser.add_argument("--warmup", type=int, default=None, help="warm-up requests per figure")
    parser.add_argument("--duration", type=int, default=None, help="seconds per throughput run")
    parser.add_argument("--users", type=int, default=8, help="concurrent throughput clients")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument(
        "--output", default=str(ROOT / "bench" / "results" / "latest.md"), help="report file"
    )
    args = parser.parse_args(argv)
    if args.large is None:
        env = os.environ.get("BENCH_ORDERS", "").strip()
        args.large = 20_000 if args.quick else int(env) if env else 100_000
    if args.repeat is None:
        args.repeat = 10 if args.quick else 20
    if args.warmup is None:
        args.warmup = 3 if args.quick else 5
    if args.duration is None:
        args.duration = 10 if args.quick else 20
    # The slow figures: a full feed render takes seconds at 10,000 events.
    args.feed_repeat = max(3, args.repeat // 3)
    args.feed_warmup = 2
    args.cold_runs = 3 if args.quick else 5
    return args


# -- databases -----------------------------------------------------------------------------


def _server_params(url: str) -> tuple[dict, str]:
    import dj_database_url

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        raise SystemExit(f"BENCH_DATABASE_URL must be PostgreSQL, not {config['ENGINE']}")
    host = config["HOST"] or LOOPBACK
    if host not in (LOOPBACK, "localhost", "::1"):
        raise SystemExit(f"The benchmark runs on loopback only, not on {host}")
    params = {
        "host": host,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
        "connect_timeout": 5,
    }
    return params, config["NAME"] or "boomerang"


@contextmanager
def throwaway_database(*, orders: int, sqlite: bool, keep: bool, work: Path):
    """A new, empty database for one size; yields its URL."""
    if sqlite:
        path = work / f"bench_{orders}.sqlite3"
        try:
            yield f"sqlite:///{path}"
        finally:
            if keep:
                kept = Path(tempfile.gettempdir()) / path.name
                shutil.copy(path, kept)
                log(f"kept {kept}")
        return

    import psycopg
    from psycopg import sql

    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    params, prefix = _server_params(url)
    name = f"{prefix}_bench_{orders}_{os.getpid()}"
    with psycopg.connect(**params) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlsplit(url)._replace(path=f"/{name}").geturl()
    finally:
        if keep:
            log(f"kept database {name}")
        else:
            with psycopg.connect(**params) as admin:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def database_version(url: str) -> str:
    if url.startswith("sqlite"):
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    import psycopg

    params, _prefix = _server_params(url)
    with psycopg.connect(**{**params, "dbname": urlsplit(url).path.lstrip("/")}) as conn:
        full = conn.execute("SELECT version()").fetchone()[0]
    return " ".join(full.split()[:2])


# -- one size ------------------------------------------------------------------------------


def seed(env: dict, *, orders: int, receive_orders: int, work: Path) -> dict:
    out = work / f"seed_{orders}.json"
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.suite.seed",
            "--orders",
            str(orders),
            "--receive-orders",
            str(receive_orders),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    info = json.loads(out.read_text())
    log(f"seeded {orders:,} orders, {info['lines']:,} lines in {time.monotonic() - started:.0f} s")
    return info


def _scale_requests(info: dict, *, api: dict, page: dict) -> dict:
    """Items 1 to 3 of the issue: key -> (path, headers), for one seeded size."""
    last = (info["all_orders"] - 1) // PAGE * PAGE
    pk = info["detail_order"]
    return {
        "list_first": ("/api/order/ro/?limit=50", api),
        "list_deep": (f"/api/order/ro/?limit=50&offset={last}", api),
        "list_filtered": (
            f"/api/order/ro/?limit=50&outstanding=true&customer={info['big_customer']}",
            api,
        ),
        "list_searched": (f"/api/order/ro/?limit=50&search={quote(info['search'])}", api),
        "list_ordered": ("/api/order/ro/?limit=50&ordering=target_date", api),
        "detail": (f"/api/order/ro/{pk}/", api),
        "lines": (f"/api/order/ro-line/?order={pk}", api),
        "page_index": ("/returns/", page),
        "page_detail": (f"/returns/{pk}/", page),
        "floor_list": ("/bench/floor/list/", {}),
    }


class Site:
    """One seeded size: its database, its server and what the seed handed over."""

    def __init__(self, size: str, orders: int):
        self.size = size
        self.orders = orders
        self.server: Server | None = None
        self.info: dict = {}

    @property
    def client(self) -> Client:
        return Client(self.server.base_url, self.server.work / "results")

    @property
    def api(self) -> dict:
        return {"Authorization": f"Token {self.info['api_key']}", "Accept": "application/json"}

    @property
    def requests(self) -> dict:
        page = {"Cookie": f"{self.info['session_cookie']}={self.info['session_key']}"}
        return _scale_requests(self.info, api=self.api, page=page)


def prepare(args, site: Site, stack: ExitStack, work: Path, results: dict) -> None:
    url = stack.enter_context(
        throwaway_database(orders=site.orders, sqlite=args.sqlite, keep=args.keep, work=work)
    )
    port = free_port()
    folder = work / site.size
    env = django_env(url, folder, secret_key=new_secret_key(), base_url=f"http://{LOOPBACK}:{port}")
    site.info = seed(env, orders=site.orders, receive_orders=args.warmup + args.repeat, work=work)
    results.setdefault("seeds", {})[site.size] = {
        k: site.info[k] for k in ("orders", "all_orders", "lines", "customers", "feed_orders")
    }
    results["machine_db"] = database_version(url)
    results["conn_max_age"] = site.info.get("conn_max_age")
    site.server = Server(env=env, port=port, workers=LATENCY_WORKERS, work=folder)
    stack.callback(site.server.stop)
    stack.callback(_show_server_errors, site, results)


def _show_server_errors(site: Site, results: dict) -> None:
    """Where a figure got an unexpected status, the server's log says why."""
    figures = results["latency"].get(site.size, {})
    if all(figure["ok"] for figure in figures.values()):
        return
    log_file = site.server.work / "server.log"
    if log_file.exists():
        tail = log_file.read_text(errors="replace").splitlines()[-60:]
        log(f"{site.size}: unexpected statuses; the end of the server's log:")
        print("\n".join(tail), file=sys.stderr)


def measure_scale(args, small: Site, large: Site) -> tuple[dict, dict]:
    """Items 1 to 3 on both sizes, served side by side: the requests alternate between the
    two servers, so a busy moment on the machine falls on both figures alike."""
    small_client, large_client = small.client, large.client
    small_requests, large_requests = small.requests, large.requests
    # Every worker answers each kind of request a few times before anything is timed, so no
    # figure's first sample pays for a worker's first request.
    both = ((small_client, small_requests), (large_client, large_requests))
    for key in small_requests:
        for _ in range(WORKER_WARMUP * LATENCY_WORKERS):
            for client, requests in both:
                path, headers = requests[key]
                client.request("GET", path, headers=headers)
    pairs = {
        key: (Figure(name=key, expect=200), Figure(name=key, expect=200)) for key in both[0][1]
    }
    for i in range(args.warmup + args.repeat):
        # Round after round of every request on both sizes, so the reference views and the
        # product's endpoints are timed over the same stretch of time; the order of the two
        # sizes alternates, so neither always follows the other.
        for key, pair in pairs.items():
            sends = list(zip(both, pair, strict=True))
            for (client, requests), figure in sends if i % 2 else sends[::-1]:
                path, headers = requests[key]
                sample = client.request("GET", path, headers=headers)
                (figure.extra if i < args.warmup else figure.samples).append(sample)
        log(f"  round {i + 1} of {args.warmup + args.repeat}")
    figures = ({}, {})
    for key, (small_figure, large_figure) in pairs.items():
        figures[0][key], figures[1][key] = small_figure, large_figure
    return figures


def measure_large(args, site: Site, results: dict) -> dict:
    """Items 4 to 6 and the memory, on the large size alone."""
    server, client, info, api = site.server, site.client, site.info, site.api
    figures = {}
    results["feed_orders"] = info["feed_orders"]
    feed = f"{FEED}?token={quote(info['calendar_key'])}"
    for _ in range(WORKER_WARMUP * server.workers):
        client.request("GET", "/bench/floor/list/")
    log("  feed_full and floor_feed, in turn")
    figures.update(
        run_together(
            {
                "feed_full": lambda _i: client.request("GET", feed),
                "floor_feed": lambda _i: client.request("GET", "/bench/floor/feed/"),
            },
            expect=200,
            warmup=args.feed_warmup,
            repeat=args.feed_repeat,
        )
    )
    results["memory"] = _feed_memory(figures["feed_full"])
    etag = figures["feed_full"].samples[-1].headers.get("etag", "")
    conditional = {"If-None-Match": etag}
    log("  feed_304_warm")
    figures["feed_304_warm"] = run_scenario(
        "feed_304_warm",
        lambda _i: client.request("GET", feed, headers=conditional),
        expect=304,
        warmup=args.warmup,
        repeat=args.repeat,
    )

    # Before the receive requests: they change the data, and with it the feed's validators.
    log(f"  feed_304_cold: {args.cold_runs} restarts")

    def cold(_i):
        server.restart()
        return client.request("GET", feed, headers=conditional)

    figures["feed_304_cold"] = run_scenario(
        "feed_304_cold", cold, expect=304, warmup=0, repeat=args.cold_runs
    )

    for size, prepared in info["receive"].items():
        log(f"  receive_{size}")
        figures[f"receive_{size}"] = run_scenario(
            f"receive_{size}",
            lambda i, p=prepared: client.request(
                "POST",
                f"/api/order/ro/{p[i]['order']}/receive/",
                headers=api,
                body={
                    "items": [{"item": line} for line in p[i]["lines"]],
                    "location": info["location"],
                },
            ),
            expect=201,
            warmup=args.warmup,
            repeat=args.repeat,
        )

    workers = os.cpu_count() or 1
    results["throughput_workers"] = workers
    if workers != server.workers:
        server.stop()
        server.workers = workers
        server.start()
    runs = {
        "list": ("/api/order/ro/?limit=50", api),
        "floor": ("/bench/floor/list/", {}),
        "ceiling": ("/bench/ceiling/", {}),
    }
    results["throughput"] = {}
    for key, (path, headers) in runs.items():
        log(f"  throughput {key}: {args.users} clients, {args.duration} s")
        results["throughput"][key] = throughput(
            base_url=server.base_url,
            path=path,
            headers=headers,
            users=args.users,
            seconds=args.duration,
            out=server.work / f"locust_{key}",
        )
    return figures


def _feed_memory(figure) -> dict:
    """The largest rise of a worker's peak RSS over one feed request (the first feed a worker
    renders is the one that raises it; the workers have served every other figure before)."""
    rises = [
        (s.rss_after - s.rss_before, s.rss_before)
        for s in [*figure.extra, *figure.samples]
        if s.rss_after is not None and s.rss_before is not None
    ]
    if not rises:
        return {}
    rise, before = max(rises)
    return {"feed_growth_mb": rise / 1024, "before_mb": before / 1024}


# -- the machine ---------------------------------------------------------------------------


def machine(results: dict) -> dict:
    cpu = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    import django
    import gunicorn

    return {
        "CPU": cpu or platform.processor() or "?",
        "cores": os.cpu_count(),
        "RAM": ram,
        "database": results.get("machine_db"),
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "CONN_MAX_AGE": results.get("conn_max_age"),
        "date": time.strftime("%Y-%m-%d"),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    results = {
        "sizes": {"small": args.small, "large": args.large},
        "repeat": args.repeat,
        "warmup": args.warmup,
        "workers": LATENCY_WORKERS,
        "latency": {},
    }
    small, large = Site("small", args.small), Site("large", args.large)
    with tempfile.TemporaryDirectory(prefix="boomerang-bench-") as folder, ExitStack() as stack:
        work = Path(folder)
        for site in (small, large):
            log(f"{site.size}: seeding {site.orders:,} orders")
            prepare(args, site, stack, work, results)
        small.server.start()
        large.server.start()
        log("requests of items 1 to 3, on both sizes in turn")
        figures_small, figures_large = measure_scale(args, small, large)
        results["latency"]["small"] = {k: f.summary() for k, f in figures_small.items()}
        small.server.stop()
        log(f"feed, receive and throughput at {large.orders:,} orders")
        figures_large.update(measure_large(args, large, results))
        results["latency"]["large"] = {k: f.summary() for k, f in figures_large.items()}
    verdicts = targets.evaluate(results)
    text = report.render(results, verdicts, machine(results))
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    output.with_suffix(".json").write_text(json.dumps(results, indent=1, default=str))
    print(text)
    log(f"done in {time.monotonic() - started:.0f} s; report in {output}")
    return 0 if all(v.met for v in verdicts) else 1

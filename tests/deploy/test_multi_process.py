"""Boomerang deployed across processes, as the README's "Scaling past one machine" describes:
two gunicorn servers (``config/gunicorn.py``, two workers each) on different ports share one
PostgreSQL database, one Redis (the Celery broker and Django's cache), one media folder and
one Celery worker (``python -m celery -A config worker``, two processes).

Clients in threads alternate between the servers over HTTP with API tokens. Each runs whole
order lives (create with a responsible owner, add a line, issue, receive into the location,
resolve with a refund or by scrapping, complete, read back); two more start large prints and
exports (jobs, over thresholds set low) and follow them at ``/api/job/<id>/`` until done, then
download the file from the other server. A webhook subscription to every event points at a
receiver in this process (on WEBHOOK_ALLOWED_HOSTS).

Once the worker has drained the queue: every job ran exactly once (succeeded at its first
attempt, one file each); every webhook event reached the receiver exactly once, in its order's
order, its signature verifying with Standard Webhooks' verifier, and the events are exactly
those the operations make; every e-mail was sent once; and the data is consistent (see
``bench.harness.check_consistency``, and the history rows counted against the operations).

PostgreSQL only (processes need a database they can share) and Redis; it makes a database of
its own on the server of the test settings and takes an empty Redis database (10 to 15), and
leaves neither behind. Run it alone with

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/boomerang .venv/bin/pytest tests/deploy -s
"""

import csv
import io
import itertools
import os
import threading
import time
from collections import Counter

import pytest
import requests
from django.db import connection
from standardwebhooks.webhooks import Webhook

from returns.statuses import ReturnOrderStatus
from tests.deploy.cluster import Cluster, redis_answers, wait_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="processes on two servers need a database they can share: PostgreSQL",
    ),
]

CLIENTS = 4  # threads running order lives
LIVES = 3  # order lives per client
SEEDED_ORDERS = 30
PRINT_ORDERS = 8
JOB_CLIENTS = 2  # threads starting a print and an export each
SETTINGS = {
    "REPORT_PRINT_JOB_THRESHOLD": "5",  # PRINT_ORDERS print as a job
    "EXPORT_JOB_THRESHOLD": "10",  # SEEDED_ORDERS export as a job
}
# What one order life makes: its webhook events, history rows and e-mails (to the owner:
# issued, received).
EVENTS = [
    "return_order.created",
    "return_order.issued",
    "return_order_line.received",
    "stock_item.returned",
    "return_order_line.resolved",
    "return_order.completed",
]
HISTORY = {"created": 1, "status": 2, "received": 1, "resolved": 1}
MAILS = 2
REQUEST_SECONDS = 30
JOB_SECONDS = 60
DRAIN_SECONDS = 60


@pytest.fixture
def redis_server():
    if not redis_answers():
        if os.environ.get("CI"):
            pytest.fail("No Redis at 127.0.0.1:6379")
        pytest.skip("No Redis at 127.0.0.1:6379")


class Client:
    """One API user, sending each request to the next server in turn."""

    def __init__(self, token: str, urls: list[str], first: int):
        self.headers = {"Authorization": f"Token {token}"}
        self.servers = itertools.cycle(urls[first:] + urls[:first])

    def call(self, method: str, path: str, expected: int, **kwargs) -> requests.Response:
        url = next(self.servers) + path
        response = requests.request(
            method, url, headers=self.headers, timeout=REQUEST_SECONDS, **kwargs
        )
        if response.status_code != expected:
            raise AssertionError(
                f"{method} {url}: expected {expected}, got {response.status_code}: "
                f"{response.text[:300]}"
            )
        return response

    def post(self, path: str, body: dict, expected: int = 201) -> dict:
        return self.call("POST", path, expected, json=body).json()


def order_life(client: Client, seed: dict, item: dict, scrap: bool) -> int:
    order = client.post(
        "/api/order/ro/",
        {"customer": item["customer"], "description": "load", "responsible": seed["owner"]},
    )
    pk = order["pk"]
    line = client.post("/api/order/ro-line/", {"order": pk, "item": item["item"]})
    client.post(f"/api/order/ro/{pk}/issue/", {})
    client.post(
        f"/api/order/ro/{pk}/receive/",
        {"items": [{"item": line["pk"]}], "location": seed["location"]},
    )
    resolve = f"/api/order/ro-line/{line['pk']}/resolve/"
    if scrap:  # both keep the unit here, at the location
        client.post(resolve + "reject/", {"reason": "Beyond repair", "disposition": "scrap"})
    else:
        client.post(resolve + "refund/", {"amount": "25.00", "reference": f"CN-{pk}"})
    client.post(f"/api/order/ro/{pk}/complete/", {})
    read_back = client.call("GET", f"/api/order/ro/{pk}/", 200).json()  # on the other server
    assert read_back["status"] == ReturnOrderStatus.COMPLETE
    return pk


def follow(client: Client, answer: dict) -> tuple[dict, bytes]:
    """Poll the job an answer names (each poll on the next server) until it has finished;
    the job and its file, downloaded from the next server."""
    assert answer["complete"] is False and answer["job_url"] == f"/api/job/{answer['job']}/"

    def finished():
        job = client.call("GET", answer["job_url"], 200).json()
        return job if job["state"] in {"succeeded", "failed"} else None

    job = wait_until(finished, timeout=JOB_SECONDS, what=f"job {answer['job']}", interval=0.3)
    assert job["state"] == "succeeded", job
    return job, client.call("GET", job["output"], 200).content


def jobs_life(client: Client, seed: dict) -> list[int]:
    printed = client.post(
        "/api/report/print/",
        {"template": seed["template"], "items": seed["orders"][:PRINT_ORDERS]},
    )
    print_job, pdf = follow(client, printed)
    assert pdf.startswith(b"%PDF")
    exported = client.call("GET", "/api/order/ro/?export=csv&ordering=reference", 202).json()
    export_job, data = follow(client, exported)
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert len(rows) == 1 + exported["total"] and exported["total"] >= SEEDED_ORDERS
    return [print_job["pk"], export_job["pk"]]


def run_threads(work: dict, *, timeout: float) -> dict:
    """Run each ``name: function`` in a thread of its own, all within ``timeout`` seconds;
    their results (or fail with every thread's error)."""
    results, errors = {}, {}

    def run(name, function):
        try:
            results[name] = function()
        except BaseException as exc:  # reported, with every other thread's, below
            errors[name] = exc

    threads = [threading.Thread(target=run, args=item, daemon=True) for item in work.items()]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not [t for t in threads if t.is_alive()], f"clients still busy after {timeout:.0f} s"
    assert not errors, "\n".join(f"{name}: {error!r}" for name, error in errors.items())
    return results


def test_two_servers_and_a_worker_share_the_work_and_every_job_and_webhook_runs_once(
    redis_server, tmp_path
):
    started = time.monotonic()
    db = connection.settings_dict
    credentials = f"{db['USER']}:{db['PASSWORD']}" if db["PASSWORD"] else db["USER"]
    server = f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    with Cluster(tmp_path, database_url=f"{server}/{db['NAME']}", env=SETTINGS) as cluster:
        try:
            _run(cluster)
        except BaseException:
            print(cluster.describe())
            raise
    print(f"multi-process test: {time.monotonic() - started:.1f} s, teardown included")


def _run(cluster: Cluster) -> None:
    lives = CLIENTS * LIVES
    seed = cluster.django(
        "seed",
        {
            "flows": lives,
            "clerks": CLIENTS + JOB_CLIENTS,
            "orders": SEEDED_ORDERS,
            "receiver_url": cluster.receiver.url,
        },
        timeout=60,
    )
    cluster.start_servers()
    cluster.start_worker()

    items = iter(seed["items"])
    work = {}
    for n in range(CLIENTS):
        client = Client(seed["clerks"][n]["token"], cluster.urls, n % 2)
        plan = [(next(items), (n + k) % 2 == 0) for k in range(LIVES)]
        work[f"clerk {n}"] = lambda c=client, plan=plan: [
            order_life(c, seed, item, scrap) for item, scrap in plan
        ]
    for n in range(CLIENTS, CLIENTS + JOB_CLIENTS):
        client = Client(seed["clerks"][n]["token"], cluster.urls, n % 2)
        work[f"jobs {n}"] = lambda c=client: jobs_life(c, seed)
    results = run_threads(work, timeout=2 * JOB_SECONDS + REQUEST_SECONDS)
    orders = [pk for name, pks in results.items() if name.startswith("clerk") for pk in pks]
    job_pks = sorted(pk for name, pks in results.items() if name.startswith("jobs") for pk in pks)
    assert len(set(orders)) == lives
    assert not cluster.exited()
    served = cluster.requests_served()
    assert min(served) > sum(served) / 3, f"requests per server: {served}"

    cluster.stop_servers()  # the clients are done; the worker finishes what they queued
    report = cluster.django(
        "report",
        {
            "timeout": DRAIN_SECONDS,
            "seeded_orders": SEEDED_ORDERS,
            "created": lives,
            "access_logs": cluster.access_logs(),
            "media_root": str(cluster.media),
        },
        timeout=DRAIN_SECONDS + 60,
    )
    assert report["outstanding"] == [], "the worker did not drain the queue"
    assert report["problems"] == []
    assert report["completed"] == lives
    assert report["history"] == {kind: n * lives for kind, n in HISTORY.items()}
    _check_jobs(report, job_pks)
    _check_webhooks(report, cluster.receiver.requests, secret=seed["secret"], lives=lives)
    _check_mail(report, cluster.sent_message_ids(), lives=lives)
    assert cluster.output("Traceback") == ""
    assert not cluster.exited()


def _check_jobs(report: dict, started: list[int]) -> None:
    """Every job ran exactly once: at its first attempt, with one file each."""
    jobs = report["jobs"]
    assert [job["pk"] for job in jobs] == started
    kinds = Counter(job["kind"] for job in jobs)
    assert kinds == {"report.print": JOB_CLIENTS, "returns.export": JOB_CLIENTS}
    for job in jobs:
        assert (job["state"], job["attempts"], job["error"]) == ("succeeded", 1, ""), job
        assert job["result"] and job["result_name"], job
    assert report["job_files"] == sorted(job["result"] for job in jobs)


def _check_webhooks(report: dict, received: list[dict], *, secret: str, lives: int) -> None:
    """Every event reached the receiver exactly once, signed, in its order's order; the
    events are exactly those the order lives make, each delivered at the first attempt."""
    ids = [request["headers"]["webhook-id"] for request in received]
    events = report["events"]
    assert [n for n in Counter(ids).values() if n > 1] == []
    assert set(ids) == {event["message_id"] for event in events}
    assert Counter(event["type"] for event in events) == dict.fromkeys(EVENTS, lives)
    verifier = Webhook(secret)
    for request in received:
        verifier.verify(request["body"], request["headers"])  # raises unless genuine
    arrived = {message_id: n for n, message_id in enumerate(ids)}
    by_order: dict[str, list[str]] = {}
    for event in events:
        by_order.setdefault(event["ordering_key"], []).append(event["message_id"])
    for key, message_ids in by_order.items():
        assert sorted(message_ids, key=arrived.get) == message_ids, f"{key} out of order"
    deliveries = report["deliveries"]
    assert len(deliveries) == len(events)
    outcomes = {(d["state"], d["attempts"], d["response_status"]) for d in deliveries}
    assert outcomes == {("delivered", 1, 200)}


def _check_mail(report: dict, sent: list[str], *, lives: int) -> None:
    """Every e-mail was sent exactly once, under its own Message-ID."""
    mails = report["mails"]
    assert len(mails) == MAILS * lives
    assert {(m["state"], m["attempts"]) for m in mails} == {("sent", 1)}, mails[:2]
    assert len({m["message_id"] for m in mails}) == len(mails)
    assert Counter(sent) == Counter(m["message_id"] for m in mails)

"""The mixed read/write workload of ``bench/load.py``, for locust (run headless by that script).

Each simulated clerk holds an API token (and a calendar key) from the seed file that
``bench/load.py`` writes (``BENCH_SEED_FILE``). Reads: the order list, one order, filters,
search, the calendar feed. Writes: the whole life of an order, one request per step: create it,
add a line, issue it, receive the line, resolve it (a refund), complete it. Every write flow
takes a stock item no other flow uses, so a refusal (4xx) is a real error, not a race between
two simulated clerks.
"""

import itertools
import json
import os
import random

from locust import HttpUser, between, events, task

with open(os.environ["BENCH_SEED_FILE"]) as handle:
    SEED = json.load(handle)

FEED = "/api/order/calendar/return-order/calendar.ics"
SEARCH_WORDS = ["controller", "servo", "sensor", "display", "lot 4", "PO-1"]
# Shared by every simulated user of this (single) locust process.
_items = iter(SEED["items"])
_clerks = itertools.cycle(SEED["clerks"])
_failures: list[dict] = []


@events.request.add_listener
def _record_failure(request_type, name, response, exception, **kwargs):
    if exception is not None and len(_failures) < 100:
        status = getattr(response, "status_code", None)
        _failures.append({"name": f"{request_type} {name}", "error": f"{status}: {exception}"})


@events.quitting.add_listener
def _write_failures(environment, **kwargs):
    path = os.environ.get("BENCH_FAILURES_FILE")
    if path:
        with open(path, "w") as handle:
            json.dump(_failures, handle)


class Clerk(HttpUser):
    wait_time = between(0, 0.05)

    def on_start(self):
        clerk = next(_clerks)
        self.client.headers["Authorization"] = f"Token {clerk['token']}"
        self.calendar_key = clerk["calendar_key"]

    # -- reads -----------------------------------------------------------------------------

    @task(4)
    def list_orders(self):
        self.client.get("/api/order/ro/?limit=25", name="list")

    @task(3)
    def order_detail(self):
        pk = random.choice(SEED["orders"])
        self.client.get(f"/api/order/ro/{pk}/", name="detail")

    @task(2)
    def filter_orders(self):
        customer = random.choice(SEED["customers"])
        query = random.choice(
            [f"customer={customer}", "status=20", "outstanding=true", "overdue=true"]
        )
        self.client.get(f"/api/order/ro/?{query}&limit=25", name="filter")

    @task(2)
    def search_orders(self):
        word = random.choice(SEARCH_WORDS)
        self.client.get("/api/order/ro/", params={"search": word, "limit": 25}, name="search")

    @task(1)
    def calendar_feed(self):
        # The key goes in the query, as calendar clients send it; the server must not log it.
        self.client.get(
            FEED,
            params={"token": self.calendar_key},
            headers={"Authorization": ""},
            name="feed",
        )

    # -- writes ----------------------------------------------------------------------------

    @task(2)
    def order_life(self):
        entry = next(_items, None)
        if entry is None:
            return  # every seeded item is used: reads only from here on
        item, customer = entry["item"], entry["customer"]
        order = self._post("/api/order/ro/", {"customer": customer, "description": "load"}, 201)
        if order is None:
            return
        pk = order["pk"]
        line = self._post("/api/order/ro-line/", {"order": pk, "item": item}, 201, "add line")
        if line is None:
            return
        if self._post(f"/api/order/ro/{pk}/issue/", {}, 201, "issue") is None:
            return
        received = self._post(
            f"/api/order/ro/{pk}/receive/",
            {"items": [{"item": line["pk"]}], "location": SEED["location"]},
            201,
            "receive",
        )
        if received is None:
            return
        # Completing needs every line resolved; a refund keeps the unit here.
        resolve = f"/api/order/ro-line/{line['pk']}/resolve/refund/"
        if self._post(resolve, {"amount": "10.00"}, 201, "resolve") is None:
            return
        self._post(f"/api/order/ro/{pk}/complete/", {}, 201, "complete")

    def _post(self, path: str, body: dict, expected: int, name: str = "create order"):
        with self.client.post(path, json=body, name=name, catch_response=True) as response:
            if response.status_code != expected:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return None
            return response.json()

"""One GET after another on ``$BENCH_PATH`` with ``$BENCH_HEADERS`` (JSON), for throughput."""

import json
import os

from locust import FastHttpUser, constant, task

PATH = os.environ["BENCH_PATH"]
HEADERS = json.loads(os.environ.get("BENCH_HEADERS", "{}"))


class Client(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        self.client.get(PATH, headers=HEADERS, name="request")

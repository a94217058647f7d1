"""Counts the SQL queries of each request and the worker's peak memory around it.

Non-streaming responses carry the figures in headers (``X-Bench-Queries``, ``X-Bench-Pid``,
``X-Bench-Rss-Before`` and ``X-Bench-Rss-After``, peak resident set in KiB). A streaming
response runs queries after the headers have left, so its figures are also written, once its
body has been sent, to ``$BENCH_RESULTS_DIR/<X-Bench-Id>.json`` when the request names an id;
the measuring side reads them from there.
"""

import json
import os
import resource
from pathlib import Path

from django.db import connection

ID_HEADER = "X-Bench-Id"


def peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class _Counter:
    def __init__(self):
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        return execute(sql, params, many, context)


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        folder = os.environ.get("BENCH_RESULTS_DIR", "")
        self.results = Path(folder) if folder else None

    def __call__(self, request):
        counter = _Counter()
        before = peak_rss_kib()
        request_id = request.headers.get(ID_HEADER, "")
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        if response.streaming:
            response.streaming_content = self._counted(
                response.streaming_content, counter, before, request_id
            )
            return response
        figures = self._figures(counter, before)
        response["X-Bench-Queries"] = str(figures["queries"])
        response["X-Bench-Pid"] = str(figures["pid"])
        response["X-Bench-Rss-Before"] = str(figures["rss_before"])
        response["X-Bench-Rss-After"] = str(figures["rss_after"])
        self._write(request_id, figures)
        return response

    def _counted(self, content, counter, before, request_id):
        wrappers = connection.execute_wrappers
        wrappers.append(counter)
        try:
            yield from content
        finally:
            wrappers.remove(counter)
            self._write(request_id, self._figures(counter, before))

    @staticmethod
    def _figures(counter, before) -> dict:
        return {
            "queries": counter.queries,
            "pid": os.getpid(),
            "rss_before": before,
            "rss_after": peak_rss_kib(),
        }

    def _write(self, request_id: str, figures: dict) -> None:
        if not self.results or not request_id or not request_id.isalnum():
            return
        path = self.results / f"{request_id}.json"
        partial = path.with_suffix(".tmp")
        partial.write_text(json.dumps(figures))
        partial.replace(path)

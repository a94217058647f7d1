"""A small HTTP server answering the InvenTree API calls the importer makes from the
samples, so the real ``inventree`` client (and the token handling around it) is exercised
without a second Boomerang."""

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.importer.fake_source import FILE_CONTENT, FakeSource


def _handler(token: str, source: FakeSource):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # keep the test output quiet
            pass

        def _send(self, status: int, body) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            parts = urlsplit(self.path)
            path = parts.path.removeprefix("/api/")
            query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
            if parts.path == "/api/":
                self._send(200, {"server": "InvenTree", "version": "0.17.0", "apiVersion": 300})
                return
            if self.headers.get("Authorization") != f"Token {token}":
                self._send(401, {"detail": "Invalid token."})
                return
            if parts.path.startswith("/media/"):
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(FILE_CONTENT)))
                self.end_headers()
                self.wfile.write(FILE_CONTENT)
                return
            if path == "user/me/":
                self._send(200, {"pk": 5, "username": "importer"})
                return
            if path in source.lists:
                offset, limit = int(query.pop("offset", 0)), int(query.pop("limit", 100))
                rows, total = source.page(path, offset=offset, limit=limit, params=query)
                self._send(200, {"count": total, "next": None, "previous": None, "results": rows})
                return
            row = source.detail(path)
            if row is None:
                self._send(404, {"detail": "No StockItem matches the given query."})
            else:
                self._send(200, row)

    return Handler


@contextmanager
def sample_server(token: str, source: FakeSource | None = None):
    """Serve the samples at ``http://127.0.0.1:<port>``; only ``token`` is accepted."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(token, source or FakeSource()))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()

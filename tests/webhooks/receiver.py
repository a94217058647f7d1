"""A local webhook receiver: an HTTP server thread on 127.0.0.1 that records what it gets."""

import http.server
import queue
import threading
import time


class Receiver:
    """Records each request (path, headers, body) and answers with the next queued status
    (200 once the queue is empty); ``delay`` holds the answer back that many seconds."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: queue.SimpleQueue = queue.SimpleQueue()
        self.headers: dict[str, str] = {}
        self.delay = 0.0
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers.items()), "body": body}
                )
                if receiver.delay:
                    time.sleep(receiver.delay)
                try:
                    status = receiver.statuses.get_nowait()
                except queue.Empty:
                    status = 200
                self.send_response(status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/plain")
                reply = f"answer {status}".encode()
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, *statuses: int) -> None:
        for status in statuses:
            self.statuses.put(status)

    def close(self):
        self.server.shutdown()
        self.server.server_close()

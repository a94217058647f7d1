"""One HTTP POST to a checked target: to the address the safety check resolved (so a name
cannot resolve elsewhere between the check and the connection), no redirects followed."""

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from webhooks.safety import Target

RESPONSE_EXCERPT = 2000


@dataclass(frozen=True)
class Answer:
    status: int | None
    body: str
    duration_ms: int
    error: str = ""
    timed_out: bool = False


def _connection(target: Target, timeout: float) -> http.client.HTTPConnection:
    if target.scheme == "https":
        connection = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)

    def connect_to_checked(address, timeout=None, source_address=None, **kwargs):
        return socket.create_connection((target.address, address[1]), timeout, source_address)

    connection._create_connection = connect_to_checked
    return connection


def post(target: Target, body: bytes, headers: dict[str, str], *, timeout: float) -> Answer:
    started = time.monotonic()
    connection = _connection(target, timeout)

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(RESPONSE_EXCERPT * 4).decode("utf-8", "replace")
        return Answer(response.status, excerpt[:RESPONSE_EXCERPT], elapsed())
    except TimeoutError:
        return Answer(None, "", elapsed(), error="Timed out", timed_out=True)
    except (OSError, http.client.HTTPException) as exc:
        return Answer(None, "", elapsed(), error=f"Connection failed: {exc}"[:500])
    finally:
        connection.close()

"""The production server's config: query strings (calendar keys) never reach its logs."""

import logging
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from config import gunicorn as gunicorn_config

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
CALENDAR_KEY = "bmc-secretvalue"
FEED = "/api/order/calendar/return-order/calendar.ics"


# --- the config, as a module ----------------------------------------------------------------


def test_access_log_format_has_the_path_but_no_query():
    access_format = gunicorn_config.access_log_format
    assert "%(U)s" in access_format  # the path, without its query
    for leaky in ("%(r)s", "%(q)s", "%(f)s", "{query_string}e", "{raw_uri}e", "{referer}i"):
        assert leaky not in access_format.lower()


def test_defaults_bind_to_loopback_with_several_workers():
    assert gunicorn_config.bind == ["127.0.0.1:8000"] or "GUNICORN_BIND" in os.environ
    assert 1 < gunicorn_config._default_workers() <= gunicorn_config.MAX_DEFAULT_WORKERS
    assert gunicorn_config.logger_class is gunicorn_config.QueryStrippingLogger


@pytest.mark.parametrize(
    "message",
    [
        f"Error handling request GET {FEED}?token={CALENDAR_KEY}",
        f"Invalid request from ip=127.0.0.1: Invalid HTTP Version: "
        f"'GET /api/?token={CALENDAR_KEY}'",
        f'127.0.0.1 - - [x] "GET {FEED}?customer=1&token={CALENDAR_KEY} HTTP/1.1" 401',
    ],
)
def test_error_log_formatter_strips_query_strings(message):
    record = logging.LogRecord("gunicorn.error", logging.ERROR, __file__, 1, message, (), None)
    formatter = gunicorn_config.QueryStrippingFormatter(logging.Formatter("%(message)s"))
    line = formatter.format(record)
    assert CALENDAR_KEY not in line
    assert "token" not in line
    assert "/api/" in line


def test_formatter_strips_query_strings_from_tracebacks():
    try:
        raise RuntimeError(f"boom at /api/?token={CALENDAR_KEY}")
    except RuntimeError:
        record = logging.LogRecord(
            "gunicorn.error", logging.ERROR, __file__, 1, "Error", (), sys.exc_info()
        )
    line = gunicorn_config.QueryStrippingFormatter(None).format(record)
    assert "RuntimeError: boom at /api/" in line
    assert CALENDAR_KEY not in line


# --- a real server ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start listening in time")


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


@pytest.fixture
def server(tmp_path):
    """Gunicorn with config/gunicorn.py, production-like settings, logging to files."""
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}},
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "BOOMERANG_BASE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATIC_STORAGE": "plain",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_ACCESS_LOG": str(tmp_path / "access.log"),
        "GUNICORN_ERROR_LOG": str(tmp_path / "error.log"),
        "GUNICORN_LOG_LEVEL": "debug",
    }
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    process = subprocess.Popen(
        [str(GUNICORN), "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, process, time.monotonic() + 60)
        yield port, tmp_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _read_logs(tmp_path: Path, *, expect: str, deadline: float) -> tuple[str, str]:
    while True:
        access = (tmp_path / "access.log").read_text()
        error = (tmp_path / "error.log").read_text()
        if expect in access or time.monotonic() > deadline:
            return access, error
        time.sleep(0.2)


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed")
def test_logs_of_a_running_server_keep_the_path_but_never_the_token(server):
    port, tmp_path = server
    base = f"http://127.0.0.1:{port}"
    assert _get(f"{base}{FEED}?token={CALENDAR_KEY}") == 401
    assert _get(f"{base}/api/?token=secret") == 200
    # A request line without a version is quoted whole by gunicorn's "Invalid request" warning.
    reply = _raw(port, f"GET /api/?token={CALENDAR_KEY}x\r\n\r\n".encode())
    assert reply.startswith(b"HTTP/1.1 400")

    access, error = _read_logs(
        tmp_path, expect='"GET /api/ HTTP/1.1" 200', deadline=time.monotonic() + 10
    )
    assert f'"GET {FEED} HTTP/1.1" 401' in access
    assert '"GET /api/ HTTP/1.1" 200' in access
    # The warning was written, with the query cut off.
    assert "Invalid HTTP request line: 'GET /api/'" in error
    assert "gunicorn.ctl" not in error  # no control socket
    for log in (access, error):
        assert CALENDAR_KEY not in log
        assert "token" not in log
        assert "secret" not in log

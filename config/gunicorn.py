"""Gunicorn settings for running Boomerang in production: ``gunicorn -c config/gunicorn.py``.

Query strings never reach the logs. Calendar feed URLs carry the user's calendar key in
``?token=``, and search terms may name customers, so:

* the access log writes the path without its query (``%(U)s``), never the request line
  (``%(r)s``), the query (``%(q)s``) or the referrer (whose query is another page's);
* every line of the error log (and, as a second guard, of the access log) goes through a
  formatter that cuts the query off any URL in the message, including tracebacks and
  gunicorn's "Invalid request" and "Error handling request" messages, which quote the URI.

Everything else comes from the environment, with defaults for one machine behind a proxy:

``GUNICORN_BIND``      where to listen (default ``127.0.0.1:8000``; several, comma-separated)
``GUNICORN_WORKERS``   worker processes (default: ``WEB_CONCURRENCY``, else 2 * cores + 1,
                       at most 12)
``GUNICORN_THREADS``   threads per worker (default 1)
``GUNICORN_TIMEOUT``   seconds before a silent worker is restarted (default 60)
``GUNICORN_ACCESS_LOG`` / ``GUNICORN_ERROR_LOG``   files, or ``-`` for stdout/stderr (default)
``GUNICORN_LOG_LEVEL`` error log level (default ``info``)
``FORWARDED_ALLOW_IPS`` proxies whose X-Forwarded-* headers are trusted (default 127.0.0.1)
``GUNICORN_CONTROL_SOCKET`` path of gunicorn's control socket (default: none, it is off)
"""

import logging
import os
import re

from gunicorn import glogging

MAX_DEFAULT_WORKERS = 12


def _default_workers() -> int:
    cores = os.cpu_count() or 1
    return min(2 * cores + 1, MAX_DEFAULT_WORKERS)


def _int_from_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = [
    address.strip()
    for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
    if address.strip()
]
workers = _int_from_env("GUNICORN_WORKERS", _int_from_env("WEB_CONCURRENCY", _default_workers()))
threads = _int_from_env("GUNICORN_THREADS", 1)
timeout = _int_from_env("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Gunicorn 25.1+ opens a management socket in the home directory unless told otherwise;
# only where GUNICORN_CONTROL_SOCKET names a path (older versions ignore both settings).
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Remote address, user (from Basic auth: the name only), time, method, PATH WITHOUT QUERY,
# protocol, status, bytes, milliseconds, user agent.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'

# A URL's query: from "?" up to whitespace, a quote or the end. Whatever follows the "?" in a
# log message is dropped, so a mangled or half-read request line is cut just the same.
_QUERY = re.compile(r"\?[^\s\"'<>]*")


def strip_query_strings(text: str) -> str:
    """``text`` with every ``?query`` removed (``/feed.ics?token=x HTTP/1.1`` → ``/feed.ics
    HTTP/1.1``)."""
    return _QUERY.sub("", text)


class QueryStrippingFormatter(logging.Formatter):
    """Formats as ``inner`` does, then strips query strings from the whole line."""

    def __init__(self, inner: logging.Formatter | None):
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        return strip_query_strings(self.inner.format(record))


class QueryStrippingLogger(glogging.Logger):
    """Gunicorn's logger, with query strings stripped from the error and access logs."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not isinstance(handler.formatter, QueryStrippingFormatter):
                    handler.setFormatter(QueryStrippingFormatter(handler.formatter))


logger_class = QueryStrippingLogger

"""The source InvenTree, read over its REST API with the ``inventree`` client.

Everything the engine asks of a source goes through the three methods of ``InvenTreeSource``
(``page``, ``detail``, ``download``), so tests can serve recorded pages from memory with an
object of the same shape. The API token never leaves this module: the client's debug log
lines and its HTTP errors carry the request headers, so log records are scrubbed while a
source is open and errors are rethrown as ``SourceError`` with the status and URL only.
"""

import logging
import tempfile
from pathlib import Path

import requests

REDACTED = "[redacted]"
CLIENT_LOGGERS = ("inventree", "urllib3", "requests")


class SourceError(Exception):
    """The source could not be reached, refused the token, or answered an error."""


class ImportBusy(SourceError):
    """Another import from the same source is running: two at once would both create rows
    before either remembered them, and leave duplicates."""


def scrub(text: str, token: str) -> str:
    """``text`` with every occurrence of ``token`` blanked."""
    if token and text:
        return text.replace(token, REDACTED)
    return text


class _ScrubToken(logging.Filter):
    def __init__(self, token: str):
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the handler's problem
            return True
        if self.token in message:
            record.msg = scrub(message, self.token)
            record.args = ()
        return True


def _describe(exc: BaseException) -> str:
    """A short, header-free description of a client error."""
    detail = exc.args[0] if exc.args else None
    if isinstance(detail, dict):
        status = detail.get("status_code")
        url = detail.get("url", "")
        return f"HTTP {status} from {url}".strip()
    return type(exc).__name__


class InvenTreeSource:
    """A running InvenTree (or Boomerang) server, read page by page."""

    def __init__(self, url: str, token: str, *, timeout: float = 30.0):
        self.url = url
        self._token = token
        self.timeout = timeout
        self._api = None
        self._filter = _ScrubToken(token) if token else None

    def __repr__(self) -> str:
        return f"<InvenTreeSource {self.url}>"

    # -- lifetime --------------------------------------------------------------------------

    def open(self) -> "InvenTreeSource":
        from inventree.api import InvenTreeAPI

        if not self._token:
            raise SourceError(f"No API token for {self.url}")
        if self._filter is not None:
            for name in CLIENT_LOGGERS:
                logging.getLogger(name).addFilter(self._filter)
        try:
            self._api = self._connect(InvenTreeAPI)
        except BaseException:
            self.close()
            raise
        return self

    def _connect(self, api_class):
        # Connected by hand rather than by the constructor, which answers "authentication
        # failed" for a server that cannot be reached at all.
        try:
            api = api_class(self.url, token=self._token, timeout=self.timeout, connect=False)
            reachable = api.testServer()
        except requests.exceptions.Timeout:
            raise SourceError(f"{self.url} did not answer in {self.timeout:g} s") from None
        except Exception as exc:
            raise SourceError(
                scrub(f"Could not connect to {self.url}: {_describe(exc)}", self._token)
            ) from None
        if not reachable:
            raise SourceError(f"Could not connect to {self.url}")
        api.connected = True
        try:
            authenticated = api.testAuth()
        except Exception as exc:
            raise SourceError(
                scrub(f"Could not sign in to {self.url}: {_describe(exc)}", self._token)
            ) from None
        if not authenticated:
            raise SourceError(f"{self.url} refused the API token")
        return api

    def close(self) -> None:
        if self._filter is not None:
            for name in CLIENT_LOGGERS:
                logging.getLogger(name).removeFilter(self._filter)
        self._api = None

    def __enter__(self) -> "InvenTreeSource":
        return self.open()

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- reads -----------------------------------------------------------------------------

    def _get(self, endpoint: str, params: dict | None = None):
        try:
            return self._api.get(endpoint, params=dict(params or {}))
        except requests.exceptions.HTTPError as exc:
            detail = exc.args[0] if exc.args else None
            if isinstance(detail, dict) and detail.get("status_code") == 404:
                return None
            raise SourceError(scrub(_describe(exc), self._token)) from None
        except requests.exceptions.RequestException as exc:
            raise SourceError(scrub(f"{endpoint}: {_describe(exc)}", self._token)) from None

    def page(
        self, endpoint: str, *, offset: int, limit: int, params: dict | None = None
    ) -> tuple[list[dict], int | None]:
        """One page of a list endpoint: its rows and the total count (None when unknown)."""
        query = {**(params or {}), "limit": limit, "offset": offset}
        data = self._get(endpoint, query)
        if data is None:
            raise SourceError(f"{endpoint} is not on the source (HTTP 404)")
        if isinstance(data, dict) and "results" in data:
            return list(data["results"]), data.get("count")
        if isinstance(data, list):
            # A server that ignores limit/offset answers the whole list.
            return data[offset : offset + limit], len(data)
        raise SourceError(f"{endpoint} answered something that is not a list")

    def detail(self, endpoint: str) -> dict | None:
        """One object, or None when the source answers 404."""
        return self._get(endpoint)

    def download(self, url: str) -> bytes:
        """The bytes of a media file (an attachment)."""
        with tempfile.TemporaryDirectory() as folder:
            destination = Path(folder) / "download"
            try:
                ok = self._api.downloadFile(url, str(destination), overwrite=True)
            except requests.exceptions.HTTPError as exc:
                raise SourceError(scrub(_describe(exc), self._token)) from None
            except requests.exceptions.RequestException as exc:
                raise SourceError(scrub(f"{url}: {_describe(exc)}", self._token)) from None
            if not ok:
                raise SourceError(f"{url} did not answer a file")
            return destination.read_bytes()

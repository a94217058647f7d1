"""Serving stored files (attachments, printed reports) so that none of them can run script.

A file uploaded to Boomerang is served from Boomerang's own origin. If a browser rendered an
uploaded ``.html`` or ``.svg`` there, its script would act with the viewer's session. So:

- only a short list of passive types is shown inline; everything else is a download
  (``Content-Disposition: attachment``) of ``application/octet-stream``;
- the type comes from the stored file name through the fixed table below, never from the
  Content-Type the uploader sent and never from ``mimetypes`` (which says ``text/html``);
- every media response, a 404 included, carries ``nosniff`` and a sandboxing
  Content-Security-Policy, so even a browser that renders the file anyway gives it an opaque
  origin with no script, no plugins and no same-origin requests.
"""

import re
import unicodedata
from pathlib import PurePosixPath
from typing import BinaryIO
from urllib.parse import quote

from django.http import FileResponse, HttpResponseBase

# Lower-case extension -> the Content-Type of a file shown inline. Nothing else is inline.
INLINE_TYPES: dict[str, str] = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
    ".txt": "text/plain; charset=utf-8",
}
DOWNLOAD_TYPE = "application/octet-stream"

# Sent on every response of a media view; they replace any site-wide value (the CSP middleware
# and Django's SecurityMiddleware leave a header that is already set).
MEDIA_HEADERS: dict[str, str] = {
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, no-cache",
}

_QUOTED_STRING_UNSAFE = re.compile(r'[^\x20-\x7e]|["\\]')


def media_headers_set(response: HttpResponseBase) -> HttpResponseBase:
    """Put the media security headers on ``response`` (any status) and return it."""
    for header, value in MEDIA_HEADERS.items():
        response[header] = value
    return response


def media_content_type(filename: str) -> str | None:
    """The inline Content-Type for ``filename``, or ``None`` when it must be downloaded."""
    return INLINE_TYPES.get(PurePosixPath(filename).suffix.lower())


def content_disposition(*, filename: str, inline: bool) -> str:
    """An RFC 6266 ``Content-Disposition`` value: an ASCII ``filename`` for old clients and,
    when the name is not plain ASCII, the exact name as ``filename*`` (RFC 8187, UTF-8)."""
    disposition = "inline" if inline else "attachment"
    # Control characters (CR/LF included) never reach a header, whatever was stored.
    name = "".join(ch for ch in filename if ch.isprintable()).strip()
    if not name:
        return disposition
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = _QUOTED_STRING_UNSAFE.sub("_", fallback).strip()
    if not fallback or fallback.startswith("."):  # "日本.pdf" -> "download.pdf"
        fallback = "download" + fallback
    value = f'{disposition}; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value


def media_file_response(*, file: BinaryIO, filename: str) -> FileResponse:
    """Stream ``file`` as a download that cannot run script in the browser.

    ``filename`` is the stored file's name: its extension alone decides between inline (PNG,
    JPEG, GIF, WebP, PDF, plain text) and ``attachment`` as ``application/octet-stream``.
    The response carries ``MEDIA_HEADERS``.
    """
    inline_type = media_content_type(filename)
    response = FileResponse(file, content_type=inline_type or DOWNLOAD_TYPE)
    response["Content-Disposition"] = content_disposition(
        filename=filename, inline=inline_type is not None
    )
    return media_headers_set(response)


class MediaHeadersMixin:
    """For DRF views that serve media: every response, an error too, gets ``MEDIA_HEADERS``."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        return media_headers_set(response)


def media_path_is_valid(path: str, *, max_length: int) -> bool:
    """Whether ``path`` (from a media URL) can name a stored file at all.

    Refused before any query, so that no database sees it: NUL and other control characters
    (PostgreSQL rejects NUL in a string), backslashes, empty, ``.`` and ``..`` segments, and
    paths longer than the column.
    """
    if not path or len(path) > max_length or "\\" in path:
        return False
    if any(not ch.isprintable() for ch in path):
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))

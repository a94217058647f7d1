"""HTML to PDF with WeasyPrint, without touching the network.

A report may embed ``data:`` URIs (the QR codes do) and Boomerang's own static files; any other
URL is refused, so rendering never waits on, or leaks requests to, another host.
"""

import io
import mimetypes
from collections.abc import Iterable
from urllib.parse import unquote

from django.conf import settings
from django.contrib.staticfiles import finders
from pypdf import PdfWriter
from weasyprint import HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse


class LocalOnlyFetcher(URLFetcher):
    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        static_path = _static_path(url)
        if static_path is not None:
            found = finders.find(static_path)
            if found:
                with open(found, "rb") as handle:
                    body = handle.read()
                content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body, {"Content-Type": content_type})
        raise ValueError(f"reports load only data: URIs and static files, not {url}")


def _static_path(url: str) -> str | None:
    """``css/x.css`` for ``<BOOMERANG_BASE_URL>/static/css/x.css``; None for other URLs."""
    static_url = "/" + settings.STATIC_URL.lstrip("/")
    for prefix in (settings.BOOMERANG_BASE_URL + static_url, "file://" + static_url):
        if url.startswith(prefix):
            return unquote(url.removeprefix(prefix).split("?")[0].split("#")[0])
    return None


# Documents laid out together before their pages are written: one PDF part shares one set of
# embedded fonts, and memory grows with the batch, not with the whole print.
BATCH_SIZE = 20


def html_to_document(html: str, font_config: FontConfiguration | None = None) -> Document:
    """Lay out one HTML document; relative URLs resolve against BOOMERANG_BASE_URL."""
    return HTML(
        string=html, base_url=settings.BOOMERANG_BASE_URL + "/", url_fetcher=LocalOnlyFetcher()
    ).render(font_config=font_config or FontConfiguration())


def documents_to_pdf(documents: list[Document]) -> bytes:
    """One PDF with the pages of every document, in order."""
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()


def html_to_pdf(htmls: Iterable[str]) -> tuple[bytes, int]:
    """One PDF of the documents ``htmls`` yields, each starting on a new page, and its page
    count. Documents are laid out ``BATCH_SIZE`` at a time and the batches' PDFs joined, so a
    print of hundreds of orders holds one batch of layouts in memory, not all of them."""
    font_config = FontConfiguration()
    parts: list[bytes] = []
    batch: list[Document] = []
    pages = 0
    for html in htmls:
        document = html_to_document(html, font_config)
        pages += len(document.pages)
        batch.append(document)
        if len(batch) == BATCH_SIZE:
            parts.append(documents_to_pdf(batch))
            batch = []
    if batch:
        parts.append(documents_to_pdf(batch))
    if len(parts) == 1:
        return parts[0], pages
    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    joined = io.BytesIO()
    writer.write(joined)
    return joined.getvalue(), pages

"""HTML to PDF with WeasyPrint, without touching the network.

A report may embed ``data:`` URIs (the QR codes do) and Boomerang's own static files; any other
URL is refused, so rendering never waits on, or leaks requests to, another host.
"""

import mimetypes

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import HTML, Document
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
    static_url = (
        settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + (settings.STATIC_URL)
    )
    for prefix in (settings.BOOMERANG_BASE_URL + static_url, "file://" + static_url):
        if url.startswith(prefix):
            return url.removeprefix(prefix).split("?")[0].split("#")[0]
    return None


def html_to_document(html: str) -> Document:
    """Lay out one HTML document; relative URLs resolve against BOOMERANG_BASE_URL."""
    return HTML(
        string=html, base_url=settings.BOOMERANG_BASE_URL + "/", url_fetcher=LocalOnlyFetcher()
    ).render()


def documents_to_pdf(documents: list[Document]) -> bytes:
    """One PDF with the pages of every document, in order."""
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()

"""Stored files cannot run script from Boomerang's origin.

Attachments and printed reports are served by views that check the viewer's permission and
answer every request (a 404 too) with ``nosniff`` and a sandboxing Content-Security-Policy.
Only passive types (PNG, JPEG, GIF, WebP, PDF, plain text) are shown inline, chosen by the
stored name's extension; everything else is an ``attachment`` download of
``application/octet-stream``, whatever Content-Type the uploader claimed.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from common.media import content_disposition
from common.models import Attachment
from common.services import ATTACHMENT_NAME_MAX_BYTES, attachment_file_name
from stock.models import Part
from tests.factories import PartFactory
from tests.reports.factories import ReportOutputFactory

pytestmark = pytest.mark.django_db

ATTACHMENT_URL = "/api/attachment/"
SANDBOX = "sandbox; default-src 'none'"
SCRIPT = b"<script>fetch('/api/user/me/')</script>"

# name, what an attacker's client claims the file is
ACTIVE_UPLOADS = [
    ("page.html", "text/html"),
    ("page.htm", "text/html"),
    ("drawing.svg", "image/svg+xml"),
    ("page.xhtml", "application/xhtml+xml"),
    ("data.xml", "text/xml"),
    ("code.js", "text/javascript"),
    ("blob.bin", "application/octet-stream"),
    # The claimed type and a passive-looking first extension change nothing.
    ("disguised.html", "image/png"),
    ("photo.png.html", "image/png"),
    ("SHOUT.HTML", "text/html"),
    ("no-extension", "text/html"),
]
PASSIVE_UPLOADS = [
    ("photo.png", "image/png"),
    ("photo.jpg", "image/jpeg"),
    ("photo.JPEG", "image/jpeg"),
    ("anim.gif", "image/gif"),
    ("pic.webp", "image/webp"),
    ("manual.pdf", "application/pdf"),
    ("notes.txt", "text/plain; charset=utf-8"),
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(client, obj, name, *, claimed="text/html", content=SCRIPT, model_type="part"):
    response = client.post(
        f"{ATTACHMENT_URL}?format=json",
        {
            "attachment": SimpleUploadedFile(name, content, content_type=claimed),
            "model_type": model_type,
            "model_id": obj.pk,
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return response.json()


def fetch(client, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def assert_media_headers(response):
    """The headers every media response carries, after every middleware has run."""
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == SANDBOX
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"].startswith("private")


# --- the download decides by the stored name, never by the claimed type ------------------


@pytest.mark.parametrize(("name", "claimed"), ACTIVE_UPLOADS)
def test_active_uploads_download_as_attachments_in_a_sandbox(admin_client_api, name, claimed):
    url = upload(admin_client_api, PartFactory(), name, claimed=claimed)["attachment"]

    response, body = fetch(admin_client_api, url)

    assert response.status_code == 200
    assert body == SCRIPT
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert_media_headers(response)


@pytest.mark.parametrize(("name", "content_type"), PASSIVE_UPLOADS)
def test_passive_uploads_are_shown_inline_in_a_sandbox(admin_client_api, name, content_type):
    # The uploader claims text/html: the served type still comes from the extension.
    url = upload(admin_client_api, PartFactory(), name, claimed="text/html")["attachment"]

    response, body = fetch(admin_client_api, url)

    assert response.status_code == 200
    assert body == SCRIPT
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'inline; filename="{name}"'
    assert_media_headers(response)


def test_the_sandbox_replaces_the_site_policy_for_a_browser_session(make_user):
    """A logged-in page session (not the API client) gets the media policy, not the pages'."""
    admin = make_user(superuser=True)
    api = APIClient()
    api.force_authenticate(admin)
    url = upload(api, PartFactory(), "page.html")["attachment"]
    browser = Client()
    browser.force_login(admin)

    home = browser.get("/")
    response, _ = fetch(browser, url)

    assert home.has_header("Content-Security-Policy")
    assert home["Content-Security-Policy"] != SANDBOX
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == SANDBOX
    assert response["Content-Disposition"].startswith("attachment;")
    # A 404 a browser asks for as HTML (the browsable API's page) is sandboxed too.
    missing = browser.get(url.replace("page.html", "missing.html"), HTTP_ACCEPT="text/html")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("text/html")
    assert_media_headers(missing)


def test_a_non_ascii_name_gets_an_ascii_fallback_and_the_exact_utf8_name(admin_client_api):
    body = upload(admin_client_api, PartFactory(), "Prüfbericht März.pdf")
    assert body["filename"] == "Prüfbericht_März.pdf"

    response, _ = fetch(admin_client_api, body["attachment"])

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        "inline; filename=\"Prufbericht_Marz.pdf\"; filename*=UTF-8''Pr%C3%BCfbericht_M%C3%A4rz.pdf"
    )


@pytest.mark.parametrize(
    ("filename", "inline", "expected"),
    [
        ("a.txt", True, 'inline; filename="a.txt"'),
        (
            'say "hi".html',
            False,
            "attachment; filename=\"say _hi_.html\"; filename*=UTF-8''say%20%22hi%22.html",
        ),
        (
            "back\\slash.bin",
            False,
            "attachment; filename=\"back_slash.bin\"; filename*=UTF-8''back%5Cslash.bin",
        ),
        ("bad\r\nSet-Cookie: x=1.txt", True, 'inline; filename="badSet-Cookie: x=1.txt"'),
        (
            "日本.pdf",
            True,
            "inline; filename=\"download.pdf\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.pdf",
        ),
        ("", False, "attachment"),
    ],
)
def test_content_disposition_follows_rfc_6266(filename, inline, expected):
    assert content_disposition(filename=filename, inline=inline) == expected


# --- who may download --------------------------------------------------------------------


def test_users_who_may_not_view_the_owner_get_a_404_with_the_media_headers(
    admin_client_api, client_for
):
    url = upload(admin_client_api, PartFactory(), "notes.txt")["attachment"]

    for client in (client_for(), client_for(return_order=["view", "change"])):
        response, body = fetch(client, url)
        assert response.status_code == 404
        assert SCRIPT not in body
        assert_media_headers(response)
    response, _ = fetch(client_for(part=["view"]), url)
    assert response.status_code == 200


def test_anonymous_downloads_are_refused_with_the_media_headers(admin_client_api):
    url = upload(admin_client_api, PartFactory(), "notes.txt")["attachment"]
    response, body = fetch(APIClient(), url)
    assert response.status_code == 401
    assert SCRIPT not in body
    assert_media_headers(response)


def test_an_attachment_whose_owner_is_gone_is_a_404(admin_client_api, client_for):
    part = PartFactory()
    url = upload(admin_client_api, part, "notes.txt")["attachment"]
    Part.objects.filter(pk=part.pk).delete()  # the row stays behind, as after a raw delete

    response, _ = fetch(client_for(part=["view"]), url)

    assert response.status_code == 404
    assert_media_headers(response)


def test_report_output_downloads_carry_the_media_headers(make_user):
    user = make_user(return_order=["view"])
    output = ReportOutputFactory(user=user)
    client = APIClient()
    client.force_authenticate(user)

    response, body = fetch(client, output.get_absolute_url())

    assert response.status_code == 200
    assert body.startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="ReturnOrder-RMA-0001.pdf"'
    assert_media_headers(response)

    other = APIClient()
    other.force_authenticate(make_user(return_order=["view"]))
    response, _ = fetch(other, output.get_absolute_url())
    assert response.status_code == 404
    assert_media_headers(response)


# --- odd paths: a 404, never a 500, on SQLite and PostgreSQL ------------------------------

# (path, whether it reaches the download view): a path the route does not match gets the
# site's plain 404 page, which holds no stored content.
ODD_ATTACHMENT_PATHS = [
    ("part/1/notes%00.txt", True),
    ("%00", True),
    ("part/1/notes.txt%00.html", True),
    ("..", True),
    ("../secret.txt", True),
    ("part/1/../../../secret.txt", True),
    ("%2e%2e/secret.txt", True),
    ("part/1/./notes.txt", True),
    ("part//1/notes.txt", True),
    ("part\\1\\notes.txt", True),
    ("part/1/notes.txt%09", True),
    ("part/1/%ff%fe.txt", True),  # not UTF-8
    ("part/1/" + "a" * 5000 + ".txt", True),
    ("part/1/%0d%0anotes.txt", False),
    ("", False),
]
ODD_REPORT_PATHS = [
    ("/media/report/1/x%00.pdf", True),
    ("/media/report/1/ReturnOrder-RMA-0001.pdf%00", True),
    ("/media/report/1/..", True),
    ("/media/report/1/other.pdf", True),
    ("/media/report/99999999999999999999999/ReturnOrder-RMA-0001.pdf", True),
    ("/media/report/9223372036854775808/ReturnOrder-RMA-0001.pdf", True),
    ("/media/report/1/" + "a" * 5000, True),
    ("/media/report/1/%ff.pdf", True),
    ("/media/report/1%00/ReturnOrder-RMA-0001.pdf", False),
    ("/media/report/../ReturnOrder-RMA-0001.pdf", False),
    ("/media/report/-1/ReturnOrder-RMA-0001.pdf", False),
    ("/media/report/%d9%a1/ReturnOrder-RMA-0001.pdf", False),  # an Arabic-Indic digit one
]


@pytest.mark.parametrize(("path", "reaches_view"), ODD_ATTACHMENT_PATHS)
def test_odd_attachment_paths_are_404s(admin_client_api, media, path, reaches_view):
    part = PartFactory(pk=1)
    upload(admin_client_api, part, "notes.txt")
    (media / "secret.txt").write_bytes(b"secret")

    response, body = fetch(admin_client_api, f"/media/attachments/{path}")

    assert response.status_code == 404, path
    assert b"secret" not in body and SCRIPT not in body
    assert response["X-Content-Type-Options"] == "nosniff"
    if reaches_view:
        assert_media_headers(response)


@pytest.mark.parametrize(("url", "reaches_view"), ODD_REPORT_PATHS)
def test_odd_report_output_paths_are_404s(make_user, url, reaches_view):
    user = make_user(return_order=["view"])
    ReportOutputFactory(user=user, pk=1)
    client = APIClient()
    client.force_authenticate(user)
    assert fetch(client, "/media/report/1/ReturnOrder-RMA-0001.pdf")[0].status_code == 200

    response, body = fetch(client, url)

    assert response.status_code == 404, url
    assert b"%PDF" not in body
    assert response["X-Content-Type-Options"] == "nosniff"
    if reaches_view:
        assert_media_headers(response)


# --- uploads: any type is accepted, and its name stays inside the object's folder --------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("manual.txt", "manual.txt"),
        ("../../../etc/passwd", "passwd"),
        ("..\\..\\evil.html", "evil.html"),
        ("C:\\Users\\x\\report.pdf", "report.pdf"),
        ("..", "file"),
        (".", "file"),
        ("", "file"),
        ("nul\x00byte.txt", "nulbyte.txt"),
        ("line\nbreak.txt", "linebreak.txt"),
        ("Prüfbericht März.pdf", "Prüfbericht_März.pdf"),
    ],
)
def test_stored_names_are_plain_file_names(name, expected):
    assert attachment_file_name(name=name) == expected


def test_long_names_are_shortened_and_keep_their_extension():
    for name, suffix in [("a" * 300 + ".png", ".png"), ("ü" * 300 + ".html", ".html")]:
        stored = attachment_file_name(name=name)
        assert len(stored.encode()) <= ATTACHMENT_NAME_MAX_BYTES
        assert stored.endswith(suffix)
    assert attachment_file_name(name="b" * 300) == "b" * ATTACHMENT_NAME_MAX_BYTES


def test_an_upload_with_a_long_hostile_name_is_stored_in_its_folder(admin_client_api, media):
    part = PartFactory()
    body = upload(admin_client_api, part, "..\\" + "ü" * 300 + ".svg", claimed="image/svg+xml")

    stored = Attachment.objects.get().attachment.name
    assert stored.startswith(f"attachments/part/{part.pk}/")
    assert "/" not in stored.removeprefix(f"attachments/part/{part.pk}/")
    assert stored.endswith(".svg")
    assert [p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()] == [stored]
    response, _ = fetch(admin_client_api, body["attachment"])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")

"""Generic API endpoints: attachments, metadata, unknown paths, parse errors, error handling."""

from pathlib import Path

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.http import Http404
from rest_framework import permissions
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from common.exceptions import exception_handler
from common.models import Attachment
from companies.models import Address, Company, Contact
from companies.services import address_save
from stock.models import Part, StockItem, StockLocation
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    CustomerFactory,
    LocationFactory,
    PartCategoryFactory,
    PartFactory,
    StockItemFactory,
)
from users.services import api_token_create

ATTACHMENT_URL = "/api/attachment/"
ATTACHMENT_FIELDS = {
    "pk",
    "model_type",
    "model_id",
    "attachment",
    "filename",
    "link",
    "comment",
    "is_link",
    "file_size",
    "upload_date",
    "upload_user",
    "user_detail",
}


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files go to a throw-away directory."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def assert_json(response, status_code):
    """The status, then the exact Content-Type the inventree client insists on."""
    assert response.status_code == status_code, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def upload(client, obj, *, model_type="part", name="manual.txt", content=b"hello", **extra):
    data = {
        "attachment": SimpleUploadedFile(name, content, content_type="text/plain"),
        "comment": "The manual",
        "model_type": model_type,
        "model_id": obj.pk,
        **extra,
    }
    return client.post(f"{ATTACHMENT_URL}?format=json", data, format="multipart")


def add_link(client, obj, *, model_type="part", link="https://example.com/doc", **extra):
    payload = {"link": link, "comment": "Docs", "model_type": model_type, "model_id": obj.pk}
    return client.post(ATTACHMENT_URL, {**payload, **extra})


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def download(client, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


# --- attachments: upload and links -------------------------------------------------------


@pytest.mark.django_db
def test_upload_a_file_as_the_client_does(admin_client_api, media):
    part = PartFactory()
    body = assert_json(upload(admin_client_api, part, name="user manual.txt"), 201)
    assert set(body) == ATTACHMENT_FIELDS
    assert body["attachment"] == f"/media/attachments/part/{part.pk}/user_manual.txt"
    assert (body["model_type"], body["model_id"], body["filename"]) == (
        "part",
        part.pk,
        "user_manual.txt",
    )
    assert (body["comment"], body["is_link"], body["file_size"], body["link"]) == (
        "The manual",
        False,
        5,
        "",
    )
    assert body["upload_user"] == admin_client_api.user.pk
    assert body["user_detail"] == {
        "pk": admin_client_api.user.pk,
        "username": admin_client_api.user.username,
    }
    assert stored_files(media) == [f"attachments/part/{part.pk}/user_manual.txt"]
    assert (media / f"attachments/part/{part.pk}/user_manual.txt").read_bytes() == b"hello"


@pytest.mark.django_db
def test_model_type_is_matched_case_insensitively(admin_client_api, media):
    company = CustomerFactory()
    body = assert_json(upload(admin_client_api, company, model_type=" Company "), 201)
    assert body["model_type"] == "company"


@pytest.mark.django_db
def test_add_a_link_attachment(admin_client_api):
    company = CustomerFactory()
    body = assert_json(add_link(admin_client_api, company, model_type="company"), 201)
    assert (body["attachment"], body["filename"], body["is_link"], body["file_size"]) == (
        None,
        "",
        True,
        0,
    )
    assert body["link"] == "https://example.com/doc"
    assert Attachment.objects.get().model_id == company.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model_type", "factory"),
    [
        ("company", CompanyFactory),
        ("contact", ContactFactory),
        ("address", lambda: address_save(address=Address(company=CustomerFactory(), title="A"))),
        ("part", PartFactory),
        ("stocklocation", LocationFactory),
        ("stockitem", StockItemFactory),
    ],
)
def test_every_foundation_model_type_takes_attachments(admin_client_api, model_type, factory):
    obj = factory()
    assert_json(add_link(admin_client_api, obj, model_type=model_type), 201)
    body = assert_json(
        admin_client_api.get(ATTACHMENT_URL, {"model_type": model_type, "model_id": obj.pk}), 200
    )
    assert [(a["model_type"], a["model_id"]) for a in body] == [(model_type, obj.pk)]


def _refused(client, response_factory, media, field):
    before = Attachment.objects.count()
    body = assert_json(response_factory(), 400)
    assert body[field], body
    assert Attachment.objects.count() == before
    assert stored_files(media) == []
    return body


@pytest.mark.django_db
def test_a_file_and_a_link_together_are_refused(admin_client_api, media):
    part = PartFactory()
    _refused(
        admin_client_api,
        lambda: upload(admin_client_api, part, link="https://example.com"),
        media,
        "link",
    )


@pytest.mark.django_db
def test_neither_file_nor_link_is_refused(admin_client_api, media):
    part = PartFactory()
    body = _refused(
        admin_client_api,
        lambda: admin_client_api.post(ATTACHMENT_URL, {"model_type": "part", "model_id": part.pk}),
        media,
        "attachment",
    )
    assert body["link"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"model_type": "spaceship"}, "model_type"),
        ({"model_type": ""}, "model_type"),
        ({"model_id": 999999}, "model_id"),
        ({"model_id": "abc"}, "model_id"),
        ({"model_id": -1}, "model_id"),
        ({"link": "not a url"}, "link"),
        ({"comment": "c" * 251}, "comment"),
    ],
)
def test_bad_attachment_input_is_refused(admin_client_api, media, overrides, field):
    part = PartFactory()
    _refused(admin_client_api, lambda: add_link(admin_client_api, part, **overrides), media, field)


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused(admin_client_api, media, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    part = PartFactory()
    body = _refused(
        admin_client_api,
        lambda: upload(admin_client_api, part, content=b"x" * (1024 * 1024 + 1)),
        media,
        "attachment",
    )
    assert body["attachment"] == ["File is too large: the limit is 1 MB."]
    # Exactly at the limit is fine.
    assert_json(upload(admin_client_api, part, content=b"x" * (1024 * 1024)), 201)


@pytest.mark.django_db
def test_malformed_multipart_or_json_is_refused(admin_client_api, media):
    response = admin_client_api.generic(
        "POST", ATTACHMENT_URL, '{"link": ', content_type="application/json"
    )
    assert_json(response, 400)
    assert not Attachment.objects.exists()


# --- attachments: who may do what --------------------------------------------------------


@pytest.mark.django_db
def test_attaching_needs_change_permission_on_the_target(client_for, media):
    part, company = PartFactory(), CustomerFactory()
    viewer = client_for(part=["view"])
    assert_json(upload(viewer, part), 403)
    assert_json(add_link(viewer, part), 403)
    assert not Attachment.objects.exists()

    editor = client_for(part=["change"])
    assert_json(upload(editor, part), 201)
    assert_json(add_link(editor, company, model_type="company"), 403)
    assert Attachment.objects.count() == 1


@pytest.mark.django_db
def test_list_shows_only_attachments_on_models_the_user_may_view(client_for, admin_client_api):
    part, company = PartFactory(), CustomerFactory()
    add_link(admin_client_api, part, comment="part doc")
    add_link(admin_client_api, company, model_type="company", comment="company doc")

    part_viewer = client_for(part=["view"])
    body = assert_json(part_viewer.get(ATTACHMENT_URL), 200)
    assert [a["comment"] for a in body] == ["part doc"]
    assert_json(part_viewer.get(ATTACHMENT_URL, {"model_type": "company"}), 403)

    both = client_for(part=["view"], return_order=["view"])
    assert len(assert_json(both.get(ATTACHMENT_URL), 200)) == 2


@pytest.mark.django_db
def test_attachment_detail_follows_the_target_permissions(client_for, admin_client_api):
    company = CustomerFactory()
    pk = add_link(admin_client_api, company, model_type="company").json()["pk"]
    url = f"{ATTACHMENT_URL}{pk}/"

    assert_json(client_for(part=["view", "change", "delete"]).get(url), 403)
    viewer = client_for(return_order=["view"])
    assert assert_json(viewer.get(url), 200)["pk"] == pk
    assert_json(viewer.patch(url, {"comment": "x"}), 403)
    assert_json(viewer.delete(url), 403)
    editor = client_for(return_order=["change"])
    assert assert_json(editor.patch(url, {"comment": "edited"}), 200)["comment"] == "edited"
    assert editor.delete(url).status_code == 204
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_attachment_list_filters_and_shapes(admin_client_api, media):
    first, second = PartFactory(), PartFactory()
    upload(admin_client_api, first, name="a.txt", comment="Alpha sheet")
    add_link(admin_client_api, first, comment="Beta link")
    add_link(admin_client_api, second, comment="Gamma link")

    def comments(**query):
        return [a["comment"] for a in assert_json(admin_client_api.get(ATTACHMENT_URL, query), 200)]

    assert sorted(comments(model_type="part", model_id=first.pk)) == ["Alpha sheet", "Beta link"]
    assert comments(model_type="PART", model_id=second.pk) == ["Gamma link"]
    assert comments(model_type="part", model_id=first.pk, is_link="True") == ["Beta link"]
    assert comments(is_link="False") == ["Alpha sheet"]
    assert comments(search="gamma") == ["Gamma link"]
    assert comments(ordering="comment") == ["Alpha sheet", "Beta link", "Gamma link"]
    assert comments(model_type="stockitem") == []
    page = assert_json(admin_client_api.get(ATTACHMENT_URL, {"limit": 2}), 200)
    assert (page["count"], len(page["results"])) == (3, 2)
    assert_json(admin_client_api.get(ATTACHMENT_URL, {"model_id": "abc"}), 400)


@pytest.mark.django_db
def test_attachment_list_query_count(admin_client_api, django_assert_num_queries):
    for _ in range(4):
        add_link(admin_client_api, PartFactory())
    with django_assert_num_queries(1):
        body = assert_json(admin_client_api.get(ATTACHMENT_URL), 200)
    assert len(body) == 4


@pytest.mark.django_db
def test_update_changes_the_comment_but_never_moves_the_attachment(admin_client_api, media):
    part, other = PartFactory(), PartFactory()
    body = upload(admin_client_api, part).json()
    url = f"{ATTACHMENT_URL}{body['pk']}/"
    updated = assert_json(admin_client_api.patch(url, {"comment": "Revised"}), 200)
    assert (updated["comment"], updated["attachment"]) == ("Revised", body["attachment"])

    moved = assert_json(admin_client_api.patch(url, {"model_id": other.pk}), 400)
    assert moved["model_type"]
    assert Attachment.objects.get().model_id == part.pk
    # A file attachment does not turn into a link.
    assert_json(admin_client_api.patch(url, {"link": "https://example.com"}), 200)
    assert Attachment.objects.get().link == ""


@pytest.mark.django_db(transaction=True)
def test_delete_removes_the_file_once_committed(admin_client_api, media):
    part = PartFactory()
    pk = upload(admin_client_api, part).json()["pk"]
    assert len(stored_files(media)) == 1
    assert admin_client_api.delete(f"{ATTACHMENT_URL}{pk}/").status_code == 204
    assert not Attachment.objects.exists()
    assert stored_files(media) == []
    assert_json(admin_client_api.get(f"{ATTACHMENT_URL}{pk}/"), 404)


# --- attachments: download ---------------------------------------------------------------


@pytest.mark.django_db
def test_download_serves_the_file_to_users_who_may_view_the_object(
    admin_client_api, client_for, media
):
    part = PartFactory()
    url = upload(admin_client_api, part, content=b"manual body").json()["attachment"]

    response, body = download(client_for(part=["view"]), url)
    assert response.status_code == 200
    assert body == b"manual body"
    assert not response["Content-Type"].startswith("text/html")

    # The client downloads with its Token header.
    viewer = client_for(part=["view"])
    _token, key = api_token_create(user=viewer.user, name="dl")
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response, body = download(token_client, url)
    assert (response.status_code, body) == (200, b"manual body")


@pytest.mark.django_db
def test_download_is_hidden_from_users_who_may_not_view_the_object(
    admin_client_api, client_for, media
):
    part = PartFactory()
    url = upload(admin_client_api, part).json()["attachment"]
    response, _ = download(client_for(return_order=["view", "change"]), url)
    assert_json(response, 404)
    response, _ = download(APIClient(), url)
    assert_json(response, 401)


@pytest.mark.django_db
def test_download_of_unknown_or_missing_files_is_a_404(admin_client_api, media):
    part = PartFactory()
    url = upload(admin_client_api, part).json()["attachment"]
    response, _ = download(admin_client_api, url.replace("manual.txt", "other.txt"))
    assert_json(response, 404)
    (media / url.removeprefix("/media/")).unlink()
    response, _ = download(admin_client_api, url)
    assert_json(response, 404)


@pytest.mark.django_db
def test_two_uploads_with_one_name_stay_apart(admin_client_api, media):
    part = PartFactory()
    first = upload(admin_client_api, part, content=b"first").json()["attachment"]
    second = upload(admin_client_api, part, content=b"second").json()["attachment"]
    assert first != second
    assert download(admin_client_api, first)[1] == b"first"
    assert download(admin_client_api, second)[1] == b"second"


@pytest.mark.django_db
def test_download_paths_cannot_escape_the_attachment_rows(admin_client_api, media):
    part = PartFactory()
    upload(admin_client_api, part)
    (media / "secret.txt").write_bytes(b"secret")
    for path in [
        "/media/attachments/../secret.txt",
        f"/media/attachments/part/{part.pk}/../../../secret.txt",
        "/media/attachments/%2e%2e/secret.txt",
    ]:
        response, body = download(admin_client_api, path)
        assert response.status_code == 404, path
        assert b"secret" not in body


# --- metadata ----------------------------------------------------------------------------

METADATA_TARGETS = [
    ("company", "company/", CustomerFactory),
    ("contact", "company/contact/", ContactFactory),
    (
        "address",
        "company/address/",
        lambda: address_save(address=Address(company=CustomerFactory(), title="HQ")),
    ),
    # Inactive: InvenTree's rule lets only an inactive part be deleted.
    ("part", "part/", lambda: PartFactory(active=False)),
    ("partcategory", "part/category/", PartCategoryFactory),
    ("stocklocation", "stock/location/", LocationFactory),
    ("stockitem", "stock/", StockItemFactory),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("model_type", "prefix", "factory"), METADATA_TARGETS)
def test_metadata_on_both_paths_patch_merges_and_put_replaces(
    admin_client_api, model_type, prefix, factory
):
    obj = factory()
    modern = f"/api/metadata/{model_type}/{obj.pk}/"
    legacy = f"/api/{prefix}{obj.pk}/metadata/"

    assert assert_json(admin_client_api.get(modern), 200) == {"metadata": {}}
    assert assert_json(admin_client_api.get(legacy), 200) == {"metadata": {}}

    body = assert_json(
        admin_client_api.patch(f"{modern}?format=json", {"metadata": {"a": 1, "b": {"c": 2}}}),
        200,
    )
    assert body == {"metadata": {"a": 1, "b": {"c": 2}}}
    body = assert_json(admin_client_api.patch(legacy, {"metadata": {"a": 9, "d": [1, 2]}}), 200)
    assert body == {"metadata": {"a": 9, "b": {"c": 2}, "d": [1, 2]}}
    assert assert_json(admin_client_api.get(modern), 200) == body

    body = assert_json(admin_client_api.put(modern, {"metadata": {"only": True}}), 200)
    assert body == {"metadata": {"only": True}}
    assert assert_json(admin_client_api.get(legacy), 200) == body

    obj.refresh_from_db()
    assert obj.metadata == {"only": True}


@pytest.mark.django_db
def test_put_with_null_metadata_clears_it_and_patch_with_null_keeps_it(admin_client_api):
    part = PartFactory(metadata={"keep": 1})
    url = f"/api/metadata/part/{part.pk}/"
    assert assert_json(admin_client_api.patch(url, {"metadata": None}), 200) == {
        "metadata": {"keep": 1}
    }
    assert assert_json(admin_client_api.put(url, {"metadata": None}), 200) == {"metadata": {}}


@pytest.mark.django_db
def test_writing_metadata_changes_nothing_else(admin_client_api):
    item = StockItemFactory(notes="n")
    before = StockItem.objects.values().get(pk=item.pk)
    assert_json(
        admin_client_api.patch(f"/api/stock/{item.pk}/metadata/", {"metadata": {"x": 1}}), 200
    )
    after = StockItem.objects.values().get(pk=item.pk)
    assert after.pop("metadata") == {"x": 1}
    before.pop("metadata")
    assert after == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload", [{"metadata": [1, 2]}, {"metadata": "text"}, {"metadata": 5}, {}, {"other": {}}]
)
@pytest.mark.parametrize("method", ["patch", "put"])
def test_metadata_must_be_a_dict(admin_client_api, payload, method):
    part = PartFactory(metadata={"keep": 1})
    body = assert_json(
        getattr(admin_client_api, method)(f"/api/metadata/part/{part.pk}/", payload), 400
    )
    assert body["metadata"]
    part.refresh_from_db()
    assert part.metadata == {"keep": 1}


@pytest.mark.django_db
def test_malformed_metadata_json_is_a_400(admin_client_api):
    part = PartFactory(metadata={"keep": 1})
    response = admin_client_api.generic(
        "PATCH", f"/api/part/{part.pk}/metadata/", '{"metadata": {', content_type="application/json"
    )
    assert_json(response, 400)
    part.refresh_from_db()
    assert part.metadata == {"keep": 1}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/metadata/spaceship/1/",
        "/api/metadata/part/999999/",
        "/api/part/999999/metadata/",
        "/api/company/contact/999999/metadata/",
    ],
)
def test_metadata_of_unknown_objects_is_a_json_404(admin_client_api, url):
    assert_json(admin_client_api.get(url), 404)
    assert_json(admin_client_api.patch(url, {"metadata": {}}), 404)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model_type", "prefix", "factory", "role"),
    [
        ("company", "company/", CustomerFactory, "return_order"),
        ("part", "part/", PartFactory, "part"),
        ("stocklocation", "stock/location/", LocationFactory, "stock_location"),
        ("stockitem", "stock/", StockItemFactory, "stock"),
    ],
)
def test_metadata_reads_need_view_and_writes_need_change(
    client_for, model_type, prefix, factory, role
):
    obj = factory()
    for url in (f"/api/metadata/{model_type}/{obj.pk}/", f"/api/{prefix}{obj.pk}/metadata/"):
        assert_json(client_for(**{role: []}).get(url), 403)
        viewer = client_for(**{role: ["view"]})
        assert_json(viewer.get(url), 200)
        assert_json(viewer.patch(url, {"metadata": {"x": 1}}), 403)
        assert_json(viewer.put(url, {"metadata": {"x": 1}}), 403)
        editor = client_for(**{role: ["change"]})
        assert_json(editor.patch(url, {"metadata": {"x": 1}}), 200)
    obj.refresh_from_db()
    assert obj.metadata == {"x": 1}


# --- unknown paths, parse errors and request shapes --------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/plugins/",
        "/api/order/po/",
        "/api/build/",
        "/api/label/print/",
        "/api/part/1/requirements/",
        "/api/stock/location/abc/",
        "/api/company/1/2/3/",
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "options"])
def test_unknown_api_paths_answer_a_json_404(admin_client_api, path, method):
    body = assert_json(getattr(admin_client_api, method)(path), 404)
    assert body.pop("detail") == "Not found."
    # Paths of InvenTree features Boomerang does not have say so; others are a plain 404.
    assert body == OUT_OF_SCOPE_REASONS.get(path, {})
    assert_json(getattr(APIClient(), method)(path), 404)


OUT_OF_SCOPE_REASONS = {
    path: {"reason": f"Boomerang does not implement InvenTree's {feature} API."}
    for path, feature in [
        ("/api/plugins/", "plugins"),
        ("/api/order/po/", "purchase orders"),
        ("/api/build/", "build orders"),
        ("/api/label/print/", "label printing"),
        ("/api/part/1/requirements/", "part requirements"),
    ]
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "feature"),
    [
        ("/api/parameter/", "parameters"),
        ("/api/part/parameter/", "parameters"),
        ("/api/barcode/", "barcodes"),
        ("/api/pricing/part/1/", "pricing"),
        ("/api/part/internal-price/", "pricing"),
        ("/api/currency/exchange/", "currency exchange"),
        ("/api/company/part/", "supplier and manufacturer parts"),
        ("/api/stock/5/install/", "installing stock"),
    ],
)
def test_out_of_scope_inventree_endpoints_say_why_they_are_missing(admin_client_api, path, feature):
    """The client trusts apiVersion 500 and calls these; the 404 names the missing feature."""
    body = assert_json(admin_client_api.get(path), 404)
    assert body == {
        "detail": "Not found.",
        "reason": f"Boomerang does not implement InvenTree's {feature} API.",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "model"),
    [
        ("/api/company/", Company),
        ("/api/company/contact/", Contact),
        ("/api/part/", Part),
        ("/api/stock/location/", StockLocation),
        ("/api/stock/", StockItem),
    ],
)
@pytest.mark.parametrize("text", ['{"name": ', "not json at all", "[1, 2", "\x00\xff"])
def test_malformed_json_is_a_400_with_a_message(admin_client_api, url, model, text):
    before = model.objects.count()
    body = assert_json(
        admin_client_api.generic("POST", url, text, content_type="application/json"), 400
    )
    assert body["detail"].startswith("JSON parse error")
    assert model.objects.count() == before


@pytest.mark.django_db
def test_malformed_json_on_patch_changes_nothing(admin_client_api):
    part = PartFactory(name="Kept")
    response = admin_client_api.generic(
        "PATCH", f"/api/part/{part.pk}/", '{"name": "Lost"', content_type="application/json"
    )
    assert_json(response, 400)
    part.refresh_from_db()
    assert part.name == "Kept"


@pytest.mark.django_db
def test_a_json_body_that_is_not_an_object_is_a_400(admin_client_api):
    body = assert_json(admin_client_api.post("/api/part/", [{"name": "x"}]), 400)
    assert body["non_field_errors"]
    assert not Part.objects.exists()


@pytest.mark.django_db
def test_get_options_and_delete_accept_the_clients_empty_json_body(admin_client_api):
    part = PartFactory(active=False)
    for method in ("GET", "OPTIONS"):
        response = admin_client_api.generic(
            method, "/api/part/", "{}", content_type="application/json"
        )
        assert_json(response, 200)
    response = admin_client_api.generic(
        "DELETE", f"/api/part/{part.pk}/", "{}", content_type="application/json"
    )
    assert response.status_code == 204
    assert not Part.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/company/",
        "/api/company/contact/",
        "/api/company/address/",
        "/api/part/",
        "/api/stock/location/",
        "/api/stock/",
        "/api/stock/assign/",
        "/api/stock/track/",
        "/api/attachment/",
        "/api/user/",
        "/api/user/group/",
        "/api/user/owner/",
        "/api/user/me/",
    ],
)
def test_options_answers_bare_json(admin_client_api, url):
    body = assert_json(admin_client_api.options(url), 200)
    assert body["name"]


@pytest.mark.django_db
def test_method_not_allowed_is_json(admin_client_api):
    assert_json(admin_client_api.delete("/api/part/"), 405)
    assert_json(admin_client_api.post("/api/user/me/"), 405)


@pytest.mark.django_db
def test_api_root_ignores_bad_credentials():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token bmr-garbage")
    body = assert_json(client.get("/api/"), 200)
    assert {"server", "version", "instance", "apiVersion"} <= set(body)


# --- the exception handler ---------------------------------------------------------------


def handle(exc):
    return exception_handler(exc, {"view": None})


@pytest.mark.parametrize(
    ("exc", "status", "data"),
    [
        (DjangoValidationError("Broken."), 400, {"non_field_errors": ["Broken."]}),
        (DjangoValidationError(["One.", "Two."]), 400, {"non_field_errors": ["One.", "Two."]}),
        (
            DjangoValidationError({"quantity": "Too many.", "serial": ["Taken."]}),
            400,
            {"quantity": ["Too many."], "serial": ["Taken."]},
        ),
        (
            DjangoValidationError({"__all__": ["Whole object."], "name": ["Bad."]}),
            400,
            {"non_field_errors": ["Whole object."], "name": ["Bad."]},
        ),
        (
            DjangoValidationError("%(n)s is wrong", params={"n": "X"}),
            400,
            {"non_field_errors": ["X is wrong"]},
        ),
        (
            ProtectedError("protected", set()),
            400,
            {"non_field_errors": ["This object is still referenced and cannot be deleted."]},
        ),
        (ObjectDoesNotExist(), 404, {"detail": "Not found."}),
        (Http404(), 404, {"detail": "Not found."}),
        (PermissionDenied(), 403, None),
    ],
)
def test_exception_handler_turns_django_errors_into_api_errors(exc, status, data):
    response = handle(exc)
    assert response.status_code == status
    if data is not None:
        assert response.data == data


def test_exception_handler_reports_integrity_errors_as_a_conflict():
    response = handle(IntegrityError("duplicate key"))
    assert response.status_code == 409
    assert "Try again" in str(response.data["detail"])


def test_exception_handler_leaves_programming_errors_alone():
    assert handle(ValueError("bug")) is None


class RaisingView(APIView):
    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    def post(self, request):
        raise DjangoValidationError({"quantity": ["Must be positive."]})


def test_a_django_validation_error_from_a_view_is_a_json_400():
    request = APIRequestFactory().post("/x/", {}, format="json")
    response = RaisingView.as_view()(request)
    response.render()
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.data == {"quantity": ["Must be positive."]}


# --- attachments outlive nothing ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("model_type", "prefix", "factory"), METADATA_TARGETS)
def test_deleting_an_object_deletes_its_attachments(admin_client_api, model_type, prefix, factory):
    obj, survivor = factory(), factory()
    add_link(admin_client_api, obj, model_type=model_type)
    add_link(admin_client_api, survivor, model_type=model_type)
    assert admin_client_api.delete(f"/api/{prefix}{obj.pk}/").status_code == 204
    remaining = list(Attachment.objects.values_list("model_type", "model_id"))
    assert remaining == [(model_type, survivor.pk)]


@pytest.mark.django_db
def test_deleting_a_company_deletes_its_contacts_and_addresses_attachments(admin_client_api):
    company = CustomerFactory()
    contact = ContactFactory(company=company)
    address = address_save(address=Address(company=company, title="HQ"))
    for model_type, obj in [("company", company), ("contact", contact), ("address", address)]:
        assert_json(add_link(admin_client_api, obj, model_type=model_type), 201)
    assert admin_client_api.delete(f"/api/company/{company.pk}/").status_code == 204
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_deleting_a_part_deletes_its_stock_items_attachments(admin_client_api):
    item = StockItemFactory(part__active=False)
    assert_json(add_link(admin_client_api, item, model_type="stockitem"), 201)
    assert admin_client_api.delete(f"/api/part/{item.part_id}/").status_code == 204
    assert not StockItem.objects.exists()
    assert not Attachment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_deleting_an_object_removes_its_files_once_committed(admin_client_api, media):
    company = CustomerFactory()
    assert_json(upload(admin_client_api, company, model_type="company"), 201)
    assert len(stored_files(media)) == 1
    assert admin_client_api.delete(f"/api/company/{company.pk}/").status_code == 204
    assert stored_files(media) == []


@pytest.mark.django_db
def test_a_refused_delete_keeps_the_attachments(admin_client_api):
    parent = LocationFactory()
    LocationFactory(parent=parent)
    assert_json(add_link(admin_client_api, parent, model_type="stocklocation"), 201)
    assert_json(admin_client_api.delete(f"/api/stock/location/{parent.pk}/"), 400)
    assert Attachment.objects.filter(model_id=parent.pk).exists()

"""Part categories (``part/category/``), ``Part.category`` and the part fields InvenTree has."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from stock.models import Part, PartCategory
from tests.factories import PartCategoryFactory, PartFactory
from tests.stock.test_api import PART_URL, assert_json

pytestmark = pytest.mark.django_db

CATEGORY_URL = "/api/part/category/"
CATEGORY_FIELDS = {
    "pk",
    "name",
    "description",
    "parent",
    "pathstring",
    "level",
    "structural",
    "default_location",
    "default_keywords",
    "icon",
    "part_count",
    "subcategories",
}


@pytest.fixture
def tree():
    """Electronics > Passives > Capacitors, and a separate top-level Mechanical."""
    electronics = PartCategoryFactory(name="Electronics")
    passives = PartCategoryFactory(name="Passives", parent=electronics)
    capacitors = PartCategoryFactory(name="Capacitors", parent=passives)
    mechanical = PartCategoryFactory(name="Mechanical")
    return electronics, passives, capacitors, mechanical


def names(body) -> list[str]:
    return [row["name"] for row in body]


def test_category_create_builds_the_path_and_counts(admin_client_api, tree):
    capacitors = tree[2]
    PartFactory(category=capacitors)
    body = assert_json(
        admin_client_api.post(
            f"{CATEGORY_URL}?format=json", {"name": "Ceramic", "parent": capacitors.pk}
        ),
        201,
    )
    assert set(body) == CATEGORY_FIELDS
    assert (body["pathstring"], body["level"], body["parent"]) == (
        "Electronics/Passives/Capacitors/Ceramic",
        3,
        capacitors.pk,
    )
    body = assert_json(admin_client_api.get(f"{CATEGORY_URL}{capacitors.pk}/"), 200)
    assert (body["part_count"], body["subcategories"]) == (1, 1)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["Electronics", "Passives", "Capacitors", "Mechanical"]),
        ({"parent": "null"}, ["Electronics", "Mechanical"]),
        ({"top_level": "true"}, ["Electronics", "Mechanical"]),
        ({"parent": "ELECTRONICS"}, ["Passives"]),
        ({"parent": "ELECTRONICS", "cascade": "true"}, ["Passives", "Capacitors"]),
        ({"search": "capa"}, ["Capacitors"]),
        ({"ordering": "-name"}, ["Passives", "Mechanical", "Electronics", "Capacitors"]),
    ],
)
def test_category_tree_filters(admin_client_api, tree, query, expected):
    electronics = tree[0]
    query = {k: (electronics.pk if v == "ELECTRONICS" else v) for k, v in query.items()}
    assert names(assert_json(admin_client_api.get(CATEGORY_URL, query), 200)) == expected


def test_renaming_a_category_rewrites_the_paths_below_it(admin_client_api, tree):
    electronics, _passives, capacitors, _ = tree
    url = f"{CATEGORY_URL}{electronics.pk}/"
    assert_json(admin_client_api.patch(url, {"name": "Electrical"}), 200)
    capacitors.refresh_from_db()
    assert capacitors.pathstring == "Electrical/Passives/Capacitors"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Passives", "parent": "ELECTRONICS"}, "name"),  # sibling of the same name
        ({"name": "A/B"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "X", "parent": 999999}, "parent"),
    ],
)
def test_category_create_refuses_bad_input(admin_client_api, tree, payload, field):
    electronics = tree[0]
    payload = {k: (electronics.pk if v == "ELECTRONICS" else v) for k, v in payload.items()}
    before = PartCategory.objects.count()
    assert assert_json(admin_client_api.post(CATEGORY_URL, payload), 400)[field]
    assert PartCategory.objects.count() == before


def test_a_category_cannot_move_inside_itself(admin_client_api, tree):
    electronics, _passives, capacitors, _ = tree
    body = assert_json(
        admin_client_api.patch(f"{CATEGORY_URL}{electronics.pk}/", {"parent": capacitors.pk}), 400
    )
    assert body["parent"]


def test_a_category_with_children_is_not_deleted(admin_client_api, tree):
    electronics = tree[0]
    response = admin_client_api.delete(f"{CATEGORY_URL}{electronics.pk}/")
    assert response.status_code in (400, 409), response.content
    assert PartCategory.objects.filter(pk=electronics.pk).exists()


def test_deleting_a_category_keeps_its_parts_without_one(admin_client_api, tree):
    mechanical = tree[3]
    part = PartFactory(category=mechanical)
    assert admin_client_api.delete(f"{CATEGORY_URL}{mechanical.pk}/").status_code == 204
    part.refresh_from_db()
    assert part.category is None


def test_category_list_query_count_does_not_grow_with_rows(
    admin_client_api, django_assert_num_queries, tree
):
    for category in tree:
        PartFactory(category=category)
    with django_assert_num_queries(1):
        body = assert_json(admin_client_api.get(CATEGORY_URL), 200)
    assert len(body) == 4


def test_part_list_with_categories_query_count(admin_client_api, django_assert_num_queries, tree):
    for category in tree:
        PartFactory(category=category)
        PartFactory(category=category)
    with django_assert_num_queries(1):
        body = assert_json(admin_client_api.get(PART_URL), 200)
    assert len(body) == 8
    assert {row["category_detail"]["name"] for row in body} == {c.name for c in tree}


# --- parts in categories -------------------------------------------------------------------


def test_part_category_filter_includes_subcategories_unless_cascade_is_false(
    admin_client_api, tree
):
    electronics, passives, capacitors, mechanical = tree
    PartFactory(name="Cap", category=capacitors)
    PartFactory(name="Board", category=electronics)
    PartFactory(name="Bracket", category=mechanical)
    PartFactory(name="Loose")
    get = lambda **query: names(assert_json(admin_client_api.get(PART_URL, query), 200))  # noqa: E731
    assert get(category=electronics.pk) == ["Board", "Cap"]
    assert get(category=electronics.pk, cascade="false") == ["Board"]
    assert get(category=passives.pk, cascade="true") == ["Cap"]
    assert get(category="null") == ["Loose"]


def test_part_create_with_inventree_fields(admin_client_api, tree):
    capacitors = tree[2]
    body = assert_json(
        admin_client_api.post(
            f"{PART_URL}?format=json",
            {
                "name": "C100",
                "description": "100 nF",
                "category": capacitors.pk,
                "revision": "B",
                "virtual": True,
                "purchaseable": False,
            },
        ),
        201,
    )
    assert (body["category"], body["revision"], body["virtual"], body["purchaseable"]) == (
        capacitors.pk,
        "B",
        True,
        False,
    )
    assert body["category_detail"]["pathstring"] == "Electronics/Passives/Capacitors"
    # InvenTree's defaults when the fields are left out.
    body = assert_json(admin_client_api.post(PART_URL, {"name": "Plain"}), 201)
    assert (body["virtual"], body["purchaseable"], body["component"], body["assembly"]) == (
        False,
        True,
        False,
        False,
    )
    assert (body["category"], body["revision"], body["image"]) == (None, "", None)


def test_a_part_cannot_be_filed_in_a_structural_category(admin_client_api):
    structural = PartCategoryFactory(name="Structural", structural=True)
    body = assert_json(
        admin_client_api.post(PART_URL, {"name": "X", "category": structural.pk}), 400
    )
    assert body["category"]
    part = PartFactory()
    body = assert_json(
        admin_client_api.patch(f"{PART_URL}{part.pk}/", {"category": structural.pk}), 400
    )
    assert body["category"]


def test_a_category_holding_parts_cannot_become_structural(admin_client_api, tree):
    capacitors = tree[2]
    PartFactory(category=capacitors)
    body = assert_json(
        admin_client_api.patch(f"{CATEGORY_URL}{capacitors.pk}/", {"structural": True}), 400
    )
    assert body["structural"]


def test_part_options_describe_every_field_with_help_text(admin_client_api):
    """The client's ``fieldInfo`` reads type, required, read_only, label and help_text."""
    fields = assert_json(admin_client_api.options(PART_URL), 200)["actions"]["POST"]
    for name in ["name", "description", "component", "assembly", "revision", "category"]:
        assert {"type", "required", "read_only", "label", "help_text"} <= set(fields[name]), name
    assert fields["description"]["help_text"] == "Part description (optional)"
    assert (fields["active"]["type"], fields["active"]["label"], fields["active"]["default"]) == (
        "boolean",
        "Active",
        True,
    )
    assert fields["category"]["model"] == "partcategory"


def test_part_filters_on_inventree_flags(admin_client_api):
    PartFactory(name="Licence", virtual=True, purchaseable=False)
    PartFactory(name="Screw", component=True)
    get = lambda **query: names(assert_json(admin_client_api.get(PART_URL, query), 200))  # noqa: E731
    assert get(virtual="True") == ["Licence"]
    assert get(purchaseable="False") == ["Licence"]
    assert get(purchasable="False") == ["Licence"]  # InvenTree accepts both spellings
    assert get(component="True") == ["Screw"]


# --- images ----------------------------------------------------------------------------------


def png_upload(name="picture.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color="blue").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.mark.parametrize(("url", "make"), [(PART_URL, PartFactory), ("/api/company/", None)])
def test_image_upload_download_and_removal(admin_client_api, client_for, url, make):
    from tests.factories import CustomerFactory

    obj = (make or CustomerFactory)()
    detail = f"{url}{obj.pk}/"
    body = assert_json(
        admin_client_api.patch(detail, {"image": png_upload()}, format="multipart"), 200
    )
    assert body["image"].startswith("/media/images/") and body["image"].endswith(".png")
    download = admin_client_api.get(body["image"])
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")
    # Only users who may view the part or company get the file.
    role = "part" if url == PART_URL else "return_order"
    other = "stock" if url == PART_URL else "part"
    assert client_for(**{role: ["view"]}).get(body["image"]).status_code == 200
    assert client_for(**{other: ["view"]}).get(body["image"]).status_code == 404
    # A file that is not an image is refused; null removes the image.
    not_image = SimpleUploadedFile("fake.png", b"hello world", content_type="image/png")
    refused = assert_json(
        admin_client_api.patch(detail, {"image": not_image}, format="multipart"), 400
    )
    assert refused["image"]
    body = assert_json(admin_client_api.patch(detail, {"image": None}, format="json"), 200)
    assert body["image"] is None
    assert not type(obj).objects.get(pk=obj.pk).image


def test_images_of_unknown_owners_are_a_404(admin_client_api):
    for path in [
        "/media/images/part/none.png",
        "/media/images/stockitem/x.png",
        "/media/images/x/y",
    ]:
        assert admin_client_api.get(path).status_code == 404


def test_company_fields_include_image(admin_client_api):
    fields = assert_json(admin_client_api.options("/api/company/"), 200)["actions"]["POST"]
    assert {"name", "image", "is_customer", "is_manufacturer", "is_supplier"} <= set(fields)


def test_the_part_admin_lists_categories(admin_client, tree):
    PartFactory(category=tree[2])
    assert admin_client.get("/admin/stock/partcategory/").status_code == 200
    response = admin_client.get("/admin/stock/part/", {"category__id__exact": tree[2].pk})
    assert response.status_code == 200
    assert Part.objects.filter(category=tree[2]).count() == 1


def stored_images(root) -> list[str]:
    return sorted(p.name for p in (root / "images").rglob("*") if p.is_file())


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("url", [PART_URL, "/api/company/"])
def test_a_replaced_or_removed_image_file_is_deleted_once_committed(
    admin_client_api, settings, tmp_path, url
):
    from tests.factories import CustomerFactory

    settings.MEDIA_ROOT = tmp_path
    obj = PartFactory(active=False) if url == PART_URL else CustomerFactory()
    detail = f"{url}{obj.pk}/"
    assert_json(
        admin_client_api.patch(detail, {"image": png_upload("a.png")}, format="multipart"), 200
    )
    assert stored_images(tmp_path) == ["a.png"]
    assert_json(
        admin_client_api.patch(detail, {"image": png_upload("b.png")}, format="multipart"), 200
    )
    assert stored_images(tmp_path) == ["b.png"]
    # An edit that leaves the image alone keeps the file.
    assert_json(admin_client_api.patch(detail, {"name": "Renamed"}, format="json"), 200)
    assert stored_images(tmp_path) == ["b.png"]
    assert admin_client_api.delete(detail).status_code == 204
    assert stored_images(tmp_path) == []


def test_an_svg_or_html_named_image_is_refused(admin_client_api):
    """Only pictures Pillow reads, with an image extension: nothing that could run script."""
    part = PartFactory()
    svg = SimpleUploadedFile(
        "x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>'
    )
    png_as_html = png_upload("x.html")
    for upload in (svg, png_as_html):
        body = assert_json(
            admin_client_api.patch(f"{PART_URL}{part.pk}/", {"image": upload}, format="multipart"),
            400,
        )
        assert body["image"]
    part.refresh_from_db()
    assert not part.image

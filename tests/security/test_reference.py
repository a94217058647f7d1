"""Reference patterns are bounded: every reference a pattern can make fits the column.

The longest reference is worked out from the pattern (the largest counter the counter column
holds, the widest date) and widths are checked as numbers before anything is formatted, so a
pattern like ``{ref:1000000000000d}`` is a 400 / a form error, never a MemoryError, a 1 MB
reference on SQLite or a database error on PostgreSQL.
"""

import html

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from common import reference as references
from common import site_settings
from common.models import SiteSetting
from returns import services
from returns.models import ReturnOrder
from tests.factories import CustomerFactory
from tests.returns.factories import ReturnOrderFactory

pytestmark = pytest.mark.django_db

SETTING = "RETURNORDER_REFERENCE_PATTERN"
URL = f"/api/settings/global/{SETTING}/"
MAX_LENGTH = ReturnOrder._meta.get_field("reference").max_length
COUNTER_MAX = references.reference_limits(ReturnOrder)[1]

TOO_WIDE = [
    "RMA-{ref:1000000d}",
    "RMA-{ref:1000000000000d}",
    "RMA-{ref:" + "9" * 4000 + "d}",
    "RMA-{ref:.1000000000f}",
    "RMA-{ref:>1000000000000}",
    "{date:%1000000000Y}-{ref}",
    "RMA-{ref:%sd}" % (MAX_LENGTH - 3),  # the width alone fits, with the prefix it does not
    "X" * (MAX_LENGTH - 18) + "{ref}",  # fits for small counters, not for the largest
    "{?:" + "W" * MAX_LENGTH + "}{ref}",
    "RMA-{date:%A %B %d %Y %H:%M:%S}-{date:%c}-{ref:010d}",
]


def test_the_limits_come_from_the_model_fields():
    assert MAX_LENGTH == 64
    # reference_int is a BigIntegerField: a 64-bit counter.
    assert COUNTER_MAX == 2**63 - 1


@pytest.mark.parametrize("pattern", TOO_WIDE)
def test_patterns_whose_references_may_not_fit_are_refused(pattern):
    with pytest.raises(ValidationError):
        site_settings.set_value(SETTING, pattern)
    assert site_settings.get_value(SETTING) == "RMA-{ref:04d}"


@pytest.mark.parametrize(
    "pattern",
    [
        "RMA-{ref:04d}",
        "RMA-{ref:060d}",  # 4 + 60 = 64: exactly the column
        "X" * (MAX_LENGTH - 19) + "{ref}",  # 19 digits of the largest counter
        "RMA-{date:%Y}-{ref:03d}",
        "{?:PO}-{ref:04d}",
        "RMA-{date:%A}-{ref}",
    ],
)
def test_patterns_that_always_fit_are_accepted(pattern):
    site_settings.set_value(SETTING, pattern)
    assert site_settings.get_value(SETTING) == pattern
    assert references.longest_reference(pattern, max_ref=COUNTER_MAX) <= MAX_LENGTH


def test_the_message_says_how_long_and_how_long_it_may_be():
    with pytest.raises(ValidationError) as excinfo:
        site_settings.set_value(SETTING, "RMA-{ref:061d}")
    (message,) = excinfo.value.message_dict["value"]
    assert "65 characters" in message and "at most 64" in message

    with pytest.raises(ValidationError) as excinfo:
        site_settings.set_value(SETTING, "RMA-{ref:1000000000000d}")
    (message,) = excinfo.value.message_dict["value"]
    assert "width 1000000000000 is too large" in message


def test_a_huge_width_is_refused_without_being_formatted(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("formatted a pattern that should have been refused first")

    monkeypatch.setattr(references, "format_reference", boom)
    monkeypatch.setattr(references, "longest_reference", boom)
    for pattern in ("RMA-{ref:1000000000000d}", "RMA-{ref:.99999999999f}"):
        with pytest.raises(ValidationError, match="too large"):
            references.validate_pattern(pattern, max_length=MAX_LENGTH)
    # Even without a column to check against, widths are bounded.
    with pytest.raises(ValidationError, match="too large"):
        references.validate_pattern("{ref:1000000000000d}")


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("pattern", TOO_WIDE)
def test_the_setting_api_answers_400(admin_client_api, method, pattern):
    response = getattr(admin_client_api, method)(URL, {"value": pattern}, format="json")

    assert response.status_code == 400, response.content[:300]
    assert list(response.json()) == ["value"]
    assert admin_client_api.get(URL).json()["value"] == "RMA-{ref:04d}"


def test_the_settings_page_shows_the_error_beside_the_field(make_user):
    client = Client()
    client.force_login(make_user(staff=True))

    response = client.post(
        "/returns/settings/",
        {"RETURNORDER_ENABLED": "on", SETTING: "RMA-{ref:1000000000000d}"},
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [SETTING]
    assert "too large" in errors[SETTING][0]
    assert "too large" in html.unescape(response.content.decode())
    assert site_settings.get_value(SETTING) == "RMA-{ref:04d}"
    assert site_settings.get_value("RETURNORDER_ENABLED") is False


def _store_unchecked(pattern: str) -> None:
    """A pattern saved before patterns were bounded (straight into the table)."""
    SiteSetting.objects.update_or_create(key=SETTING, defaults={"value": pattern})


@pytest.mark.parametrize("pattern", ["RMA-{ref:100d}", "RMA-{ref:1000000000000d}"])
def test_creating_an_order_with_an_old_unbounded_pattern_is_a_400(admin_client_api, pattern):
    _store_unchecked(pattern)
    customer = CustomerFactory()

    response = admin_client_api.post(
        "/api/order/ro/", {"customer": customer.pk, "description": "x"}, format="json"
    )

    assert response.status_code == 400, response.content[:300]
    assert "reference" in response.json()
    assert not ReturnOrder.objects.exists()


def test_creating_an_order_once_the_counter_is_exhausted_is_a_400(admin_client_api):
    ReturnOrderFactory(reference="RMA-LAST", reference_int=COUNTER_MAX)

    response = admin_client_api.post(
        "/api/order/ro/", {"customer": CustomerFactory().pk}, format="json"
    )

    assert response.status_code == 400, response.content[:300]
    assert "maximum" in response.json()["reference"][0]
    assert ReturnOrder.objects.count() == 1


def test_a_generated_reference_longer_than_the_column_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        references.format_reference("X" * 60 + "{ref}", 12345, max_length=MAX_LENGTH)
    assert "65 characters" in excinfo.value.message_dict["reference"][0]


def test_next_reference_still_works_for_ordinary_patterns(set_setting):
    set_setting(SETTING, "RMA-{ref:060d}")
    assert services.next_reference() == "RMA-" + "1".zfill(60)


@pytest.fixture
def set_setting(db):
    return site_settings.set_value


def test_the_new_order_page_explains_an_old_unbounded_pattern(make_user):
    """The page cannot propose a reference; it says why and leaves the field to the user."""
    site_settings.set_value("RETURNORDER_ENABLED", True)
    _store_unchecked("RMA-{ref:100d}")
    client = Client()
    client.force_login(make_user(superuser=True))

    response = client.get("/returns/new/")

    assert response.status_code == 200
    shown = [str(message) for message in response.context["messages"]]
    assert len(shown) == 1 and "64" in shown[0], shown
    assert response.context["form"].initial.get("reference") is None

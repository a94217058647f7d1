"""The filter backend skips a FilterSet whose fields the query string does not name."""

import pytest
from django_filters import CharFilter
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from common.filters import DjangoFilterBackend, FilterSet
from returns.filters import ReturnOrderFilter
from returns.models import ReturnOrder
from tests.returns.factories import ReturnOrderFactory

pytestmark = pytest.mark.django_db


class _View:
    filterset_class = ReturnOrderFilter


def _filter(query: dict, view=_View):
    request = Request(APIRequestFactory().get("/", query))
    return DjangoFilterBackend().filter_queryset(request, ReturnOrder.objects.all(), view())


def test_a_query_without_filters_returns_the_queryset_without_making_the_form(monkeypatch):
    ReturnOrderFactory.create_batch(2)
    _filter({"status": "10"})  # the form class is made once, by the first filtering request
    made = []
    original = ReturnOrderFilter.__init__
    monkeypatch.setattr(
        ReturnOrderFilter,
        "__init__",
        lambda self, *a, **k: made.append(1) or original(self, *a, **k),
    )

    queryset = ReturnOrder.objects.all()
    request = Request(APIRequestFactory().get("/", {"limit": "50", "offset": "0", "search": "x"}))
    assert DjangoFilterBackend().filter_queryset(request, queryset, _View()) is queryset
    assert made == []

    # A filter's own parameter makes and applies the form.
    assert _filter({"status": "30"}).count() == 0
    assert _filter({"target_date_after": "2199-01-01"}).count() == 0
    assert len(made) == 2


def test_a_bad_value_is_still_a_400_and_a_required_filter_is_never_skipped():
    with pytest.raises(ValidationError):
        _filter({"status": "not a status"})

    class Required(FilterSet):
        reference = CharFilter(required=True)

        class Meta:
            model = ReturnOrder
            fields = ["reference"]

    class RequiredView:
        filterset_class = Required

    with pytest.raises(ValidationError):
        _filter({"status": "10"}, RequiredView)  # makes the form class
    with pytest.raises(ValidationError):
        _filter({}, RequiredView)

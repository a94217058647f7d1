"""Shared serializer fields."""

import pytest

from common.serializers import ChoiceTextField
from returns.models import ReturnOrder
from returns.statuses import ReturnOrderStatus


@pytest.mark.parametrize("status", ReturnOrderStatus.values)
def test_a_choice_text_is_the_models_display_value(status):
    field = ChoiceTextField(ReturnOrderStatus.choices, source="status")
    order = ReturnOrder(status=status)
    assert field.to_representation(order.status) == order.get_status_display()


def test_a_value_outside_the_choices_is_shown_as_itself():
    field = ChoiceTextField(ReturnOrderStatus.choices, source="status")
    order = ReturnOrder(status=12345)
    # As DRF's CharField showed Django's display value: the number as a string.
    assert field.to_representation(12345) == str(order.get_status_display()) == "12345"


def test_labels_follow_the_active_language():
    from django.utils import translation
    from django.utils.functional import lazy

    # A label that reads as the language it is rendered in, as a translated one does.
    field = ChoiceTextField([(1, lazy(translation.get_language, str)())], source="status")
    with translation.override("de"):
        assert field.to_representation(1) == "de"
    with translation.override("fr"):
        assert field.to_representation(1) == "fr"
    with translation.override("de"):
        assert field.to_representation(1) == "de"

"""Split receipts of a partly authorized line: capped at, and complete at, the approved quantity."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from returns import services
from returns.statuses import DispositionKind
from returns.statuses import ReturnOrderStatus as S
from tests.factories import LocationFactory
from tests.returns.test_authorization import authorizer, reload, requested  # noqa: F401

pytestmark = pytest.mark.django_db


def _receipt(line, *parts):
    return services.ReceiptRequest(
        line=line.pk,
        dispositions=[
            services.DispositionRequest(kind, Decimal(n), where) for kind, n, where in parts
        ],
    )


def test_a_partly_authorized_line_is_received_up_to_its_approved_quantity(
    requested,  # noqa: F811
    authorizer,  # noqa: F811
):
    order, _serialized, bulk = requested
    services.return_order_authorize(order=order, user=authorizer, lines=[(bulk.pk, Decimal(3))])
    services.return_order_issue(order=order, user=authorizer)
    bay = LocationFactory()

    with pytest.raises(ValidationError, match="3"):
        services.return_order_receive_split(
            order=order, receipts=[_receipt(bulk, (DispositionKind.GOOD, 4, bay))], user=authorizer
        )
    assert reload(bulk).received_quantity == 0

    services.return_order_receive_split(
        order=order,
        receipts=[
            _receipt(bulk, (DispositionKind.GOOD, 2, bay), (DispositionKind.DAMAGED, 1, bay))
        ],
        user=authorizer,
    )
    line = reload(bulk)
    assert (line.quantity, line.expected_quantity, line.received_quantity) == (5, 3, 3)
    assert line.outstanding_quantity == 0
    assert line.received_date is not None  # nothing more may come back
    assert reload(order).status == S.IN_PROGRESS

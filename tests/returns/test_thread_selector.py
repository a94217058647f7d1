"""The order page's thread with the customer, read as one column of the order's row
(``with_thread`` and ``thread_messages``), is the thread ``return_order_messages`` reads in
two queries: the same messages in the same order, with the same authors, times and files."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.models import Attachment
from returns import selectors
from returns.models import ReturnOrderMessage
from tests.factories import ContactFactory, UserFactory
from tests.returns.factories import ReturnOrderFactory

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2031, 5, 14, 12, 0, 0, 250000, tzinfo=datetime.UTC)


def attach(order, *, name=None, link="", uploaded=NOON):
    return Attachment.objects.create(
        model_type="returnorder",
        model_id=order.pk,
        attachment=name,
        link=link,
        upload_date=uploaded,
    )


def shown(message):
    """What the pages read of a message."""
    return (
        message.pk,
        message.body,
        message.from_customer,
        message.created_at,
        message.author_name,
        [(f.pk, f.attachment.name, f.filename, f.upload_date) for f in message.attachments.all()],
    )


def thread_through_order(order):
    loaded = selectors.with_thread(selectors.return_order_list()).get(pk=order.pk)
    with CaptureQueriesContext(connection) as queries:
        thread = selectors.thread_messages(loaded)
        rows = [shown(message) for message in thread]
    assert not queries.captured_queries, "the thread came with the order"
    return rows


def test_the_thread_with_the_order_is_the_thread_read_on_its_own():
    order = ReturnOrderFactory()
    named = UserFactory(first_name="Ada <b>", last_name="O'Brien & Co")
    bare = UserFactory(first_name="", last_name="")
    contact = ContactFactory(company=order.customer, name='Zoë "quoted"')
    first = ReturnOrderMessage.objects.create(
        order=order, body="<script>x</script>\nline two", author_user=named, created_at=NOON
    )
    first.attachments.add(
        attach(order, name="attachments/returnorder/1/a file.pdf"),
        attach(order, name="attachments/returnorder/1/b&<>.png"),  # same time, higher pk
        attach(order, name="attachments/returnorder/1/old.txt", uploaded=NOON.replace(year=2030)),
        attach(order, link="https://example.com/x", uploaded=NOON.replace(second=1)),
    )
    # The same time as the first: the higher pk comes after it.
    ReturnOrderMessage.objects.create(order=order, body="tie", author_user=bare, created_at=NOON)
    ReturnOrderMessage.objects.create(
        order=order,
        body="",
        from_customer=True,
        author_contact=contact,
        created_at=NOON - datetime.timedelta(hours=5),
    )
    ReturnOrderMessage.objects.create(
        order=order, body="contact gone", from_customer=True, created_at=NOON.replace(minute=1)
    )
    ReturnOrderMessage.objects.create(
        order=order, body="user gone", created_at=NOON.replace(minute=2, microsecond=0)
    )
    shared = attach(order, name="attachments/returnorder/1/shared.pdf")
    ReturnOrderMessage.objects.create(
        order=order, body='ünï ✓ \\ " \t', author_user=named, created_at=NOON.replace(year=2032)
    ).attachments.add(shared)
    # Another order's thread, sharing a file: not part of this one.
    ReturnOrderMessage.objects.create(order=ReturnOrderFactory(), body="other").attachments.add(
        shared
    )

    expected = [shown(m) for m in selectors.return_order_messages(order.pk)]
    assert len(expected) == 6
    assert thread_through_order(order) == expected


def test_an_order_without_a_thread_has_no_messages():
    order = ReturnOrderFactory()
    ReturnOrderMessage.objects.create(order=ReturnOrderFactory(), body="elsewhere")
    assert thread_through_order(order) == []

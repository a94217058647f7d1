"""`make run`'s first-run set-up: an administrator, the demo data once, printed logins."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from companies.models import Company
from returns.models import (
    ReturnOrder,
    ReturnOrderLineResolution,
    ReturnOrderRefund,
    ReturnOrderRepair,
)
from returns.statuses import ResolutionKind, ReturnOrderStatus
from stock.models import StockItem


def run_setup(tmp_path) -> str:
    out = StringIO()
    call_command("setup_site", secrets_dir=str(tmp_path), stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_first_run_creates_admin_and_demo_data_and_prints_logins(tmp_path):
    output = run_setup(tmp_path)

    admin_password = (tmp_path / "admin_password").read_text().strip()
    demo_password = (tmp_path / "demo_password").read_text().strip()
    assert f"admin / {admin_password}" in output
    assert f"clerk / {demo_password}" in output
    assert authenticate(username="admin", password=admin_password).is_superuser
    clerk = authenticate(username="clerk", password=demo_password)
    assert clerk is not None and clerk.has_perm("returns.add_returnorder")
    viewer = User.objects.get(username="viewer")
    assert viewer.has_perm("returns.view_returnorder")
    assert not viewer.has_perm("returns.add_returnorder")
    assert {"Returns clerks", "Viewers"} <= set(Group.objects.values_list("name", flat=True))

    assert Company.objects.filter(is_customer=True).count() >= 3
    assert StockItem.objects.filter(customer__isnull=False, serial__isnull=False).exists()
    statuses = set(ReturnOrder.objects.values_list("status", flat=True))
    assert statuses == set(ReturnOrderStatus.values), "demo orders cover every status"

    standing = ReturnOrderLineResolution.objects.filter(reversed_at__isnull=True)
    kinds = set(standing.values_list("kind", flat=True))
    assert kinds == set(ResolutionKind.values), "demo lines are resolved each way"
    repair = ReturnOrderRepair.objects.get()
    assert repair.finished and repair.parts.count() == 2
    assert all(
        part.item.belongs_to_id == part.repair.resolution.line.item_id
        for part in repair.parts.all()
    )
    advance = standing.filter(kind="replace", line__received_date__isnull=True).get()
    assert advance.replacement_item.customer_id == advance.order.customer_id
    refund = ReturnOrderRefund.objects.get()
    assert refund.resolution.order.total_refunded == refund.amount


@pytest.mark.django_db
def test_second_run_loads_nothing_again(tmp_path):
    run_setup(tmp_path)
    counts = (User.objects.count(), Company.objects.count(), ReturnOrder.objects.count())
    output = run_setup(tmp_path)
    assert (User.objects.count(), Company.objects.count(), ReturnOrder.objects.count()) == counts
    assert "Loaded the demo data" not in output
    assert "admin / " in output  # the kept password is printed again


@pytest.mark.django_db(transaction=True)
def test_demo_load_sends_no_mail(tmp_path, mailoutbox):
    """The demo issues and receives orders; their notifications must not flood the console.

    Transactional, so the notifications' on-commit hooks really run during the load.
    """
    run_setup(tmp_path)
    assert ReturnOrder.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_clerk_and_viewer_get_different_passwords_and_both_are_printed(tmp_path):
    output = run_setup(tmp_path)
    clerk_password = (tmp_path / "demo_password").read_text().strip()
    viewer_password = (tmp_path / "viewer_password").read_text().strip()
    assert clerk_password != viewer_password
    assert f"clerk / {clerk_password}" in output
    assert f"viewer / {viewer_password}" in output
    assert authenticate(username="viewer", password=viewer_password) is not None
    assert authenticate(username="viewer", password=clerk_password) is None
    assert authenticate(username="clerk", password=viewer_password) is None
    assert (tmp_path / "viewer_password").stat().st_mode & 0o077 == 0


@pytest.mark.django_db
def test_a_viewer_sharing_the_clerks_password_gets_its_own(tmp_path):
    """A database set up by an earlier release gave both the same password."""
    run_setup(tmp_path)
    clerk_password = (tmp_path / "demo_password").read_text().strip()
    viewer = User.objects.get(username="viewer")
    viewer.set_password(clerk_password)
    viewer.save()
    (tmp_path / "viewer_password").unlink()

    output = run_setup(tmp_path)
    viewer_password = (tmp_path / "viewer_password").read_text().strip()
    assert viewer_password != clerk_password
    assert f"viewer / {viewer_password}" in output
    assert f"viewer / {clerk_password}" not in output
    assert authenticate(username="viewer", password=viewer_password) is not None
    assert authenticate(username="viewer", password=clerk_password) is None


@pytest.mark.django_db
def test_load_demo_data_command_prints_a_random_viewer_password():
    out = StringIO()
    call_command("load_demo_data", password="clerk-pass-1", stdout=out)
    printed = out.getvalue().split("viewer / ")[1].strip()
    assert printed and printed != "clerk-pass-1"
    assert authenticate(username="viewer", password=printed) is not None
    assert authenticate(username="clerk", password="clerk-pass-1") is not None


@pytest.mark.django_db
def test_the_demo_refuses_one_password_for_both():
    from returns import demo

    with pytest.raises(ValueError, match="different passwords"):
        demo.load_demo_data(password="same-1", viewer_password="same-1")
    assert not User.objects.filter(username="viewer").exists()

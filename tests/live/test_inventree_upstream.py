"""The ``inventree`` client's own test suite (0.25.0, from its PyPI sdist) against the live server.

A thin adapter: ``upstream_suite`` fetches the client's ``test/`` modules; this module collects
their test classes, points them at ``live_server`` through the settings they read
(``INVENTREE_PYTHON_TEST_SERVER``, ``..._USERNAME``, ``..._PASSWORD``), and builds, before every
test and through Boomerang's services, the data they assume: the pks and names of InvenTree's
demo fixtures (a customer with pk 4, the category "Electronics" with pk 1, the location
"Place of work" with pk 4 and its stock, ...).

Tests of what Boomerang does not do are skipped with the reason in ``SKIPPED`` below, the one
list of them (the README summarises it). Modules of features outside Boomerang's scope are not
collected at all (``NOT_COLLECTED``). Everything else must pass: all of it in the SQLite pass,
the classes in ``POSTGRES_CLASSES`` in the PostgreSQL pass.
"""

import atexit
import functools
import importlib
import importlib.metadata
import os
import shutil
import sys
import tempfile
import unittest
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection

from tests.live import upstream_suite

OUT_OF_SCOPE = "out of Boomerang's scope"

# Modules of the client's suite that test features Boomerang does not have.
NOT_COLLECTED = {
    "test_audit": "the audit log (apiVersion >= 565; Boomerang mirrors 500 and keeps stock/track/)",
    "test_build": f"build orders: {OUT_OF_SCOPE}",
    "test_currency": f"currency exchange endpoints: {OUT_OF_SCOPE}",
    "test_label": f"label printing: {OUT_OF_SCOPE}",
    "test_plugin": f"plugins: {OUT_OF_SCOPE}",
    "test_pricing": f"part pricing: {OUT_OF_SCOPE}",
}

# Tests of the collected modules that are skipped, each with its reason. The one list.
# A reason starting with "On SQLite" skips the test in the SQLite pass only.
SKIPPED = {
    # test_api
    "test_api.TestCreate.test_create_stuff": (
        "On SQLite: it abandons a request after 1 ms and sends the next while the test server "
        "still runs the first on the one SQLite connection the two share"
    ),
    "test_api.Timeout.test_timeout": "a 1 ms timeout: a local server answers first",
    "test_api.TemplateTest.test_get_widget": f"part test templates: {OUT_OF_SCOPE}",
    "test_api.TemplateTest.test_add_template": f"part test templates: {OUT_OF_SCOPE}",
    "test_api.TemplateTest.test_add_result": f"stock test results: {OUT_OF_SCOPE}",
    # test_company
    "test_company.CompanyTest.test_company_parts": f"supplier / manufacturer parts: {OUT_OF_SCOPE}",
    "test_company.CompanyTest.test_manufacturer_part_create": f"manufacturer parts: {OUT_OF_SCOPE}",
    "test_company.CompanyTest.test_supplier_part_create": f"supplier parts: {OUT_OF_SCOPE}",
    "test_company.CompanyTest.test_attachments": f"manufacturer parts: {OUT_OF_SCOPE}",
    # test_order
    **{
        f"test_order.POTest.{name}": f"purchase orders: {OUT_OF_SCOPE}"
        for name in [
            "test_po_fields",
            "test_po_create",
            "test_order_cancel",
            "test_order_complete_with_receive",
            "test_order_complete",
            "test_purchase_order_delete",
            "test_po_attachment",
            "test_invalid_list",
        ]
    },
    **{
        f"test_order.SOTest.{name}": f"sales orders: {OUT_OF_SCOPE}"
        for name in [
            "test_so_fields",
            "test_so_create",
            "test_so_attachment",
            "test_so_shipment",
            "test_order_cancel",
        ]
    },
    # test_part
    "test_part.PartCategoryTest.test_part_category_parameter_templates": (
        f"parameters: {OUT_OF_SCOPE}"
    ),
    "test_part.PartTest.test_set_price": f"internal prices: {OUT_OF_SCOPE}",
    "test_part.PartTest.test_parameters": f"parameters: {OUT_OF_SCOPE}",
    "test_part.PartTest.test_part_related": f"related parts: {OUT_OF_SCOPE}",
    "test_part.PartTest.test_get_requirements": f"requirements: {OUT_OF_SCOPE}",
    "test_part.PartBarcodeTest.test_barcode_assign": f"barcodes: {OUT_OF_SCOPE}",
    # test_report
    "test_report.ReportClassesTest.test_print_report": f"prints a build order: {OUT_OF_SCOPE}",
    # test_stock
    "test_stock.StockTest.test_barcode_support": f"barcodes: {OUT_OF_SCOPE}",
    "test_stock.StockAdjustTest.test_install_stock": f"installing stock: {OUT_OF_SCOPE}",
}

MODULES = [
    "test_api",
    "test_base",
    "test_company",
    "test_order",
    "test_part",
    "test_project_codes",
    "test_report",
    "test_stock",
]

# On PostgreSQL only these classes run: where the database matters (row locks in the stock
# adjustments and bulk delete, the return-order transitions, the abandoned request of
# test_create_stuff). The rest is the HTTP contract, the same on both databases, and runs in
# the SQLite pass; running it twice would cost CI a minute.
POSTGRES_CLASSES = {
    "test_api.InvenTreeAPITest",
    "test_api.TestCreate",
    "test_order.ROTest",
    "test_stock.StockTest",
    "test_stock.StockAdjustTest",
}
ON_SQLITE_ONLY = "the same on both databases: runs in the SQLite pass (CI time)"

USERNAME = "testuser"
PASSWORD = "testpassword"

# Classes that never reach a server (URL parsing, the client's own objects).
OFFLINE = {"test_api.URLTests"}


def _skipped(method, reason: str):
    """The method, skipped by pytest before any fixture runs (no server, no demo data)."""

    @functools.wraps(method)
    def skipped(self):
        return method(self)

    return pytest.mark.skip(reason=reason)(skipped)


def _load_suite() -> dict[str, type]:
    """The client's test classes, each subclassed here with its skips and the server fixture."""
    installed = importlib.metadata.version("inventree")
    if installed != upstream_suite.VERSION:
        pytest.fail(
            f"the inventree client installed is {installed}; its test suite is pinned to "
            f"{upstream_suite.VERSION} (run `make install`)",
            pytrace=False,
        )
    try:
        sources = upstream_suite.test_sources()
    except upstream_suite.FetchError as exc:
        message = f"the inventree {upstream_suite.VERSION} test suite is not available: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message, allow_module_level=True)
    available = {path.stem for path in sources.glob("test_*.py")}
    if available != set(MODULES) | set(NOT_COLLECTED):
        pytest.fail(
            "the client's test modules are not all accounted for: "
            f"run {sorted(available - set(MODULES))}, not collected {sorted(NOT_COLLECTED)}",
            pytrace=False,
        )
    work = upstream_suite.work_copy(sources, Path(tempfile.mkdtemp(prefix="inventree-suite-")))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    sys.path.insert(0, str(work / "test"))
    classes = {}
    unused = set(SKIPPED)
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name, cls in vars(module).items():
            if not (
                isinstance(cls, type)
                and issubclass(cls, unittest.TestCase)
                and cls.__module__ == module_name
            ):
                continue
            attrs = {"__module__": __name__, "__qualname__": f"{module_name}__{name}"}
            sqlite = connection.vendor == "sqlite"
            for method in dir(cls):
                reason = SKIPPED.get(f"{module_name}.{name}.{method}")
                if reason:
                    unused.discard(f"{module_name}.{name}.{method}")
                    if reason.startswith("On SQLite") and not sqlite:
                        reason = None
                elif (
                    not sqlite
                    and method.startswith("test")
                    and f"{module_name}.{name}" not in POSTGRES_CLASSES
                ):
                    reason = ON_SQLITE_ONLY
                if reason:
                    attrs[method] = _skipped(getattr(cls, method), reason)
            subclass = type(f"{module_name}__{name}", (cls,), attrs)
            subclass = pytest.mark.live(subclass)
            if module_name not in OFFLINE and f"{module_name}.{name}" not in OFFLINE:
                subclass = pytest.mark.usefixtures("inventree_demo", "inventree_workdir")(subclass)
            classes[subclass.__name__] = subclass
    if unused:
        pytest.fail(f"SKIPPED names tests the suite does not have: {sorted(unused)}")
    classes["_WORKDIR"] = work
    return classes


_suite = _load_suite()
WORKDIR: Path = _suite.pop("_WORKDIR")
globals().update(_suite)


@pytest.fixture
def inventree_workdir(monkeypatch):
    """Run from the copy of the sources: the tests read and write files relative to it."""
    monkeypatch.chdir(WORKDIR)


@pytest.fixture
def inventree_demo(live_server, django_db_reset_sequences, monkeypatch):
    """The settings the client's tests read, and the demo data they assume, built fresh for
    every test (the database is emptied after each, and its sequences reset before)."""
    import test_api

    for name, value in {
        "SERVER": live_server.url,
        "USERNAME": USERNAME,
        "PASSWORD": PASSWORD,
    }.items():
        monkeypatch.setenv(f"INVENTREE_PYTHON_TEST_{name}", value)
        monkeypatch.setattr(test_api, name, value)
    User.objects.create_superuser(USERNAME, "testuser@example.com", PASSWORD)
    build_demo_data()


def build_demo_data() -> None:
    """InvenTree's demo fixtures, as far as the client's tests read them, through Boomerang's
    services. Each object is created in pk order; the asserts say which pk a test relies on."""
    from companies import services as company_services
    from companies.models import Company
    from reports import services as report_services
    from reports.models import ReportTemplate
    from stock import services
    from stock.models import Part, PartCategory, StockLocation

    companies = [
        ("ACME Supplies", {"is_supplier": True}),
        ("Digikey", {"is_supplier": True}),
        ("Zerg Corp", {"is_customer": True, "is_supplier": False}),
        ("Customer Inc", {"is_customer": True, "is_supplier": False}),  # pk 4: ROTest
        ("Another Customer", {"is_customer": True, "is_supplier": False}),
        ("Distributor", {"is_supplier": True}),
        ("Widget Manufacturing", {"is_manufacturer": True, "is_supplier": False}),
    ]
    for pk, (name, flags) in enumerate(companies, start=1):
        company = Company(name=name, description=f"{name} (demo data)", **flags)
        company.full_clean()
        company = company_services.company_save(company=company)
        assert company.pk == pk, (company.pk, pk)

    categories = [
        ("Electronics", None),  # 1: top level, three or more children
        ("Resistors", 1),
        ("Capacitors", 1),  # 3
        ("IC", 1),
        ("MCU", 4),  # 5
        ("Transceivers", 4),  # 6
        ("Mechanical", None),
        ("Furniture", None),
        ("Chairs", 8),
    ]
    category = {}
    for pk, (name, parent) in enumerate(categories, start=1):
        category[pk] = services.category_save(
            category=PartCategory(
                name=name, description=f"{name} (demo data)", parent=category.get(parent)
            )
        )
        assert category[pk].pk == pk

    locations = [
        ("Home", None, "My house"),  # 1
        ("Bathroom", 1, "Where I keep my bath"),  # 2
        ("Dining Room", 1, "A table lives here"),  # 3
        ("Office", None, "Place of work"),  # 4: no parent, children 5-7
        ("Drawer_1", 4, "In my desk"),
        ("Drawer_2", 4, "Also in my desk"),
        ("Drawer_3", 4, "Again, in my desk"),  # 7
    ]
    location = {}
    for pk, (name, parent, description) in enumerate(locations, start=1):
        location[pk] = services.location_save(
            location=StockLocation(name=name, description=description, parent=location.get(parent))
        )
        assert location[pk].pk == pk

    part_categories = [1, 2, 3, 3, 5, 5, 6, 6, 7, 7, 8, 9, 9, 2, 3, 4, 5, 6, 7, 9]
    parts = {}
    for pk, category_pk in enumerate(part_categories, start=1):
        parts[pk] = services.part_save(
            part=Part(
                name=f"Demo part {pk:02d}",
                IPN=f"DEMO-{pk:04d}",
                description=f"Demo part number {pk}",
                category=category[category_pk],
                salable=pk % 2 == 1,
                trackable=pk % 4 == 0,
            )
        )
        assert parts[pk].pk == pk
    # 10004: a trackable part that the serial-number test creates items of.
    services.part_save(
        part=Part(
            pk=10004, name="Chair", description="A chair", category=category[9], trackable=True
        )
    )

    def stock(part_pk: int, quantity, location_pk: int | None) -> None:
        services.stock_item_create(
            part=parts[part_pk],
            quantity=Decimal(quantity),
            location=location.get(location_pk),
        )

    stock(1, 10, 1)  # items 1 and 2: part 1, in "Home"
    stock(1, 25, 1)
    stock(2, 100, 2)
    for index in range(15):  # "Place of work" holds at least fifteen items, one of part 5
        stock(5 + index % 10, 10 + index, 4)
    stock(3, 5, 5)

    # The migrations install the default template; a flushed database has lost it.
    if ReportTemplate.objects.exists():
        return
    report_services.report_template_create(
        user=None,
        name="Return order",
        description="Demo return order report",
        model_type="returnorder",
        source=(
            Path(report_services.__file__).parent / "defaults" / "return_order.html"
        ).read_text(),
        filename_pattern="ReturnOrder-{{ reference }}.pdf",
    )

"""Fixtures for the browser tests: headless Debian Chromium driven by Playwright's sync API.

The pages are served by pytest-django's ``live_server`` (a real HTTP server in a thread of this
process, on the test database), so every test here runs with ``transactional_db`` semantics.
Playwright never downloads a browser: it drives the Chromium at ``CHROMIUM_PATH``
(Debian's ``/usr/bin/chromium`` by default). Without that binary the tests are skipped, except
in CI (``CI=true``), where they fail.
"""

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, sync_playwright

from stock import services as stock_services
from stock.models import StockLocation
from tests.factories import (
    AddressFactory,
    ContactFactory,
    CustomerFactory,
    PartFactory,
    StockItemFactory,
    UserFactory,
)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000  # a page that takes longer than this is broken, not slow
USERNAME = "e2e-admin"
PASSWORD = "e2e-correct-horse-battery"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def missing_browser_message() -> str | None:
    path = chromium_path()
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return None
    return f"Chromium not found at {path}; install Debian's chromium (apt-get install chromium)"


@pytest.fixture(scope="module")
def allow_orm_beside_playwright():
    """Let the ORM run in a thread where Playwright's event loop is running.

    Playwright's sync API keeps an asyncio event loop running in the test's thread (it switches
    to it with greenlets on every call), so once the browser is up, asyncio reports a running
    loop and Django's ``async_unsafe`` guard would raise ``SynchronousOnlyOperation`` on any ORM
    call from the test: setting up data, asserting on the database, and pytest-django's flush
    after each transactional test. Nothing here actually runs concurrently with that loop (the
    sync API blocks while it works), so the guard is safe to lift. Module-scoped, like the
    browser: Playwright stops, and the guard returns, before any other test module runs.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser(allow_orm_beside_playwright) -> Iterator[Browser | None]:
    """One headless Chromium per test module; each test gets its own context (profile)."""
    path = chromium_path()
    if missing_browser_message() is not None:
        if os.environ.get("CI") == "true":
            # Not pytest.fail() here: that would report an error in setup. The test fails
            # (FAILED, not ERROR or SKIPPED) when it asks new_page() for a page.
            yield None
            return
        pytest.skip(missing_browser_message())
    # launch() gives the browser a fresh temporary user-data dir, deleted when it closes.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """``new_page()`` or ``new_page(viewport={...})``: a page in a fresh context (own cookies)."""
    contexts = []

    def _new(viewport=DESKTOP) -> Page:
        if browser is None:
            pytest.fail(
                f"{missing_browser_message()}. The browser tests are required in CI (CI=true).",
                pytrace=False,
            )
        context = browser.new_context(base_url=live_server.url, viewport=viewport)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield _new
    for context in contexts:
        context.close()


@pytest.fixture
def scenario(transactional_db):
    """The world before the browser starts: a staff superuser, two customers, stock, locations.

    ``Acme`` holds two serialized items (only ``item`` is returned); ``Other`` has its own
    contact and address, so the order form's narrowing to the chosen customer is visible.
    """
    user = UserFactory(username=USERNAME, password=PASSWORD, is_staff=True, is_superuser=True)
    customer = CustomerFactory(name="Acme Returns Ltd", currency="USD")
    contact = ContactFactory(company=customer, name="Ada Acme")
    address = AddressFactory(company=customer, title="Acme depot")
    other = CustomerFactory(name="Other Retail Co", currency="USD")
    other_contact = ContactFactory(company=other, name="Oscar Other")
    other_address = AddressFactory(company=other, title="Other warehouse")

    def location(name, parent=None, structural=False):
        return stock_services.location_save(
            location=StockLocation(name=name, parent=parent, structural=structural)
        )

    stores = location("Stores")
    returns = location("Returns", structural=True)
    quarantine = location("Quarantine", returns)
    part = PartFactory(name="E-Bike Motor M400", IPN="MOT-400", trackable=True, salable=True)
    item = StockItemFactory(part=part, serial="E2E-4242", location=stores, quantity=Decimal(1))
    decoy = StockItemFactory(part=part, serial="E2E-1001", location=stores, quantity=Decimal(1))
    stock_services.stock_items_assign(
        items=[item, decoy], customer=customer, user=user, notes="Sold"
    )
    return SimpleNamespace(
        user=user,
        customer=customer,
        contact=contact,
        address=address,
        other=other,
        other_contact=other_contact,
        other_address=other_address,
        stores=stores,
        returns=returns,
        quarantine=quarantine,
        part=part,
        item=item,
        decoy=decoy,
        today=timezone.localdate(),
    )


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def shoot(screenshot_dir):
    """``shoot(page, "detail")``: a full-page screenshot in test-artifacts/screenshots/."""

    def _shoot(page: Page, name: str) -> Path:
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shoot


@pytest.fixture
def log_in():
    """``log_in(page)``: sign in as the scenario's superuser through the login page."""

    def _log_in(page: Page, username: str = USERNAME, password: str = PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return _log_in

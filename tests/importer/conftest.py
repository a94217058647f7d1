import pytest

from tests.factories import GroupFactory, UserFactory
from tests.importer.fake_source import FakeSource


@pytest.fixture
def local_owners(db):
    """The local user and group the samples' owners "alice" and "Service desk" match."""
    return UserFactory(username="alice"), GroupFactory(name="Service desk")


@pytest.fixture
def fake_source():
    return FakeSource()

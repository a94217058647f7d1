"""The fuzz tests' marker (registered here: the project's pytest settings stay untouched)."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "fuzz: property-based fuzzing of every API operation (schemathesis)"
    )

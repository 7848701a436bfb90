"""Suite-wide settings: Hypothesis profiles and the PostgreSQL server switch.

Profiles: ``ci`` (default, quick) and ``thorough`` (``HYPOTHESIS_PROFILE=thorough``).
PostgreSQL tests run against ``LEDGERCORE_TEST_POSTGRES_URL``; without it they skip with a
reason, unless ``LEDGERCORE_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) turns that skip into
a failure, so CI can never pass while silently skipping the server tests.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

POSTGRES_URL_VARIABLE = "LEDGERCORE_TEST_POSTGRES_URL"
# The fixtures that reach the server, and the parameter value that picks it.
POSTGRES_FIXTURES = frozenset({"postgres_url", "fresh_pg_database", "pg_url"})
POSTGRES_PARAMETER = "postgresql"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every PostgreSQL test `postgres`, so ``pytest -m postgres`` selects them.

    A test is one when it uses a server fixture, or when a parametrized fixture or argument
    of it takes the value "postgresql" (the `database_url` style of running on each engine).
    """
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        params = callspec.params.values() if callspec is not None else ()
        if fixtures & POSTGRES_FIXTURES or any(
                isinstance(value, str) and value == POSTGRES_PARAMETER for value in params):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The server URL for PostgreSQL tests; skips (or fails in CI) when none is given."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        reason = f"no PostgreSQL server: set {POSTGRES_URL_VARIABLE} (bash .ci/postgres.sh)"
        if os.environ.get("LEDGERCORE_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason + " — required in CI")
        pytest.skip(reason)
    return url

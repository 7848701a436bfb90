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

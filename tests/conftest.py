"""Suite-wide settings: Hypothesis profiles and the PostgreSQL server switch.

Profiles: ``ci`` (default, quick) and ``thorough`` (``HYPOTHESIS_PROFILE=thorough``).
A test that states its own example count (a database per example is costly) states it
for the ``ci`` profile through `scaled`, so ``thorough`` multiplies it too. Failing
examples are saved to Hypothesis's example database and replayed first on the next run:
``.hypothesis/`` in the working directory, or the directory ``HYPOTHESIS_DATABASE`` names
(CI points it at a directory its runner keeps between runs; docs/testing.md).
PostgreSQL tests run against ``LEDGERCORE_TEST_POSTGRES_URL``; without it they skip with a
reason, unless ``LEDGERCORE_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) turns that skip into
a failure, so CI can never pass while silently skipping the server tests.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

CI_EXAMPLES = 60
_SUPPRESSED = [HealthCheck.too_slow, HealthCheck.data_too_large]


def _register(name: str, max_examples: int, **options: Any) -> None:
    path = os.environ.get("HYPOTHESIS_DATABASE")
    if path:
        options["database"] = DirectoryBasedExampleDatabase(path)
    settings.register_profile(name, max_examples=max_examples, deadline=None,
                              suppress_health_check=_SUPPRESSED, **options)


_register("ci", CI_EXAMPLES)
_register("thorough", 1000)
# tests/mutation.py: the ci budget, no shrinking (a mutant only needs to fail) and no
# example database (a mutant's failures must not be replayed against the real code).
settings.register_profile("mutation", max_examples=CI_EXAMPLES, deadline=None,
                          suppress_health_check=_SUPPRESSED, database=None,
                          phases=[Phase.explicit, Phase.generate])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def scaled_examples(ci_examples: int) -> int:
    """`ci_examples` (a count chosen for the ``ci`` profile) scaled to the loaded one."""
    loaded: int = settings().max_examples
    return max(1, ci_examples * loaded // CI_EXAMPLES)


def scaled(ci_examples: int) -> settings:
    """Settings running `ci_examples` examples under ``ci``, proportionally more under
    ``thorough`` (16x): use instead of ``settings(max_examples=...)``."""
    return settings(max_examples=scaled_examples(ci_examples))


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

"""A fuzz of the command line over hostile JSON and options: never a traceback.

Each example takes a bundled payload, plants hostile values in it (huge and exotic
numbers, lone surrogates, NUL, over-long ids, far dates, numbers for dates, deep
nesting, wrong types), imports it under its own or another kind, then runs reports and
verify with hostile bounds, tags and ledger names. The only outcomes allowed: success,
exit 1 from verify (discrepancies), or exit 2 with one ``error: ...`` paragraph ending in
its ``[code]``; on a refusal the ledger's rows are unchanged. Runs in-process
(`CliRunner`, exceptions propagate); on SQLite with the profile's examples, on
PostgreSQL with fewer (where the engine matters: text and number limits).
"""

from __future__ import annotations

import json
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgercore.domain import MAX_AMOUNT, MAX_TOTAL
from tests.integration.conftest import fresh_pg_database, pg_url, unique_name  # noqa: F401 (fixtures)

from .conftest import (
    ALPACA_JIT,
    ALPACA_JOURNALS,
    LAYER_BALANCES,
    LAYER_ENTRIES,
    Outcome,
    counts,
    load,
    run_on,
)

KINDS = {"layer-entries": LAYER_ENTRIES, "layer-balances": LAYER_BALANCES,
         "alpaca-jit-balances": ALPACA_JIT, "alpaca-journals": ALPACA_JOURNALS}
DOCUMENTS = {kind: load(path) for kind, path in KINDS.items()}
VERIFIED = ("layer-balances", "alpaca-jit-balances")


class Raw(str):
    """JSON text planted as is (a number too long for Python, deep nesting)."""


raw_texts = st.sampled_from([
    "1" + "0" * 5000, "-" + "9" * 4400, "1e400", "-1e400", "1E-400", "0.1e99999999",
    "9" * 400 + ".5", "[" * 3000 + "]" * 3000, '{"a":' * 2000 + "1" + "}" * 2000,
    "NaN", "Infinity", "-Infinity", "-0", "1.0", "123456789012345678901234567890.12",
]).map(Raw)
numbers = (st.sampled_from([2**63 - 1, 2**63, -(2**63) - 1, 10**30, MAX_AMOUNT,
                            MAX_AMOUNT + 1, MAX_TOTAL, MAX_TOTAL + 1, 0, -1, 1])
           | st.integers() | st.floats(allow_nan=False, allow_infinity=False))
amount_texts = st.sampled_from([
    "92233720368547758.07", "92233720368547758.08", "1e400", "1" + "0" * 70, "-0.00",
    " 1 ", "١٢", "0x10", "1_000", ".5", "5.", "+3", "1.234", "40000000000000000.01",
    "9" * 100, "",
])
texts = (st.sampled_from(["\ud800", "a\udfffb", "nul\x00", "x" * 201, "y" * 65, "", " ",
                          "\U0001f3e0", "é" * 200, "DEBIT", "CREDIT", "executed", "JNLS"])
         | st.text(max_size=12))
dates = st.sampled_from([
    "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z", "2024-02-30T00:00:00Z", "2024-01-01", "9999-12-31",
    "0001-01-01", "2024-06-10T25:00:00Z", "2024-06-10T12:00:00", 1_700_000_000, 20240610,
])
hostile = raw_texts | numbers | amount_texts | texts | dates | st.none() | st.booleans() \
    | st.just([]) | st.just({})


def _slots(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value a hostile value can go."""
    out = [path]
    if isinstance(value, dict):
        for key, inner in value.items():
            out += _slots(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            out += _slots(inner, (*path, index))
    return out


def _planted(document: Any, plants: list[tuple[int, Any]]) -> str:
    """The document with each (slot number, value) planted, as JSON text."""
    document = deepcopy(document)
    raws: dict[str, str] = {}
    for number, value in plants:
        slots = _slots(document)
        path = slots[number % len(slots)]
        if isinstance(value, Raw):
            marker = f"__raw_{len(raws)}__"
            raws[marker], value = str(value), marker
        if not path:
            document = value
            continue
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = value
    text = json.dumps(document)
    for marker, literal in raws.items():
        text = text.replace(f'"{marker}"', literal)
    return text


bounds = st.none() | dates.map(str) | st.sampled_from(["2024-01-01", "2024-06-30T00:00:00Z",
                                                       "", "Q1", "2024-13-01", "\ud800"])
tags = st.lists(st.tuples(texts.filter(bool), texts).map(lambda kv: f"{kv[0]}={kv[1]}"),
                max_size=2)


def _range(data: st.DataObject) -> list[str]:
    args: list[str] = []
    for option in ("--start", "--end"):
        bound = data.draw(bounds)
        if bound is not None:
            args += [option, bound]
    args.append(data.draw(st.sampled_from(["--end-inclusive", "--end-exclusive"])))
    return args


def _check(outcome: Outcome, *, verify: bool = False) -> None:
    """Success, discrepancies (verify only), or one refusal paragraph with its code."""
    assert "Traceback" not in outcome.stderr + outcome.stdout, outcome.stderr
    allowed = (0, 1, 2) if verify else (0, 2)
    assert outcome.exit_code in allowed, (outcome.exit_code, outcome.stderr[-2000:])
    if outcome.exit_code == 2:
        paragraph = outcome.stderr.strip()
        assert paragraph.startswith("error:"), paragraph[:500]
        assert "\n\n" not in paragraph
        assert outcome.code is not None, paragraph[-500:]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzzed(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """(database URL, ledger) holding the Layer example, shared by the examples."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'books.db'}"
    else:
        url = str(request.getfixturevalue("pg_url"))
    ledger = unique_name("fuzz")
    for kind in ("layer-balances", "layer-entries"):
        assert run_on(url)("--ledger", ledger, "import", kind, KINDS[kind]).exit_code == 0
    return url, ledger


EXAMPLES = settings.default.max_examples


@settings(max_examples=max(20, EXAMPLES // 2), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_hostile_payloads_and_options_never_crash(fuzzed: tuple[str, str],
                                                  tmp_path: Path,
                                                  data: st.DataObject) -> None:
    url, ledger = fuzzed
    if url.startswith("postgresql") and data.draw(st.integers(0, 4)) != 0:
        return  # PostgreSQL: a fifth of the examples (each run opens a server connection)
    run = run_on(url)
    source = data.draw(st.sampled_from(sorted(KINDS)))
    plants = data.draw(st.lists(st.tuples(st.integers(0, 10**6), hostile), min_size=1,
                                max_size=4))
    text = _planted(DOCUMENTS[source], plants)
    payload = tmp_path / f"hostile-{data.draw(st.integers(0, 10**9))}.json"
    payload.write_text(text, encoding="utf-8", errors="surrogatepass")
    kind = data.draw(st.sampled_from([source, source, *sorted(KINDS)]))

    before = counts(url, ledger)
    outcome = run("--ledger", ledger, "import", kind, payload, "--quiet")
    _check(outcome)
    if outcome.exit_code == 2:
        assert counts(url, ledger) == before

    period = _range(data)
    options = period + [arg for tag in data.draw(tags) for arg in ("--tag", tag)]
    party = data.draw(st.none() | texts.filter(bool))
    if party is not None:
        options += [data.draw(st.sampled_from(["--customer", "--vendor"])), party]
    for command in (["balances", "--format", data.draw(st.sampled_from(
            ["json", "table", "csv", "layer", "alpaca"]))],
                    ["entries", "--format", data.draw(st.sampled_from(["json", "table"]))]):
        _check(run("--ledger", ledger, *command, *options))
    if kind in VERIFIED:
        verify = ["verify", kind, str(payload)]
        if kind == "layer-balances":
            verify += period
        _check(run("--ledger", ledger, *verify), verify=True)


@settings(max_examples=max(10, EXAMPLES // 4), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=texts | st.text(min_size=1, max_size=300))
def test_hostile_ledger_names_never_crash(fuzzed: tuple[str, str], name: str) -> None:
    url, _ = fuzzed
    _check(run_on(url)("--ledger", name, "balances", "--format", "json"))

"""The pure rules of transfers and balance guards (`ledgercore.domain.transfers`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgercore.domain import USD
from ledgercore.domain.errors import LedgerError
from ledgercore.domain.transfers import (
    Fixture,
    TransferRequest,
    TransferStatus,
    cash,
    check_transition,
    fixture_of,
    floor_units,
    guard_refusal,
    initial_status,
    parse_floor,
    security,
    settlement,
    shortfall,
)

units = st.integers(-10**12, 10**12)


@given(posted=units, held=st.integers(0, 10**12), change=units, floor=units)
def test_a_write_is_refused_exactly_when_it_lowers_available_below_the_floor(
        posted: int, held: int, change: int, floor: int) -> None:
    missing = shortfall(posted, held, change, floor)
    after = posted - held + change
    assert missing >= 0
    if change >= 0:
        assert missing == 0  # paying in, or nothing, is never refused
    else:
        assert missing == max(0, floor - after)
        assert (missing == 0) == (after >= floor)


@given(floor=st.decimals(-10**6, 10**6, places=4, allow_nan=False), scale=st.integers(0, 9))
def test_a_floor_in_minor_units_is_never_looser(floor: object, scale: int) -> None:
    text = parse_floor(str(floor))
    assert text is not None
    got = floor_units(text, scale)
    from decimal import Decimal
    assert Decimal(got) >= Decimal(text).scaleb(scale) > Decimal(got) - 1


def test_fixtures_and_settlement() -> None:
    assert fixture_of("x /fixtures/status=rejected/fixtures/") is Fixture.REJECTED
    assert fixture_of("/fixtures/a=b,status=pending/fixtures") is Fixture.PENDING
    assert fixture_of("no fixtures") is None and fixture_of(None) is None
    with pytest.raises(LedgerError) as caught:
        fixture_of("/fixtures/status=executed/fixtures/")
    assert caught.value.code == "invalid_request"
    assert settlement(Fixture.PENDING) is None
    assert settlement(Fixture.REJECTED) is TransferStatus.REJECTED
    assert settlement(None) is TransferStatus.EXECUTED


def test_initial_status_follows_the_limit_the_fixture_and_an_explicit_hold() -> None:
    small, big = (TransferRequest("a", "b", USD, n) for n in (5_000, 5_001))
    shares = TransferRequest("a", "b", security("AAPL"), 10**12)
    assert initial_status(small, pending_above=5_000, fixture=None,
                          hold=None) is TransferStatus.EXECUTED
    assert initial_status(big, pending_above=5_000, fixture=None,
                          hold=None) is TransferStatus.PENDING
    assert initial_status(shares, pending_above=5_000, fixture=None,
                          hold=None) is TransferStatus.EXECUTED
    assert initial_status(small, pending_above=None, fixture=Fixture.REJECTED,
                          hold=None) is TransferStatus.PENDING
    assert initial_status(big, pending_above=5_000, fixture=None,
                          hold=False) is TransferStatus.EXECUTED


@pytest.mark.parametrize("status", list(TransferStatus))
def test_only_a_pending_transfer_moves_on(status: TransferStatus) -> None:
    for target in TransferStatus:
        if target is TransferStatus.PENDING:
            continue
        if status is TransferStatus.PENDING:
            check_transition("t", status, target)
            continue
        with pytest.raises(LedgerError) as caught:
            check_transition("t", status, target)
        assert caught.value.code == ("cannot_be_deleted" if target is TransferStatus.DELETED
                                     else "invalid_transition")


def test_requests_are_validated_and_refusals_name_the_kind() -> None:
    for bad, path in ((TransferRequest("a", "a", USD, 1), "$.to_account"),
                      (TransferRequest("a", "b", USD, 0), "$.amount"),
                      (TransferRequest("a", "b", USD, 10**17 + 1), "$.amount"),
                      (TransferRequest("a", "b", security("AAPL"), 10**17 + 1), "$.qty"),
                      (TransferRequest("a", "b", security("X"), -1), "$.qty"),
                      (TransferRequest("a", "b", USD, 1, price="1"), "$.price"),
                      (TransferRequest("a", "b", USD, 1, description="x" * 1025),
                       "$.description")):
        with pytest.raises(LedgerError) as caught:
            bad.validate()
        assert (caught.value.code, caught.value.path) == ("invalid_request", path)
    assert cash("jpy").scale == 0 and cash("USD") == USD
    assert guard_refusal("a", USD, 1, 0, -1).code == "insufficient_balance"
    assert guard_refusal("a", security("AAPL"), 1, 0, -1).code == "insufficient_assets"
    assert parse_floor("none") is None and parse_floor("-0010.50") == "-10.5"
    with pytest.raises(LedgerError):
        parse_floor("1e3")
    # No kept balance goes past MAX_TOTAL minor units: a floor beyond it is a slip.
    assert parse_floor("-4000000000000000000") == "-4000000000000000000"
    for beyond in ("4000000000000000001", "-99999999999999999999999999999999999999"):
        with pytest.raises(LedgerError) as caught:
            parse_floor(beyond)
        assert (caught.value.code, caught.value.path) == ("invalid_request", "$.floor")


def test_a_symbol_is_one_commodity_whatever_its_case() -> None:
    assert security("aapl") == security("AAPL") == security("AaPl")

"""Parsing and formatting amounts: the edge cases, spelled out."""

from __future__ import annotations

import pytest

from ledgercore.domain import (
    JPY,
    USD,
    Commodity,
    LedgerError,
    format_fixed,
    format_minor,
    parse_minor,
)


@pytest.mark.parametrize(("text", "scale", "units"), [
    ("4186.36", 2, 418636),
    ("-0.5", 2, -50),
    ("+12", 0, 12),
    (" 12 ", 0, 12),
    ("1.", 2, 100),
    (".5", 1, 5),
    ("0.000000001", 9, 1),
    ("1.50", 1, 15),  # a trailing zero is not an extra decimal
    ("-0", 2, 0),
    # Longer than Decimal's default 28 digits: must not be rounded.
    ("1234567890123456789012345678.91", 2, 123456789012345678901234567891),
])
def test_parse_minor_is_exact(text: str, scale: int, units: int) -> None:
    assert parse_minor(text, scale) == units


@pytest.mark.parametrize("text", [
    "1e3", "1E-2", "NaN", "Infinity", "-inf", "1,000", ".", "", " ", "--1", "+-1", "1.2.3",
    "0x10", "1_000", "\u0663\u0664", "\uff11\uff12", "$5", "5 USD",
])
def test_parse_minor_refuses_anything_but_plain_decimals(text: str) -> None:
    with pytest.raises(LedgerError) as caught:
        parse_minor(text, 2)
    assert caught.value.code == "invalid_amount"
    assert caught.value.value == text


def test_too_many_decimals_is_an_error_with_the_scale() -> None:
    with pytest.raises(LedgerError) as caught:
        parse_minor("0.001", 2)
    assert (caught.value.code, caught.value.scale) == ("invalid_amount", 2)
    with pytest.raises(LedgerError):
        JPY.parse("1.5")


def test_floats_raise_type_error_and_other_types_invalid_amount() -> None:
    with pytest.raises(TypeError):
        parse_minor(1.5, 2)  # type: ignore[arg-type]
    with pytest.raises(LedgerError) as caught:
        parse_minor(15, 2)  # type: ignore[arg-type]
    assert caught.value.code == "invalid_amount"


@pytest.mark.parametrize(("units", "scale", "short", "fixed"), [
    (418636, 2, "4186.36", "4186.36"),
    (418630, 2, "4186.3", "4186.30"),
    (100, 2, "1", "1.00"),
    (-50, 2, "-0.5", "-0.50"),
    (-5, 2, "-0.05", "-0.05"),
    (0, 2, "0", "0.00"),
    (0, 0, "0", "0"),
    (-1200, 0, "-1200", "-1200"),
    (1, 9, "0.000000001", "0.000000001"),
    (10**20, 9, "100000000000", "100000000000.000000000"),
])
def test_format_minor_and_format_fixed(units: int, scale: int, short: str, fixed: str) -> None:
    assert format_minor(units, scale) == short
    assert format_fixed(units, scale) == fixed


@pytest.mark.parametrize("units", [1.0, True, "100", None])
def test_formatting_refuses_anything_but_int(units: object) -> None:
    for formatter in (format_minor, format_fixed):
        with pytest.raises(TypeError):
            formatter(units, 2)  # type: ignore[arg-type]


def test_commodity_validation() -> None:
    assert (USD.code, USD.scale, JPY.scale) == ("USD", 2, 0)
    assert Commodity("AAPL", 9).format(1_500_000_000) == "1.5"
    for code, scale in (("", 2), ("US D", 2), ("USD", 10), ("USD", -1), ("USD", True)):
        with pytest.raises(LedgerError) as caught:
            Commodity(code, scale)
        assert caught.value.code == "invalid_commodity"

"""Properties of exact amounts: decimal strings <-> integer minor units, for every scale."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgercore.domain import Commodity, LedgerError, format_fixed, format_minor, parse_minor
from tests.property.strategies import MAX_SCALE, commodities, decimal_strings, minor_units

scales = st.integers(0, MAX_SCALE)


@given(units=minor_units(), scale=scales)
def test_minor_units_round_trip_through_their_string(units: int, scale: int) -> None:
    text = format_minor(units, scale)
    assert parse_minor(text, scale) == units
    assert parse_minor(format_fixed(units, scale), scale) == units


@given(data=st.data(), scale=scales)
def test_decimal_string_parses_exactly_and_formats_to_its_shortest_form(
        data: st.DataObject, scale: int) -> None:
    text = data.draw(decimal_strings(scale))
    units = parse_minor(text, scale)
    # Oracle: Decimal arithmetic with unbounded precision, independent of the parser.
    sign = -1 if text.startswith("-") else 1
    whole, _, frac = text.lstrip("+-").partition(".")
    expected = sign * (int(whole or "0") * 10**scale + int((frac or "0").ljust(scale, "0")
                                                           if scale else "0"))
    assert units == expected
    shortest = format_minor(units, scale)
    assert parse_minor(shortest, scale) == units
    assert shortest == _shortest(Decimal(text.rstrip(".") if text.endswith(".") else text))


def _shortest(value: Decimal) -> str:
    """The provider form: no exponent, no trailing zeros, no '-0'."""
    if value == 0:
        return "0"
    digits = format(value, "f")
    if "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    return digits


@given(units=minor_units(), scale=st.integers(1, MAX_SCALE))
def test_format_fixed_always_shows_exactly_scale_decimals(units: int, scale: int) -> None:
    text = format_fixed(units, scale)
    whole, _, frac = text.lstrip("-").partition(".")
    assert len(frac) == scale and whole.isdigit() and (whole == "0" or whole[0] != "0")
    assert text.startswith("-") == (units < 0)


@given(scale=st.integers(0, MAX_SCALE - 1), data=st.data())
def test_one_decimal_too_many_is_refused_not_rounded(scale: int, data: st.DataObject) -> None:
    whole = data.draw(st.integers(0, 10**20))
    frac = data.draw(st.integers(0, 10**scale - 1)) if scale else 0
    last = data.draw(st.integers(1, 9))  # a non-zero digit past the scale
    text = f"{whole}.{str(frac).zfill(scale) if scale else ''}{last}"
    with pytest.raises(LedgerError) as caught:
        parse_minor(text, scale)
    assert caught.value.code == "invalid_amount"
    assert caught.value.scale == scale


@given(units=minor_units(), scale=scales, zeros=st.integers(1, 5))
def test_trailing_zeros_beyond_the_scale_are_not_extra_decimals(
        units: int, scale: int, zeros: int) -> None:
    text = format_fixed(units, scale)
    padded = text + ("." if scale == 0 else "") + "0" * zeros
    assert parse_minor(padded, scale) == units


@given(value=st.floats(allow_nan=True, allow_infinity=True), scale=scales)
def test_floats_are_refused_with_type_error(value: float, scale: int) -> None:
    with pytest.raises(TypeError):
        parse_minor(value, scale)  # type: ignore[arg-type]


@given(mantissa=st.integers(-(10**6), 10**6), exponent=st.integers(-12, 12),
       marker=st.sampled_from(["e", "E"]), scale=scales)
def test_exponent_notation_is_refused(mantissa: int, exponent: int, marker: str,
                                      scale: int) -> None:
    with pytest.raises(LedgerError) as caught:
        parse_minor(f"{mantissa}{marker}{exponent}", scale)
    assert caught.value.code == "invalid_amount"


@given(text=st.text(min_size=1, max_size=12), scale=scales)
def test_anything_but_plain_ascii_decimal_notation_is_refused(text: str, scale: int) -> None:
    plain = text.strip()
    ascii_decimal = (plain.lstrip("+-") != "" and len(plain) - len(plain.lstrip("+-")) <= 1
                     and all(c in "0123456789." for c in plain.lstrip("+-"))
                     and plain.count(".") <= 1 and plain.lstrip("+-") != "."
                     )
    try:
        units = parse_minor(text, scale)
    except LedgerError as error:
        assert error.code == "invalid_amount"
        if ascii_decimal:  # well-formed, so only too many decimals may refuse it
            assert error.scale == scale
    else:
        assert ascii_decimal
        assert units == int(Decimal(plain).scaleb(scale))


@given(commodity=commodities(), units=minor_units())
def test_commodity_parse_and_format_use_its_scale(commodity: Commodity, units: int) -> None:
    assert commodity.parse(commodity.format(units)) == units
    assert commodity.format(units) == format_minor(units, commodity.scale)


@given(code=st.sampled_from(["USD", "AAPL"]),
       scale=st.one_of(st.integers(max_value=-1), st.integers(min_value=MAX_SCALE + 1)))
def test_a_scale_outside_0_to_9_is_refused(code: str, scale: int) -> None:
    with pytest.raises(LedgerError) as caught:
        Commodity(code, scale)
    assert caught.value.code == "invalid_commodity"

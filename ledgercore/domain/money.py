"""Commodities and exact amounts in integer minor units.

A commodity (USD, JPY, AAPL) has a `scale`: the number of decimal places of its smallest
unit (USD 2, JPY 0, a security's quantity up to 9). Every amount in ledgercore is an
`int` of those minor units; `Decimal` appears only here, at the edge, to parse and
format the decimal strings providers send. Too many decimals is an error, never a
rounding, and floats are refused outright because they cannot carry money exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext

from ledgercore.domain.errors import InvalidAmount, InvalidCommodity
from ledgercore.domain.limits import MAX_AMOUNT_TEXT

MAX_SCALE = 9
# Plain decimal notation only: an optional sign, digits, an optional fraction.
# Exponents ("1e3"), "NaN", "Infinity", thousands separators and bare "." are refused on
# purpose: a provider that sends them is sending something other than an amount.
# ASCII digits only: `\d` alone would also accept Arabic-Indic or full-width digits.
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,31}")


@dataclass(frozen=True, slots=True)
class Commodity:
    """A unit of account: a currency or a security, with its decimal scale."""

    code: str
    scale: int

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not _CODE.fullmatch(self.code):
            raise InvalidCommodity(f"commodity code {self.code!r} is not a valid code",
                                   commodity=str(self.code))
        if type(self.scale) is not int or not 0 <= self.scale <= MAX_SCALE:
            raise InvalidCommodity(
                f"commodity {self.code} has scale {self.scale!r}; scale must be 0..{MAX_SCALE}",
                commodity=self.code)

    def parse(self, text: str) -> int:
        """Parse a decimal string into minor units of this commodity (see `parse_minor`)."""
        return parse_minor(text, self.scale)

    def format(self, units: int) -> str:
        """Format minor units as this commodity's decimal string (see `format_minor`)."""
        return format_minor(units, self.scale)


USD = Commodity("USD", 2)
JPY = Commodity("JPY", 0)


def parse_minor(text: str, scale: int) -> int:
    """Parse a decimal string exactly into integer minor units.

    Args:
        text: plain decimal notation, e.g. ``"4186.36"``, ``"-0.5"``, ``"12"``.
        scale: decimal places of the commodity's minor unit.

    Returns:
        The amount in minor units: ``parse_minor("4186.36", 2) == 418636``.

    Raises:
        TypeError: `text` is a float (floats cannot represent money exactly).
        InvalidAmount: not plain decimal notation, more decimals than `scale`, or longer
            than `MAX_AMOUNT_TEXT` characters (refused before any conversion). How large
            an amount a line may hold is the line's check (`ledgercore.domain.limits`).
    """
    if isinstance(text, float):
        raise TypeError("floats cannot carry money exactly; pass a decimal string")
    if not isinstance(text, str):
        raise InvalidAmount(f"amount must be a decimal string, got {type(text).__name__}",
                            value=repr(text))
    stripped = text.strip()
    if len(stripped) > MAX_AMOUNT_TEXT:
        # Refused before any conversion: a 50 MB digit run must not take minutes.
        raise InvalidAmount(
            f"an amount of {len(stripped)} characters is longer than any amount a ledger "
            f"can hold (at most {MAX_AMOUNT_TEXT} characters)", value=_shown(text))
    if not _DECIMAL.fullmatch(stripped):
        raise InvalidAmount(
            f"{text!r} is not a plain decimal number (digits, optional sign and point)",
            value=text)
    try:
        value = Decimal(stripped)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already guards this
        raise InvalidAmount(f"{text!r} is not a decimal number", value=text) from exc
    # The default context keeps 28 significant digits and `scaleb` would silently round a
    # longer amount; a context as wide as the text itself makes the shift exact.
    with localcontext() as context:
        context.prec = len(stripped) + scale + 1
        scaled = value.scaleb(scale)
    if scaled != scaled.to_integral_value():
        raise InvalidAmount(
            f"{text!r} has more than {scale} decimal places; it cannot be represented "
            f"exactly and ledgercore does not round", value=text, scale=scale)
    return int(scaled)


def _shown(text: str) -> str:
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} characters)"


def format_minor(units: int, scale: int) -> str:
    """Format minor units as the shortest exact decimal string, as providers write them.

    ``format_minor(418636, 2) == "4186.36"``, ``format_minor(100, 2) == "1"``,
    ``format_minor(-50, 2) == "-0.5"``. Round-trips with `parse_minor` for every scale.

    Raises:
        TypeError: `units` is not an int.
    """
    if type(units) is not int:
        raise TypeError(f"minor units must be int, got {type(units).__name__}")
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), 10**scale)
    if scale == 0 or frac == 0:
        return f"{sign}{whole}"
    digits = f"{frac:0{scale}d}".rstrip("0")
    return f"{sign}{whole}.{digits}"


def format_fixed(units: int, scale: int) -> str:
    """Format minor units with exactly `scale` decimals (``"4186.30"``), for tables."""
    if type(units) is not int:
        raise TypeError(f"minor units must be int, got {type(units).__name__}")
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), 10**scale)
    return f"{sign}{whole}.{frac:0{scale}d}" if scale else f"{sign}{whole}"

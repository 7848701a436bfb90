"""Currencies by ISO 4217 code, with the standard's minor-unit scale.

A provider names a currency by its code ("USD", "JPY"); the scale of its minor unit comes
from ISO 4217, not from the amount's text: JPY has no minor unit (scale 0), the dinars
of Bahrain, Iraq, Jordan, Kuwait, Libya, Oman and Tunisia have three, the Chilean unit
of account CLF four, and the rest of the list two. A code that is not three capital
letters is no currency (`invalid_commodity`).
"""

from __future__ import annotations

from ledgercore.domain.errors import InvalidCommodity
from ledgercore.domain.money import Commodity

# The exceptions to ISO 4217's usual two decimals.
SCALES: dict[str, int] = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
                     "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}


def currency(code: str) -> Commodity:
    """The commodity of an ISO 4217 currency code, with the standard's scale.

    Raises:
        InvalidCommodity: `code` is not three capital letters.
    """
    normal = code.strip().upper()
    if len(normal) != 3 or not normal.isascii() or not normal.isalpha():
        raise InvalidCommodity(f"currency {code!r} is not an ISO 4217 code (three letters, "
                               f"such as USD)", commodity=code)
    return Commodity(normal, SCALES.get(normal, 2))

"""`apportion` against an independent oracle: largest remainder computed with `Fraction`.

The oracle states the rule the way a textbook does: every share's exact quotient
``weight * total / sum(weights)`` as a `Fraction`, its floor, and the spare units given
one each to the largest fractional parts, ties to the earlier weight. A second, brute
force oracle checks the rule's defining property over every candidate rounding of small
inputs. Both compare exactly (no tolerance), so a unit handed to the wrong share (the
smallest remainder, a later tie, a ceiling instead of a floor) fails here.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product
from math import floor

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from ledgercore.domain.deferral import apportion
from tests.property.strategies import MAX_LINE_AMOUNT


def largest_remainder(weights: list[int], total: int) -> tuple[int, ...]:
    """The oracle: exact quotients, floors, spare units to the largest remainders."""
    whole = sum(weights)
    quotients = [Fraction(weight * total, whole) for weight in weights]
    floors = [floor(q) for q in quotients]
    remainders = [q - f for q, f in zip(quotients, floors, strict=True)]
    spare = total - sum(floors)
    assert 0 <= spare <= len(weights)
    ranked = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    up = set(ranked[:spare])
    return tuple(f + (i in up) for i, f in enumerate(floors))


def brute_force(weights: list[int], total: int) -> tuple[int, ...]:
    """Every rounding of the exact quotients (each share floor or ceiling) that adds up to
    `total` and rounds up only shares whose remainder is at least every rounded-down
    share's (ties rounded up first at the earlier weight): there is exactly one."""
    whole = sum(weights)
    quotients = [Fraction(weight * total, whole) for weight in weights]
    choices = [sorted({floor(q), -floor(-q)}) for q in quotients]
    fitting = []
    for shares in product(*choices):
        if sum(shares) != total:
            continue
        up = [i for i, (s, q) in enumerate(zip(shares, quotients, strict=True)) if s > q]
        down = [i for i, (s, q) in enumerate(zip(shares, quotients, strict=True))
                if s < q]

        def rest(i: int) -> Fraction:
            return quotients[i] - floor(quotients[i])

        if all(rest(u) > rest(d) or (rest(u) == rest(d) and u < d)
               for u in up for d in down):
            fitting.append(tuple(shares))
    assert len(fitting) == 1, fitting
    return fitting[0]


_WEIGHT = st.integers(-MAX_LINE_AMOUNT, MAX_LINE_AMOUNT)
_SMALL = st.integers(-12, 12)


@st.composite
def weights_and_totals(draw: st.DrawFn, weight: st.SearchStrategy[int] = _WEIGHT
                       ) -> tuple[list[int], int]:
    """Weights that do not add up to zero (mostly positive, some negative: a discount or
    cash taken with an invoice) and a total between -2 and 2 times their sum, often one
    that leaves remainders (a partial settlement)."""
    weights = draw(st.lists(st.one_of(weight, st.integers(1, 1000)), min_size=1,
                            max_size=7))
    whole = sum(weights)
    assume(whole != 0)
    total = draw(st.one_of(st.integers(-2 * abs(whole), 2 * abs(whole)),
                           st.integers(0, min(abs(whole), 50)),
                           st.sampled_from((0, whole, whole - 1, 1))))
    return weights, total


@example(([1, 1, 1], 2))
@example(([3, 5, 2], 7))  # remainders 0.1, 0.5, 0.4: the spare unit goes to 5
@example(([700, 300], 400))
@given(weights_and_totals())
def test_apportion_equals_the_fraction_oracle(case: tuple[list[int], int]) -> None:
    weights, total = case
    shares = apportion(weights, total)
    assert shares == largest_remainder(weights, total)
    assert sum(shares) == total


@given(weights_and_totals(_SMALL))
def test_the_fraction_oracle_is_the_only_fair_rounding(case: tuple[list[int], int]) -> None:
    weights, total = case
    assert apportion(weights, total) == brute_force(weights, total) == largest_remainder(
        weights, total)


def test_zero_weights_cannot_be_apportioned() -> None:
    with pytest.raises(ValueError):
        apportion([5, -5], 3)

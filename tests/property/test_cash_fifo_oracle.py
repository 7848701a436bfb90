"""The cash view against a naive FIFO settlement model (tests/property/fifo_model.py).

The model is written from the documented rule alone (oldest item first, counterparty
match, largest-remainder recognition with exact fractions, reversals settling or
re-opening exactly their original); it shares no code with `ledgercore.domain.cash`.
Cash-basis balances before every entry instant (and a microsecond after) must equal
the model's, exactly.
"""

from __future__ import annotations

from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from ledgercore.domain import Period, balances
from ledgercore.domain.cash import cash_view
from tests.property.cash_strategies import CHART
from tests.property.fifo_model import FifoJournal, endings, fifo_journals
from tests.property.strategies import LEDGER_ZONES

ZONES = st.sampled_from(LEDGER_ZONES)


def view_endings(journal: FifoJournal, before: datetime | None
                 ) -> dict[tuple[str, str], int]:
    view = cash_view(CHART, journal.entries)
    period = Period(None, before)
    return {(account, code): b.ending for account, by in balances(CHART, view, period).items()
            for code, b in by.items() if b.ending}


@given(fifo_journals(ZONES))
def test_the_cash_view_equals_the_fifo_model(journal: FifoJournal) -> None:
    effects = journal.effects()
    for instant in [*journal.instants(), None]:
        assert view_endings(journal, instant) == endings(effects, instant), instant

"""An Alpaca journal's statuses over time, and what they do to the books.

A journal is seen in one status per pull; the statuses seen, each with the instant it was
seen, are its history. Walked in that order (ties: queued, pending, executed, then the
rest), each change of status is a transition, which Alpaca's journal lifecycle allows
or forbids:

- ``queued`` may become anything; ``pending`` may become ``executed``, ``canceled``,
  ``rejected``, ``deleted`` or ``refused``;
- ``executed`` may only become ``canceled``, ``deleted`` or ``correct`` (a correction);
- ``canceled``, ``rejected``, ``deleted``, ``refused`` and ``correct`` are final.

A forbidden transition (``executed`` back to ``pending``, ``canceled`` to ``executed``, a
status Alpaca does not document) is reported and not applied: the journal keeps the
status it had. Only two transitions move money: reaching ``executed`` posts the journal
(on its own ``settle_date``), and ``executed`` becoming ``canceled``, ``deleted`` or
``correct`` posts its reversal, dated when that status was first seen (the response
carries no instant of the change: ``settle_date`` and ``system_date`` are the journal's
own dates). The result depends on the set of statuses seen, not on the order they
arrived in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

EXECUTED = "executed"
UNDOING = frozenset({"canceled", "deleted", "correct"})
FINAL = frozenset({"canceled", "rejected", "deleted", "refused", "correct"})
_NEXT: dict[str, frozenset[str]] = {
    "queued": frozenset({"pending", EXECUTED, *FINAL}),
    "pending": frozenset({EXECUTED, "canceled", "rejected", "deleted", "refused"}),
    EXECUTED: UNDOING,
}
_ORDER = {"queued": 0, "pending": 1, EXECUTED: 2}


@dataclass(frozen=True, slots=True)
class Transition:
    """One change of a journal's status, seen at `seen_at`."""

    journal_id: str
    before: str
    after: str
    seen_at: datetime

    def __str__(self) -> str:
        return (f"journal {self.journal_id}: {self.before} -> {self.after} "
                f"(seen {self.seen_at.isoformat()})")


@dataclass(frozen=True, slots=True)
class Timeline:
    """What a journal's history comes to.

    Attributes:
        status: the status it has after every allowed transition.
        executed: whether it was ever executed (its posting is due).
        undone: the status and instant of the transition that undid the execution, if
            any (its reversal is due, dated then).
        forbidden: the transitions reported and not applied.
    """

    status: str
    executed: bool
    undone: tuple[str, datetime] | None
    forbidden: tuple[Transition, ...]


def allowed(before: str, after: str) -> bool:
    """Whether Alpaca's lifecycle lets a journal go from `before` to `after`."""
    return before == after or after in _NEXT.get(before, frozenset())


def timeline(journal_id: str, seen: Iterable[tuple[str, datetime]]) -> Timeline:
    """Walk a journal's statuses in the order they were seen.

    Args:
        journal_id: the journal, for the report.
        seen: (status, instant seen) pairs, in any order, repeats allowed.
    """
    history = sorted(set(seen), key=lambda s: (s[1], _ORDER.get(s[0], 3), s[0]))
    if not history:
        raise ValueError("a journal's timeline needs at least one status")
    status = history[0][0]
    executed = status == EXECUTED
    undone: tuple[str, datetime] | None = None
    forbidden: list[Transition] = []
    for after, at in history[1:]:
        if after == status:
            continue
        if not allowed(status, after):
            forbidden.append(Transition(journal_id, status, after, at))
            continue
        if after == EXECUTED:
            executed = True
        elif status == EXECUTED and after in UNDOING:
            undone = (after, at)
        status = after
    return Timeline(status, executed, undone, tuple(forbidden))

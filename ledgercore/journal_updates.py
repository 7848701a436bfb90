"""Alpaca journals pulled again: what a journal's new status does to the books.

The glue between `ledgercore.providers.journal_timeline` (the pure lifecycle) and the
store: for each journal of a response, the statuses recorded before plus the one seen
now make its history; the entries that history calls for (the journal's posting, the
reversal of an execution undone) are returned for posting, each once, and the forbidden
transitions for the import summary. Nothing posted is ever rewritten: a reversal already
posted stays as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ledgercore.domain import JournalEntry, UnknownEntry
from ledgercore.providers import AlpacaJournal
from ledgercore.providers.journal_timeline import Transition, timeline
from ledgercore.store import Ledger
from ledgercore.store.statuses import StatusSeen


@dataclass(slots=True)
class JournalUpdates:
    """What a journals response does beyond its executed journals' postings."""

    entries: list[JournalEntry] = field(default_factory=list)
    statuses: list[StatusSeen] = field(default_factory=list)
    forbidden: list[Transition] = field(default_factory=list)
    reversed: list[str] = field(default_factory=list)


def updates(ledger: Ledger, journals: Sequence[AlpacaJournal],
            postings: Sequence[JournalEntry], seen_at: datetime) -> JournalUpdates:
    """The entries to post for `journals`, seen at `seen_at`, given their history.

    Args:
        ledger: the books (the statuses recorded so far, the entries posted).
        journals: the response's journals.
        postings: the posting of each journal executed in this response.
        seen_at: when the response was pulled.
    """
    out = JournalUpdates()
    known = ledger.journal_statuses([j.id for j in journals])
    built = {entry.id: entry for entry in postings}
    for journal in journals:
        out.statuses.append((journal.id, journal.status, seen_at))
        history = timeline(journal.id, [*known.get(journal.id, ()), (journal.status, seen_at)])
        out.forbidden.extend(history.forbidden)
        posted = _posted(ledger, journal.id)
        original = built.get(journal.id) or posted
        if history.executed and original is not None:
            out.entries.append(original)
        if history.undone is not None and original is not None and history.executed:
            if posted is not None and posted.reversal_id is not None:
                continue  # reversed before: posted history is never rewritten
            status, at = history.undone
            _, reversal = original.reverse(f"{journal.id}:{status}",
                                           entry_at=max(at, original.entry_at), created_at=at)
            out.entries.append(reversal)
            out.reversed.append(journal.id)
    return out


def _posted(ledger: Ledger, entry_id: str) -> JournalEntry | None:
    try:
        return ledger.get_entry(entry_id)
    except UnknownEntry:
        return None

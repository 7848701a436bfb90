"""A naive model of cash-basis settlement, written from the rule in docs/cash-basis.md
without any of `ledgercore.domain.cash`'s code, for the oracle tests.

The journals are the plain shapes a small business books: invoices (receivable against
one to three revenue lines), bills (payable against expense lines), receipts, payments,
credit notes, and reversals of any of them (dated with or after the original), in one
commodity each, with or without a customer or vendor. The model walks the journal in
ledger order and keeps, per invoice or bill, its open amount, what is settled and its
revenue or expense lines:

- an invoice or a bill defers all its revenue or expense until cash settles it;
- a receipt, payment or credit note settles the oldest open items first (by effective
  time, then entry id) of the same clearing account and commodity whose counterparty
  matches (either side without one matches any); what is left over stays on the
  clearing account as unapplied cash;
- an allocation of ``a`` out of an item settled ``s`` so far recognises, per line,
  ``share(s + a) - share(s)`` with ``share(x)`` the largest-remainder split of ``x``
  over the item's lines (exact `Fraction` arithmetic, ties to the earlier line), on
  the settling entry's date;
- the reversal of an invoice or bill settles what is left of exactly that item (its own
  reversing revenue lines count at once); the reversal of a settling entry re-opens what
  that entry settled and takes the recognition back.

Balance-sheet lines (bank, the returns account) count when they happen. The model's
output is the list of dated effects in each account's normal sign; `endings` adds them
up before an instant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from math import floor
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from ledgercore.domain import (
    USD,
    ChartOfAccounts,
    Counterparty,
    Direction,
    JournalEntry,
    LineItem,
)
from tests.property.cash_strategies import CHART, CUSTOMERS, EUR, JPY, VENDORS
from tests.property.strategies import MAX_LINE_AMOUNT

DR, CR = Direction.DEBIT, Direction.CREDIT
OPENS = {"invoice": "ar", "bill": "ap"}
SETTLES = {"receipt": ("ar", "bank"), "payment": ("ap", "bank"),
           "credit_note": ("ar", "returns")}


def shares(weights: Sequence[int], total: int) -> list[int]:
    """Largest remainder with exact fractions: floors, then one unit each to the largest
    remainders, ties to the earlier weight."""
    whole = sum(weights)
    exact = [Fraction(w * total, whole) for w in weights]
    out = [floor(q) for q in exact]
    order = sorted(range(len(weights)), key=lambda i: (out[i] - exact[i], i))
    for i in order[:total - sum(out)]:
        out[i] += 1
    return out


@dataclass
class Item:
    """An invoice's or bill's open amount and the lines it recognises."""

    entry_id: str
    entry_at: datetime
    account: str
    code: str
    party: Counterparty | None
    total: int
    lines: list[tuple[str, int]]  # (P&L account, amount) in the entry's order
    settled: int = 0


Effect = tuple[datetime, str, str, int]  # when, account, commodity code, normal-sign effect


@dataclass
class Model:
    chart: ChartOfAccounts
    items: dict[str, Item] = field(default_factory=dict)
    allocations: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    effects: list[Effect] = field(default_factory=list)

    def effect(self, when: datetime, line: LineItem) -> None:
        normal = self.chart.get(line.account_id).normal
        signed = line.amount if line.direction is normal else -line.amount
        self.effects.append((when, line.account_id, line.commodity.code, signed))

    def recognise(self, when: datetime, item: Item, amount: int) -> None:
        weights = [a for _, a in item.lines]
        before = shares(weights, item.settled)
        after = shares(weights, item.settled + amount)
        for (account, _), b, a in zip(item.lines, before, after, strict=True):
            if a != b:  # a revenue (credit) or expense (debit) line: +recognised
                self.effects.append((when, account, item.code, a - b))
        item.settled += amount

    def post(self, entry: JournalEntry, kind: str, original: JournalEntry | None,
             original_kind: str | None) -> None:
        when = entry.entry_at
        code = entry.line_items[0].commodity.code
        if original is None and kind in OPENS:
            account = OPENS[kind]
            self.items[entry.id] = Item(
                entry.id, when, account, code, entry.counterparty,
                sum(li.amount for li in entry.line_items if li.account_id == account),
                [(li.account_id, li.amount) for li in entry.line_items
                 if li.account_id != account])
            return
        clearing = {"ar", "ap"}
        for line in entry.line_items:
            if line.account_id not in clearing:
                self.effect(when, line)
        (clearing_line,) = [li for li in entry.line_items if li.account_id in clearing]
        amount = clearing_line.amount
        if original is not None and original_kind in OPENS:
            item = self.items[original.id]
            taken = min(amount, item.total - item.settled)
            if taken:
                self.recognise(when, item, taken)
            self.unapplied(when, clearing_line, amount - taken, decrease=True)
            return
        if original is not None:  # the reversal of a settling entry: re-open
            reopened = 0
            for item_id, allocated in reversed(self.allocations.pop(original.id, [])):
                item = self.items[item_id]
                self.recognise(when, item, -allocated)
                reopened += allocated
            self.unapplied(when, clearing_line, amount - reopened, decrease=False)
            return
        account = clearing_line.account_id
        party = entry.counterparty
        pool = sorted((i for i in self.items.values()
                       if i.account == account and i.code == code and i.settled < i.total
                       and (party is None or i.party is None or i.party == party)),
                      key=lambda i: (i.entry_at, i.entry_id))
        made: dict[str, int] = {}
        rest = amount
        for item in pool:
            if rest == 0:
                break
            taken = min(rest, item.total - item.settled)
            self.recognise(when, item, taken)
            made[item.entry_id] = made.get(item.entry_id, 0) + taken
            rest -= taken
        self.allocations[entry.id] = list(made.items())
        self.unapplied(when, clearing_line, rest, decrease=True)

    def unapplied(self, when: datetime, line: LineItem, amount: int, *,
                  decrease: bool) -> None:
        if amount:
            self.effects.append((when, line.account_id, line.commodity.code,
                                 -amount if decrease else amount))


def endings(effects: Iterable[Effect], before: datetime | None) -> dict[tuple[str, str], int]:
    """Per (account, commodity), the sum of effects strictly before `before` (None: all),
    zeros dropped."""
    total: dict[tuple[str, str], int] = defaultdict(int)
    for when, account, code, signed in effects:
        if before is None or when < before:
            total[(account, code)] += signed
    return {k: v for k, v in total.items() if v}


@dataclass(frozen=True)
class FifoJournal:
    """Entries in arrival order, each entry's kind, and which entry a reversal reverses."""

    entries: tuple[JournalEntry, ...]
    kinds: dict[str, str]
    reverses: dict[str, str]

    def effects(self) -> list[Effect]:
        """The model's cash-basis effects of the whole journal."""
        model = Model(CHART)
        by_id = {e.id: e for e in self.entries}
        ordered = sorted(self.entries, key=lambda e: (e.entry_at.astimezone(UTC),
                                                      e.created_at or e.entry_at, e.id))
        for entry in ordered:
            original_id = self.reverses.get(entry.id)
            original = by_id[original_id] if original_id else None
            model.post(entry, self.kinds[entry.id], original,
                       self.kinds[original_id] if original_id else None)
        return model.effects

    def instants(self) -> list[datetime]:
        """Every entry's instant, and a microsecond after it."""
        out = {e.entry_at.astimezone(UTC) for e in self.entries}
        return sorted(out | {t + timedelta(microseconds=1) for t in out})


KINDS = ("invoice", "invoice", "invoice", "bill", "bill", "receipt", "receipt", "receipt",
         "payment", "payment", "credit_note", "reversal", "reversal")
# Several accounts on each side, so which item a payment settles shows in the balances.
REVENUES = ("product", "service", "revenue")
EXPENSES = ("cogs", "rent", "fees", "bad_debt")
DAYS = ("2024-03-09", "2024-03-10", "2024-03-11", "2024-11-02", "2024-11-03")


@st.composite
def fifo_journals(draw: st.DrawFn, zone: st.SearchStrategy[str], max_entries: int = 16
                  ) -> FifoJournal:
    """Random journals of the model's shapes, dated around DST changes in a zone drawn
    from `zone` (local midnights and hours), amounts tiny (rounding) or large."""
    tz = ZoneInfo(draw(zone))
    big = draw(st.booleans())
    amount = st.integers(1, MAX_LINE_AMOUNT // 8) if big else st.integers(1, 9)
    created0 = datetime(2025, 6, 1, tzinfo=UTC)
    entries: list[JournalEntry] = []
    kinds: dict[str, str] = {}
    reverses: dict[str, str] = {}
    for n in range(draw(st.integers(1, max_entries))):
        kind = draw(st.sampled_from(KINDS))
        created = created0 + timedelta(minutes=n)
        candidates = [e for e in entries if e.reversal_id is None and e.id not in reverses]
        if kind == "reversal" and candidates:
            original = draw(st.sampled_from(candidates))
            lag = timedelta(hours=draw(st.sampled_from((0, 0, 1, 24, 24 * 30))))
            updated, reversal = original.reverse(f"r{n}", entry_at=original.entry_at + lag,
                                                 created_at=created)
            entries[entries.index(original)] = updated
            entries.append(reversal)
            kinds[reversal.id] = "reversal"
            reverses[reversal.id] = original.id
            continue
        if kind == "reversal":
            kind = "receipt"
        # Often later in the arrival order means earlier in time (back-dated postings),
        # so the oldest item is not the one with the smallest id.
        late = len(DAYS) - 1 - n % len(DAYS)
        day = datetime.fromisoformat(DAYS[draw(st.sampled_from((late, late, 0, 1, 2, 3, 4)))])
        when = day.replace(hour=draw(st.sampled_from((0, 0, 1, 3, 12))), tzinfo=tz)
        commodity = draw(st.sampled_from((USD, USD, USD, EUR, JPY)))
        lines: list[LineItem]
        party: Counterparty | None
        if kind in OPENS:
            pool = REVENUES if kind == "invoice" else EXPENSES
            pl = [(draw(st.sampled_from(pool)), draw(amount))
                  for _ in range(draw(st.sampled_from((1, 1, 2, 3))))]
            total = sum(a for _, a in pl)
            side = DR if kind == "invoice" else CR
            lines = [LineItem(OPENS[kind], commodity, total, side),
                     *(LineItem(a, commodity, x, side.opposite) for a, x in pl)]
            party = draw(st.sampled_from((None, None, *(CUSTOMERS if kind == "invoice"
                                                        else VENDORS))))
        else:
            clearing, other = SETTLES[kind]
            x = draw(amount) * draw(st.sampled_from((1, 1, 2, 3)))
            side = CR if clearing == "ar" else DR
            lines = [LineItem(other, commodity, x, side.opposite),
                     LineItem(clearing, commodity, x, side)]
            party = draw(st.sampled_from((None, *(CUSTOMERS if clearing == "ar"
                                                  else VENDORS))))
        entry = JournalEntry(f"e{n}", when, tuple(lines), created_at=created,
                             entry_type=kind.upper(), counterparty=party)
        entries.append(entry)
        kinds[entry.id] = kind
    return FifoJournal(tuple(entries), kinds, reverses)

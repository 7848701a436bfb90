"""Verifying a provider's reported figures, against themselves and against the ledger.

A report lists discrepancies: each names the account, the check that failed, the figure
reported, the figure it should have been, and the difference (reported minus expected).
Layer balances: for every node, the reported ``balance`` against the recomputed rolled-up
activity for the same range and basis (`balance_vs_recomputed`), and against the payload
itself — its own ``entries`` in its normal sign plus its children's balances, a child of
the other normality entering negated (`node_total`). Alpaca JIT balances:
``starting + activity = ending`` (`starting_plus_activity`; ``activity_amount`` is read as
an amount, and if that fails but it equals the number of transactions the count reading
is accepted — the report says which held), ``starting`` plus the transactions' amounts =
``ending`` (`transactions_total`), each running balance = previous balance + amount
(`running_balance`; the check re-anchors on each reported balance, so a wrong amount shows
on its own line and a wrong balance on its line and the next), the last running balance =
ending (`last_balance`), and, when the ledger holds that account, the recomputed starting,
ending and per-transaction balances. Checks that cannot run (a line item without a
direction) are named in ``notes``, never reported as failures: a correct payload gives an
empty report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ledgercore.domain import (
    USD,
    LedgerError,
    Normality,
    RolledBalance,
    Statement,
    format_minor,
)
from ledgercore.providers.alpaca_jit import import_alpaca_jit_balances
from ledgercore.providers.alpaca_models import JitLedgerBalances
from ledgercore.providers.batch import ImportBatch, ReportedLedger
from ledgercore.providers.layer_accounts import nested_accounts, to_account
from ledgercore.providers.layer_models import LedgerBalancesResponse, NestedApiLedgerAccount

if TYPE_CHECKING:
    from ledgercore.store import Ledger

Figure = int | str | None


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """One figure that does not agree.

    Attributes:
        reported / recomputed / difference: Layer figures as integer cents, Alpaca
            figures as decimal strings, each as its provider writes them;
            ``difference = reported - recomputed``.
        path: JSON path of the reported figure in the payload.
    """

    account_id: str
    account_name: str | None
    check: str
    reported: Figure
    recomputed: Figure
    difference: Figure
    path: str | None = None
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"account_id": self.account_id, "account_name": self.account_name,
                "check": self.check, "reported": self.reported,
                "recomputed": self.recomputed, "difference": self.difference,
                "path": self.path, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of a verification: ``ok`` when no discrepancy was found."""

    discrepancies: tuple[Discrepancy, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.discrepancies

    def to_json(self) -> dict[str, Any]:
        """``{"ok": bool, "discrepancies": [...], "notes": [...]}``."""
        return {"ok": self.ok, "discrepancies": [d.to_json() for d in self.discrepancies],
                "notes": list(self.notes)}

    def to_text(self) -> str:
        """A plain summary for people, one line per discrepancy."""
        lines = [f"OK: every figure agrees ({len(self.notes)} note(s))" if self.ok else
                 f"{len(self.discrepancies)} discrepancy(ies) found"]
        for d in self.discrepancies:
            name = f" ({d.account_name})" if d.account_name else ""
            if d.recomputed is None:  # nothing to compare with: say why instead
                figures = f"reported {d.reported}" + (f", {d.detail}" if d.detail else "")
            else:
                figures = (f"reported {d.reported}, expected {d.recomputed}, "
                           f"difference {d.difference}")
            lines.append(f"- {d.account_id}{name}: {d.check}: {figures}"
                         + (f" at {d.path}" if d.path else ""))
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)


def verify_layer_balances(payload: LedgerBalancesResponse,
                          recomputed: Mapping[str, RolledBalance] | None = None,
                          *, commodity: str = "USD") -> VerifyReport:
    """Check a Layer balances payload against itself and, if given, the ledger.

    Args:
        payload: the validated response.
        recomputed: `roll_up` of the ledger's own balances for the same range, basis
            and filters (every account of the chart); None checks the payload alone.
        commodity: whose figures the payload reports (Layer: USD).

    Returns:
        The report; a node whose account id the ledger does not know is reported under
        check `unknown_account`.
    """
    found: list[Discrepancy] = []
    notes: list[str] = []
    for path, node, _parent in nested_accounts(payload.data.accounts, "$.data.accounts"):
        account_id = node.id.id or node.id.stable_name or "?"
        normality = _normality(node, path, notes)
        if normality is not None:
            _check_node_total(node, account_id, normality, path, found, notes)
        if recomputed is None:
            continue
        rolled = recomputed.get(account_id)
        if rolled is None:
            found.append(Discrepancy(account_id, node.name, "unknown_account", node.balance,
                                     None, None, f"{path}.id",
                                     "the ledger has no account with this id (import "
                                     "the chart: `ledgercore import layer-balances FILE`)"))
            continue
        figure = rolled.total.get(commodity)
        expected = 0 if figure is None else figure.activity
        if expected != node.balance:
            found.append(Discrepancy(account_id, node.name, "balance_vs_recomputed",
                                     node.balance, expected, node.balance - expected,
                                     f"{path}.balance"))
    return VerifyReport(tuple(found), tuple(notes))


def _normality(node: NestedApiLedgerAccount, path: str, notes: list[str]) -> Normality | None:
    try:
        return to_account(node, path).normal
    except LedgerError as error:
        notes.append(f"{path}: node_total not checked: {error.message}")
        return None


def _check_node_total(node: NestedApiLedgerAccount, account_id: str, normality: Normality,
                      path: str, found: list[Discrepancy], notes: list[str]) -> None:
    omitted = "entries" not in node.model_fields_set  # absent, not an empty list
    if any(item.direction is None for item in node.entries):
        notes.append(f"{path}: node_total not checked: a line item in entries has no "
                     f"direction")
        return
    total = sum(item.amount if item.direction is normality else -item.amount
                for item in node.entries)
    for index, child in enumerate(node.sub_accounts):
        child_normality = _normality(child, f"{path}.sub_accounts[{index}]", notes)
        if child_normality is None:
            return
        total += child.balance if child_normality is normality else -child.balance
    if total != node.balance and omitted:
        # Layer's list-account-balances returns accounts "with their entries omitted":
        # the node's own part is unknown here, not wrong (the ledger check still runs).
        notes.append(f"{path}: node_total not checked: entries omitted (own part "
                     f"{node.balance - total} minor units by difference)")
        return
    if total != node.balance:
        found.append(Discrepancy(
            account_id, node.name, "node_total", node.balance, total, node.balance - total,
            f"{path}.balance", "own entries plus sub-account balances"))


def with_false_reversals(report: VerifyReport, ledger: Ledger) -> VerifyReport:
    """`report` plus a `reversal_mismatch` discrepancy for each account and commodity on
    which a reversal the ledger holds (as a provider sent it) does not net to zero with
    its original: the books are as sent, and these are the figures to question."""
    chart = ledger.chart()
    found = [Discrepancy(
        false.account_id, chart.get(false.account_id).name if false.account_id in chart
        else None, "reversal_mismatch", false.residual, 0, false.residual, None,
        f"{false}") for false in ledger.false_reversals()]
    return VerifyReport((*report.discrepancies, *found), report.notes)


def verify_alpaca_jit(payload: ImportBatch | Iterable[JitLedgerBalances],
                      recomputed: Mapping[str, Statement] | None = None) -> VerifyReport:
    """Check Alpaca JIT ledger balances against themselves and, if given, the ledger.

    Args:
        payload: the imported batch (its ``ledgers``) or the validated ledger objects.
        recomputed: ledger account id -> its `statement` over the same dates (both
            inclusive, with any opening entry before them); ledgers missing from the
            mapping are checked alone.

    Returns:
        The report; ``notes`` say which reading of ``activity_amount`` held.
    """
    batch = payload if isinstance(payload, ImportBatch) else import_alpaca_jit_balances(
        tuple(payload))
    found: list[Discrepancy] = []
    notes: list[str] = []
    for index, ledger in enumerate(batch.ledgers):
        path = f"$[{index}]"

        def report(check: str, reported: int, expected: int, where: str,
                   detail: str | None = None, ledger: ReportedLedger = ledger) -> None:
            found.append(Discrepancy(ledger.account_id, ledger.ledger_name, check,
                                     _usd(reported), _usd(expected),
                                     _usd(reported - expected), where, detail))

        _check_activity(ledger, path, notes, report)
        starting, ending = ledger.starting, ledger.ending
        total = starting + sum(t.amount for t in ledger.transactions)
        if total != ending:
            report("transactions_total", ending, total, f"{path}.ending_balance",
                   "starting balance plus transaction amounts")
        previous = starting
        last_balance = None
        for number, txn in enumerate(ledger.transactions):
            if txn.balance is None:
                previous += txn.amount
                continue
            if txn.balance != previous + txn.amount:
                report("running_balance", txn.balance, previous + txn.amount,
                       f"{path}.transactions[{number}].balance",
                       "previous balance plus this amount")
            previous = last_balance = txn.balance
        if last_balance is not None and last_balance != ending:
            report("last_balance", ending, last_balance, f"{path}.ending_balance",
                   "the last transaction's running balance")
        statement = None if recomputed is None else recomputed.get(ledger.account_id)
        if statement is not None:
            _check_recomputed(ledger, statement, path, report)
        elif recomputed is not None:
            notes.append(f"{path}: ledger {ledger.account_id} is not in the ledger; "
                         f"checked alone")
    return VerifyReport(tuple(found), tuple(notes))


def _check_activity(ledger: ReportedLedger, path: str, notes: list[str],
                    report: Any) -> None:
    text = ledger.activity_amount
    where = f"{path}.activity_amount"
    if text is None:
        notes.append(f"{where}: absent; starting_plus_activity not checked")
        return
    activity = USD.parse(text)
    if ledger.starting + activity == ledger.ending:
        notes.append(f"{where}: read as an amount (starting + activity = ending holds)")
        return
    if text.strip().isdigit() and int(text) == len(ledger.transactions):
        notes.append(f"{where}: read as the number of transactions ({text}); as an amount "
                     f"starting + activity = ending does not hold")
        return
    report("starting_plus_activity", activity, ledger.ending - ledger.starting, where,
           "activity_amount should equal ending_balance - starting_balance")


def _check_recomputed(ledger: ReportedLedger, statement: Statement, path: str,
                      report: Any) -> None:
    code = USD.code
    if statement.starting.get(code, 0) != ledger.starting:
        report("starting_vs_recomputed", ledger.starting, statement.starting.get(code, 0),
               f"{path}.starting_balance")
    if statement.ending.get(code, 0) != ledger.ending:
        report("ending_vs_recomputed", ledger.ending, statement.ending.get(code, 0),
               f"{path}.ending_balance")
    by_entry = {line.entry_id: line for line in statement.lines if line.commodity == code}
    reported_ids = set()
    for number, txn in enumerate(ledger.transactions):
        where = f"{path}.transactions[{number}]"
        if txn.entry_id is None:
            continue  # a zero amount: it posted nothing and can only be checked alone
        reported_ids.add(txn.entry_id)
        line = by_entry.get(txn.entry_id)
        if line is None:
            report("transaction_not_in_ledger", txn.amount, 0, f"{where}.amount",
                   f"no entry {txn.entry_id} in the ledger")
            continue
        if line.amount != txn.amount:
            report("amount_vs_recomputed", txn.amount, line.amount, f"{where}.amount")
        if txn.balance is not None and txn.balance != line.balance:
            report("balance_vs_recomputed", txn.balance, line.balance, f"{where}.balance")
    opening = f"alpaca-jit:{ledger.account_id}:opening:"
    for line in statement.lines:
        # An opening placed for a later window and re-placed by an earlier one (with its
        # reversal) is no transaction of the provider's: it nets to zero.
        if line.commodity == code and line.entry_id not in reported_ids \
                and not line.entry_id.startswith(opening):
            report("transaction_not_reported", 0, line.amount, f"{path}.transactions",
                   f"the ledger's entry {line.entry_id} is missing from the payload")


def _usd(units: int) -> str:
    return format_minor(units, USD.scale)

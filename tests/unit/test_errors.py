"""The shape of ledgercore's errors: stable code, path, structured details, JSON view."""

from __future__ import annotations

import pickle

import pytest

from ledgercore import domain
from ledgercore.domain import LedgerError, UnbalancedEntry

EXPECTED_CODES = {
    "LedgerError": "ledger_error",
    "InvalidAmount": "invalid_amount",
    "InvalidCommodity": "invalid_commodity",
    "UnbalancedEntry": "unbalanced_entry",
    "InvalidEntry": "invalid_entry",
    "UnknownAccount": "unknown_account",
    "InvalidAccount": "invalid_account",
    "InvalidPeriod": "invalid_period",
    "InvalidDate": "invalid_date",
    "AlreadyReversed": "already_reversed",
    "Conflict": "conflict",
    "InsufficientBalance": "insufficient_balance",
    "InvalidPayload": "invalid_payload",
    "UnknownEntry": "unknown_entry",
    "PeriodClosed": "period_closed",
}


@pytest.mark.parametrize(("name", "code"), sorted(EXPECTED_CODES.items()))
def test_every_error_class_has_its_stable_code(name: str, code: str) -> None:
    cls = getattr(domain, name)
    assert issubclass(cls, LedgerError)
    assert cls.code == code
    assert cls("x").code == code


def test_every_exported_error_is_listed_and_codes_are_unique() -> None:
    exported = {name: getattr(domain, name) for name in domain.__all__
                if isinstance(getattr(domain, name), type)
                and issubclass(getattr(domain, name), LedgerError)}
    assert exported.keys() == EXPECTED_CODES.keys()
    codes = [cls.code for cls in exported.values()]
    assert len(set(codes)) == len(codes)


def test_details_read_as_attributes_and_unknown_ones_do_not_exist() -> None:
    error = UnbalancedEntry("entry e1 does not balance", path="$.line_items",
                            entry_id="e1", commodity="USD", residual=-5)
    assert (error.code, error.path) == ("unbalanced_entry", "$.line_items")
    assert (error.entry_id, error.commodity, error.residual) == ("e1", "USD", -5)
    assert dict(error.details) == {"entry_id": "e1", "commodity": "USD", "residual": -5}
    with pytest.raises(AttributeError):
        _ = error.account_id
    assert not hasattr(error, "account_id")


def test_to_dict_is_json_ready() -> None:
    error = UnbalancedEntry("m", path="$.line_items", entry_id="e1", residual=7,
                            commodity=None, extra=("not", "json"))
    view = error.to_dict()
    assert view == {"code": "unbalanced_entry", "message": "m", "path": "$.line_items",
                    "entry_id": "e1", "residual": 7, "commodity": None,
                    "extra": "('not', 'json')"}
    assert "path" not in LedgerError("no path").to_dict()


@pytest.mark.parametrize(("path", "prefix", "expected"), [
    (None, "$.data[3]", "$.data[3]"),
    ("$", "$.data[3]", "$.data[3]"),
    ("$.line_items[0].amount", "$.data[3]", "$.data[3].line_items[0].amount"),
])
def test_at_reroots_the_path_under_a_payload_prefix(path: str | None, prefix: str,
                                                    expected: str) -> None:
    error = domain.InvalidAmount("bad", path=path)
    assert error.at(prefix) is error
    assert error.path == expected


def test_str_carries_code_and_path_and_the_error_survives_pickling() -> None:
    error = domain.InvalidDate("no offset", path="$.entry_at", value="2024-01-01T00:00")
    assert str(error).startswith("[invalid_date]")
    assert "$.entry_at" in str(error)
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is domain.InvalidDate
    assert (clone.code, clone.path, clone.value) == ("invalid_date", "$.entry_at",
                                                     "2024-01-01T00:00")

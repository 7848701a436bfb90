"""The plain table layout: columns padded to the widest cell in terminal columns, figures
right-aligned, and names printed as data (control characters never reach the terminal)."""

from __future__ import annotations

import pytest

from ledgercore.cli import render


def _table(capsys: pytest.CaptureFixture[str], rows: list[list[str]]) -> list[str]:
    render._print_table("Title", ["Name", "Amount"], rows, right=1)
    return capsys.readouterr().out.splitlines()


def test_columns_are_as_wide_as_their_widest_cell(capsys: pytest.CaptureFixture[str]) -> None:
    lines = _table(capsys, [["Cash", "1.00"], ["Receivables", "-12345.67"]])
    assert lines == ["Title", "",
                     "Name            Amount",
                     "-----------  ---------",
                     "Cash              1.00",
                     "Receivables  -12345.67"]


def test_wide_characters_take_two_columns(capsys: pytest.CaptureFixture[str]) -> None:
    lines = _table(capsys, [["現金", "1.00"], ["Cash", "2.00"]])
    assert lines[4:] == ["現金    1.00", "Cash    2.00"]  # both 4 columns wide


def test_control_characters_in_names_are_replaced(capsys: pytest.CaptureFixture[str]) -> None:
    lines = _table(capsys, [["Cash\x1b[31m\nRed", "1.00"]])
    assert "\x1b" not in "".join(lines) and len(lines) == 5
    assert lines[4].startswith("Cash\N{REPLACEMENT CHARACTER}[31m\N{REPLACEMENT CHARACTER}Red")

"""The examples in docs/domain.md run and print what the page says."""

from __future__ import annotations

import doctest
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "domain.md"


def test_domain_doc_examples() -> None:
    # IGNORE_EXCEPTION_DETAIL: an example's exception is checked by type, never by message.
    result = doctest.testfile(str(DOC), module_relative=False, report=True,
                              optionflags=doctest.ELLIPSIS | doctest.IGNORE_EXCEPTION_DETAIL)
    assert result.attempted > 30
    assert result.failed == 0

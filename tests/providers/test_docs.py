"""The examples in docs/providers.md and docs/verify.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parent.parent.parent / "docs"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
SNIPPETS = [(f"{name}#{index}", code) for name in ("providers.md", "verify.md")
            for index, code in enumerate(BLOCK.findall((DOCS / name).read_text()))]


@pytest.mark.parametrize(("where", "code"), SNIPPETS, ids=[w for w, _ in SNIPPETS])
def test_the_documented_example_runs(where: str, code: str) -> None:
    exec(compile(code, where, "exec"), {"__name__": "docs"})

"""Every ```python block in docs/ runs as written (docs/domain.md is a doctest of its own)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parent.parent / "docs"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
SNIPPETS = [(f"{page.name}#{index}", code)
            for page in sorted(DOCS.glob("*.md")) if page.name != "domain.md"
            for index, code in enumerate(BLOCK.findall(page.read_text()))]


def test_the_docs_have_examples() -> None:
    assert {"index.md", "store.md", "providers.md", "verify.md"} <= {
        where.split("#")[0] for where, _ in SNIPPETS}


@pytest.mark.parametrize(("where", "code"), SNIPPETS, ids=[w for w, _ in SNIPPETS])
def test_the_documented_example_runs(where: str, code: str, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # an example that writes ledgercore.db writes it here
    exec(compile(code, where, "exec"), {"__name__": "docs"})

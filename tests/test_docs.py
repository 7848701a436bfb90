"""Every ```python block in docs/ runs as written (docs/domain.md is a doctest of its own).

A page reads as one session: a block runs in the folder where the page's earlier blocks ran
("Open it again to read" finds the books the block before it wrote), each block with its own
imports. The examples check what they claim with ``assert``; a block that only printed a
value, with the value in a comment, would pass whatever the library computed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parent.parent / "docs"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
PAGES = {page.name: BLOCK.findall(page.read_text())
         for page in sorted(DOCS.glob("*.md")) if page.name != "domain.md"}
SNIPPETS = [(f"{name}#{index}", code)
            for name, blocks in PAGES.items() for index, code in enumerate(blocks)]


def test_the_docs_have_examples() -> None:
    assert {"index.md", "store.md", "providers.md", "verify.md"} <= {
        where.split("#")[0] for where, _ in SNIPPETS}


@pytest.mark.parametrize(("where", "code"), SNIPPETS, ids=[w for w, _ in SNIPPETS])
def test_the_documented_example_runs(where: str, code: str, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # an example that writes ledgercore.db writes it here
    name, index = where.split("#")
    for earlier, before in enumerate(PAGES[name][:int(index)]):  # the page so far, in order
        exec(compile(before, f"{name}#{earlier}", "exec"), {"__name__": "docs"})
    exec(compile(code, where, "exec"), {"__name__": "docs"})

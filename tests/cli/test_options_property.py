"""Property: hoisting global options moves exactly them, keeps every other token in order,
and is idempotent, wherever on the line they are written."""

from __future__ import annotations

import typer.main
from hypothesis import given
from hypothesis import strategies as st

from ledgercore.cli import app
from ledgercore.cli.options import GLOBAL_OPTIONS, hoisted

ROOT = typer.main.get_command(app)
COMMANDS = [["balances", "--basis", "cash", "--end", "2024-01-01"], ["entries", "--format", "csv"],
            ["db", "downgrade", "--revision", "base", "--yes"],
            ["import", "layer-entries", "a.json", "b.json", "--quiet"], ["ledgers"]]
VALUES = st.sampled_from(["sqlite:///x.db", "acme", "db", "balances", "--", "-q"])


@st.composite
def lines(draw: st.DrawFn) -> tuple[list[str], list[list[str]], list[str]]:
    """A command line with global options inserted anywhere; (line, globals, the rest)."""
    rest = list(draw(st.sampled_from(COMMANDS)))
    pairs = draw(st.lists(st.tuples(st.sampled_from(GLOBAL_OPTIONS), VALUES,
                                    st.booleans()), max_size=3))
    line = list(rest)
    inserted: list[tuple[int, list[str]]] = []
    for option, value, joined in pairs:
        token = [f"{option}={value}"] if joined else [option, value]
        at = draw(st.integers(0, len(line)))
        # Never between an option of the command and its value, nor inside another pair.
        while at > 0 and (line[at - 1] in {"--basis", "--end", "--format", "--revision"}
                          or line[at - 1] in GLOBAL_OPTIONS):
            at -= 1
        line[at:at] = token
        inserted.append((at, token))
    found_globals: list[list[str]] = []
    index = 0
    while index < len(line):
        token = line[index]
        if token.partition("=")[0] in GLOBAL_OPTIONS and "=" in token:
            found_globals.append([token])
        elif token in GLOBAL_OPTIONS:
            found_globals.append(line[index:index + 2])
            index += 1
        index += 1
    return line, found_globals, rest


@given(lines())
def test_hoisting_moves_only_the_global_options(case: tuple[list[str], list[list[str]],
                                                            list[str]]) -> None:
    line, found_globals, rest = case
    moved = hoisted(ROOT, None, line)
    front = [token for pair in found_globals for token in pair]
    assert moved == front + rest
    assert hoisted(ROOT, None, moved) == moved

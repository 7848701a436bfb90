"""Every `ledgercore ...` command line in README.md and docs/ names a command that exists.

The lines are taken from the code the docs show (fenced blocks other than Python, and
inline code spans); each one's command path (`db upgrade`, `import layer-entries`) is
resolved against the real command tree and run with `--help`, so a renamed or removed
command cannot stay documented.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from ledgercore.cli import app

from .conftest import invoke

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
PROGRAM = re.compile(r"^(?:\$ )?(?:python3? -m )?ledgercore(?: |$)")
INLINE = re.compile(r"`((?:python3? -m )?ledgercore(?: [^`]*)?)`")
FENCE = re.compile(r"^\s*```(\w*)")
# Global options that take a value (their value is not a command word).
VALUED = {"--db", "--ledger"}
WORD = re.compile(r"^[a-z][a-z0-9-]*(\|[a-z][a-z0-9-]*)*$")


def documented_lines() -> list[tuple[str, str]]:
    """(where, command line) for every `ledgercore` invocation the pages show."""
    found: list[tuple[str, str]] = []
    for page in PAGES:
        language: str | None = None  # None: outside a fence
        for number, line in enumerate(page.read_text().splitlines(), 1):
            where = f"{page.relative_to(ROOT)}:{number}"
            fence = FENCE.match(line)
            if fence:
                language = None if language is not None else fence.group(1)
                continue
            if language is None:
                found.extend((where, code) for code in INLINE.findall(line))
            elif language != "python":
                for part in line.strip().split(" && "):
                    part = part.removeprefix("$ ")
                    if PROGRAM.match(part):
                        found.append((where, part))
    return found


def command_path(line: str) -> list[list[str]]:
    """The subcommand words of `line`, each a list of alternatives (`upgrade|current`)."""
    tokens = shlex.split(line.partition(" > ")[0].replace("|", "\\|"), posix=True)
    tokens = [t.replace("\\|", "|") for t in tokens]
    tokens = tokens[tokens.index("ledgercore") + 1:]
    path: list[list[str]] = []
    index, bracket = 0, False
    while index < len(tokens):
        token = tokens[index]
        if bracket or token.startswith("["):
            bracket = not token.endswith("]")
        elif token in VALUED:
            index += 1  # skip its value
        elif token.startswith("-"):
            if path:
                break  # the command's own options: the path is complete
        elif WORD.match(token):
            path.append(token.split("|"))
        else:
            break  # an argument (a file, `...`)
        index += 1
    return path


def resolved(path: list[list[str]]) -> list[list[str]]:
    """Every concrete command the path names; a word the tree lacks is kept (and fails)."""
    import typer.main

    root = typer.main.get_command(app)
    concrete: list[tuple[list[str], object]] = [([], root)]
    for alternatives in path:
        step = []
        for words, command in concrete:
            if not hasattr(command, "commands"):
                step.append((words, command))  # a leaf: the rest are its arguments
                continue
            for word in alternatives:
                step.append(([*words, word], command.commands.get(word)))
        concrete = step
        if all(not hasattr(c, "commands") for _, c in concrete):
            break
    return sorted({tuple(words): words for words, _ in concrete}.values())


DOCUMENTED = documented_lines()
PATHS = sorted({tuple(words): (where, line) for where, line in DOCUMENTED
                for words in resolved(command_path(line))}.items())


def test_the_docs_show_many_commands() -> None:
    assert len(DOCUMENTED) >= 40
    shown = {words for words, _ in PATHS}
    assert {("balances",), ("entries",), ("ledgers",), ("demo",), ("db", "upgrade"),
            ("db", "downgrade"), ("db", "rebuild"), ("import", "layer-entries"),
            ("verify", "layer-balances")} <= shown


def test_a_misspelt_command_is_caught() -> None:
    assert resolved(command_path("ledgercore db rebuild-cash")) == [["db", "rebuild-cash"]]
    assert invoke(["db", "rebuild-cash", "--help"]).exit_code != 0
    assert command_path("$ ledgercore --ledger broker import alpaca-journals x.json") == [
        ["import"], ["alpaca-journals"]]
    assert command_path("ledgercore [--db URL] db upgrade|current [--revision REV]") == [
        ["db"], ["upgrade", "current"]]


@pytest.mark.parametrize(("words", "origin"), PATHS,
                         ids=[" ".join(words) or "ledgercore" for words, _ in PATHS])
def test_a_documented_command_exists(words: tuple[str, ...], origin: tuple[str, str]) -> None:
    where, line = origin
    outcome = invoke([*words, "--help"])
    assert outcome.exit_code == 0, f"{where}: `{line}`: {outcome.stderr}"

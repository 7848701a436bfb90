"""The generated command reference (docs/cli-reference.md on the site) has every command."""

from __future__ import annotations

import typer.main

from ledgercore.cli import app
from ledgercore.cli.reference import MARKER, on_page_markdown, reference_markdown


def _names(command: object, name: str) -> list[str]:
    found = [name]
    for sub_name, sub in getattr(command, "commands", {}).items():
        found += _names(sub, f"{name} {sub_name}")
    return found


def test_every_command_and_option_has_its_place() -> None:
    text = reference_markdown()
    commands = _names(typer.main.get_command(app), "ledgercore")
    assert len(commands) >= 15
    for name in commands:
        assert f"## `{name}`\n" in text, name
    for option in ("`--db`", "`--basis`", "`--revision`", "`--yes`", "`--end-inclusive`"):
        assert option in text
    assert "`accrual` \\| `cash`" in text


def test_the_hook_fills_only_the_marked_page() -> None:
    assert on_page_markdown("# other page\n") == "# other page\n"
    filled = on_page_markdown(f"# Reference\n\n{MARKER}\n")
    assert MARKER not in filled and "## `ledgercore balances`" in filled

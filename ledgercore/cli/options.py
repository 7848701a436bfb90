"""Global options anywhere on the line: `ledgercore balances --db URL` as `--db URL balances`.

`--db` and `--ledger` belong to the top-level command, so Click accepts them only before
the subcommand. People write them after it too; `GlobalOptionsAnywhere` moves them to the
front before parsing, unless the subcommand declares an option of that name itself (then
it is the subcommand's). Everything else keeps its place and its meaning. Choices (enum
options) are read without regard to case, in every command.

Click's classes are reached by duck typing (`get_command`, `params`, `opts`): Typer
releases differ in which Click they build on (some vendor their own copy).
"""

from __future__ import annotations

from typing import Any

from ledgercore.cli.crash import CrashGuardedGroup

GLOBAL_OPTIONS = ("--db", "--ledger")


class GlobalOptionsAnywhere(CrashGuardedGroup):
    """The top-level group: hoists `GLOBAL_OPTIONS` written after the subcommand, and
    makes every choice of every command ignore case (`--basis Cash`, `--format JSON`),
    including the commands other modules register."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ignore_case(self)
        return super().parse_args(ctx, hoisted(self, ctx, args))


def ignore_case(command: Any) -> None:
    """Make the choices of `command` and all its subcommands case-insensitive."""
    for param in command.params:
        if hasattr(param.type, "case_sensitive"):
            param.type.case_sensitive = False
    for sub in getattr(command, "commands", {}).values():
        ignore_case(sub)


def hoisted(group: Any, ctx: Any, args: list[str]) -> list[str]:
    """`args` with every global option (and its value) moved to the front.

    A `--` ends the options: what follows it is never moved.
    """
    own = _options_of(_invoked(group, ctx, args))
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        token = args[index]
        if token == "--":
            rest.extend(args[index:])
            break
        name, equals, _ = token.partition("=")
        if name in GLOBAL_OPTIONS and name not in own:
            if equals:
                front.append(token)
            elif index + 1 < len(args):
                front.extend(args[index:index + 2])
                index += 1
            else:
                rest.append(token)  # no value: Click says the option needs one
        else:
            rest.append(token)
        index += 1
    return front + rest


def _invoked(group: Any, ctx: Any, args: list[str]) -> Any:
    """The innermost command the line names, or None when it names none."""
    command = group
    index = 0
    while hasattr(command, "get_command") and index < len(args):
        token = args[index]
        if token == "--":
            return None
        if token.startswith("-"):
            name = token.partition("=")[0]
            if "=" not in token and name in _valued_options(command):
                index += 1  # skip its value
            index += 1
            continue
        found = command.get_command(ctx, token)
        if found is None:
            return None
        command = found
        index += 1
    return None if command is group else command


def _valued_options(command: Any) -> set[str]:
    """The options of `command` that take a value (`--db URL`, not `--quiet`)."""
    return {opt for param in command.params
            if param.param_type_name == "option" and not param.is_flag and not param.count
            for opt in param.opts}


def _options_of(command: Any) -> set[str]:
    if command is None:
        return set()
    return {opt for param in command.params for opt in param.opts if opt.startswith("-")}

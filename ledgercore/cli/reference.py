"""The command-line reference, written from the command tree itself.

`reference_markdown` walks every command and group of the `ledgercore` app (including those
other modules register) and writes its usage, help and options as Markdown, so the
reference page of the documentation site can never miss or misstate a command. The site's
build calls it through `on_page_markdown`, a MkDocs hook (``hooks:`` in mkdocs.yml), which
fills the page that holds `MARKER`.
"""

from __future__ import annotations

from typing import Any

MARKER = "<!-- ledgercore command reference -->"


def reference_markdown() -> str:
    """Every command of `ledgercore`, depth first in the order `--help` lists them."""
    import typer.main

    from ledgercore.cli import app

    root = typer.main.get_command(app)
    context = root.context_class(root, info_name="ledgercore")
    return "\n".join(_sections(root, context, "ledgercore"))


def _sections(command: Any, context: Any, name: str) -> list[str]:
    out = [f"## `{name}`", "", _first_paragraphs(command.help or ""), "",
           "```text", command.get_usage(context), "```", ""]
    rows = [_row(param) for param in command.params
            if param.param_type_name in ("option", "argument") and not param.hidden]
    if rows:
        out += ["| option or argument | value | default | what |", "|---|---|---|---|",
                *rows, ""]
    for sub_name in getattr(command, "commands", {}):
        sub = command.commands[sub_name]
        if sub.hidden:
            continue
        sub_context = sub.context_class(sub, info_name=sub_name, parent=context)
        out += _sections(sub, sub_context, f"{name} {sub_name}")
    return out


def _row(param: Any) -> str:
    names = ", ".join(f"`{n}`" for n in [*param.opts, *param.secondary_opts])
    if param.param_type_name == "argument":
        names = f"`{param.human_readable_name}`" + (" ..." if param.nargs == -1 else "")
    choices = getattr(param.type, "choices", None)
    if choices:
        value = " \\| ".join(f"`{choice}`" for choice in choices)
    elif getattr(param, "is_flag", False):
        value = "flag"
    else:
        value = str(param.type.name).upper()
    default = param.default
    shown = ("required" if param.required
             else "" if default is None or default is False or default == ()
             else f"`{getattr(default, 'value', default)}`")
    what = " ".join(str(getattr(param, "help", "") or "").split()).replace("|", "\\|")
    return f"| {names} | {value} | {shown} | {what} |"


def _first_paragraphs(text: str) -> str:
    return "\n\n".join(" ".join(part.split()) for part in text.strip().split("\n\n"))


def on_page_markdown(markdown: str, **_: Any) -> str:
    """MkDocs hook: put the reference where a page holds `MARKER`."""
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, reference_markdown())

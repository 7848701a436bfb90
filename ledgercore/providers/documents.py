"""Reading a payload document: bytes to JSON values, with precise errors.

A provider document is one JSON value. Reading it is the first place a file can be bad,
and the user needs to know where: a syntax error becomes `InvalidJson` with the line and
column, a document that simply stops (an interrupted download) becomes
`TruncatedPayload`. Alpaca sends decimal strings but also documents "string/numeric"
amounts, so documents can be read with ``parse_float=Decimal`` to keep a JSON number such
as ``115.5`` exact: a float never enters ledgercore.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from os import PathLike
from pathlib import Path
from typing import Any

from ledgercore.providers.errors import (
    InvalidJson,
    PayloadTooLarge,
    TruncatedPayload,
    UnreadableFile,
)

# A document read whole is read into memory: one past this size is refused. The largest
# provider response ledgercore reads whole is a small fraction of it (a Layer entries
# file of any size is streamed instead).
MAX_DOCUMENT_BYTES = 128 << 20
# Python refuses to convert integer text past 4300 digits (a ValueError inside `json`);
# any such number is read as a stand-in this large, which every amount check refuses.
_DIGIT_LIMIT = 4300
LONG_NUMBER = 10**100


def json_int(text: str) -> int:
    """JSON integer text as an int; a number past Python's digit limit as ±`LONG_NUMBER`."""
    if len(text) <= _DIGIT_LIMIT:
        return int(text)
    return -LONG_NUMBER if text.startswith("-") else LONG_NUMBER


def read_document(path: str | PathLike[str], *,
                  parse_float: Callable[[str], Any] | None = None) -> Any:
    """Read and parse the JSON document at `path`.

    Args:
        path: the file.
        parse_float: how to read JSON numbers with a fraction (e.g. ``Decimal``).

    Raises:
        UnreadableFile: missing, a directory, or not readable.
        PayloadTooLarge: more than `MAX_DOCUMENT_BYTES` (``/dev/zero`` never ends).
        InvalidJson: not UTF-8, or not JSON (``line``/``column`` details).
        TruncatedPayload: the JSON stops before the document is complete.
    """
    name = Path(path).name
    limit = MAX_DOCUMENT_BYTES
    try:
        with open(path, "rb") as stream:
            data = stream.read(limit + 1)
    except OSError as exc:
        raise unreadable(path, exc) from None
    if len(data) > limit:
        raise PayloadTooLarge(
            f"{name}: the file is larger than {limit >> 20} MiB, the most ledgercore reads "
            f"as one document; split it into several files", path="$", source=name,
            limit=limit)
    return parse_document(data, source=name, parse_float=parse_float)


def unreadable(path: str | PathLike[str], exc: OSError) -> UnreadableFile:
    """The refusal of a file that cannot be opened for reading."""
    name = Path(path).name
    reason = exc.strerror or str(exc)
    if isinstance(exc, IsADirectoryError):
        reason = "it is a directory, not a file"
    return UnreadableFile(f"{name}: cannot read the file: {reason}", path="$", source=name,
                          file=str(path))


def parse_document(data: str | bytes, *, source: str | None = None,
                   parse_float: Callable[[str], Any] | None = None) -> Any:
    """Parse one JSON document from text or bytes (see `read_document`)."""
    where = f"{source}: " if source else ""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidJson(f"{where}the file is not UTF-8 text (byte {exc.start})",
                              path="$", source=source, offset=exc.start) from None
    else:
        text = data
    if not text.strip():
        raise InvalidJson(f"{where}the file is empty; expected a JSON document", path="$",
                          source=source, line=1, column=1)
    try:
        return json.loads(text, parse_float=parse_float)
    except json.JSONDecodeError as exc:
        raise decode_error(exc, text, source) from None
    except ValueError:
        # An integer past Python's digit limit: read again with a stand-in for it, so the
        # field's own check refuses it with its JSON path.
        return json.loads(text, parse_float=parse_float, parse_int=json_int)
    except RecursionError:
        raise InvalidJson(f"{where}the JSON nests too deeply to be a provider payload",
                          path="$", source=source) from None


# JSON's whitespace (RFC 8259): a vertical tab or a no-break space after the last value is
# a stray character, not the end of a truncated file.
_JSON_SPACE = " \t\n\r"


def decode_error(exc: json.JSONDecodeError, text: str, source: str | None, *,
                 line: int | None = None, column: int | None = None, offset: int = 0,
                 at_eof: bool = True) -> InvalidJson:
    """Translate a JSONDecodeError into InvalidJson or TruncatedPayload.

    Args:
        exc: the decoder's error on `text`.
        text: the text the decoder saw.
        source: file name for the message.
        line: line of the error in the whole document (default: the decoder's).
        column: column of the error in the whole document (default: the decoder's).
        offset: characters of the document before `text` (streaming reads).
        at_eof: whether `text` reaches the end of the document.
    """
    where = f"{source}: " if source else ""
    line = exc.lineno if line is None else line
    column = exc.colno if column is None else column
    ends_early = at_eof and (exc.pos >= len(text.rstrip(_JSON_SPACE))
                             or exc.msg.startswith("Unterminated string"))
    if ends_early:
        return TruncatedPayload(
            f"{where}the JSON ends early at line {line} column {column} ({exc.msg}); the "
            f"file looks truncated: download or copy it again", path="$", source=source,
            line=line, column=column, offset=offset + exc.pos)
    hint = _hint(text, exc.pos)
    return InvalidJson(f"{where}invalid JSON at line {line} column {column}: {exc.msg}{hint}",
                       path="$", source=source, line=line, column=column,
                       offset=offset + exc.pos)


def _hint(text: str, pos: int) -> str:
    # The commonest hand-edit mistake, and the one in Layer's published sample.
    before = text[:pos].rstrip()
    if before.endswith(",") and text[pos:pos + 1] in "]}":
        return " (a trailing comma before the closing bracket: remove it)"
    return ""

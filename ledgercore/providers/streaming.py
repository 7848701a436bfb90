"""Reading the ``{"data": [...]}`` array of a large document one element at a time.

A Layer entries file can hold a million entries; reading it whole would make memory grow
with the file. `iter_data_array` walks the top-level object with a small hand-written
scanner over a buffered reader and hands each element of the ``data`` array to
`json.JSONDecoder.raw_decode`, so memory holds one read buffer plus one element. Other
top-level keys (``meta``) are decoded and dropped. Errors carry the line and column in the
whole file, a trailing comma is named as such, and a file that stops early is
`TruncatedPayload`, exactly as for documents read whole.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import IO, Any, cast

from ledgercore.providers.documents import decode_error, json_int
from ledgercore.providers.errors import InvalidJson, TruncatedPayload, WrongPayloadKind

_SPACE = re.compile(r"[ \t\n\r]*")
# What may follow a decoded number's end in a read cut inside the number.
_NUMBER_TAIL = re.compile(r"[0-9.eE+-]*")
# An error this close to the end of the buffer may just be an element cut by the read.
_CUT_MARGIN = 64


class _Scanner:
    """A window on a text stream with absolute line/column bookkeeping."""

    def __init__(self, stream: IO[str], source: str | None, chunk_chars: int) -> None:
        self.stream = stream
        self.source = source
        self.chunk = chunk_chars
        self.buf = ""
        self.pos = 0
        self.offset = 0      # characters of the document before buf
        self.line = 1        # line number at buf[0]
        self.column = 1      # column number at buf[0]
        self.eof = False
        self.decoder = json.JSONDecoder()

    def fill(self, size: int | None = None) -> None:
        consumed = self.buf[:self.pos]
        newlines = consumed.count("\n")
        if newlines:
            self.line += newlines
            self.column = len(consumed) - consumed.rfind("\n")
        else:
            self.column += len(consumed)
        self.offset += self.pos
        try:
            more = self.stream.read(size or self.chunk)
        except UnicodeDecodeError as exc:
            where = f"{self.source}: " if self.source else ""
            raise InvalidJson(f"{where}the file is not UTF-8 text ({exc.reason})", path="$",
                              source=self.source) from None
        if not more:
            self.eof = True
        self.buf = self.buf[self.pos:] + more
        self.pos = 0

    def where(self, index: int) -> tuple[int, int]:
        newlines = self.buf.count("\n", 0, index)
        if newlines:
            return self.line + newlines, index - self.buf.rfind("\n", 0, index)
        return self.line, self.column + index

    def peek(self) -> str:
        """The next non-space character ('' at the end of the document)."""
        while True:
            match = _SPACE.match(self.buf, self.pos)
            self.pos = match.end() if match else self.pos
            if self.pos < len(self.buf) or self.eof:
                return self.buf[self.pos:self.pos + 1]
            self.fill()

    def fail(self, what: str) -> InvalidJson:
        line, column = self.where(self.pos)
        where = f"{self.source}: " if self.source else ""
        if self.pos >= len(self.buf) and self.eof:
            return TruncatedPayload(
                f"{where}the JSON ends early at line {line} column {column} (expected "
                f"{what}); the file looks truncated: download or copy it again", path="$",
                source=self.source, line=line, column=column, offset=self.offset + self.pos)
        return InvalidJson(f"{where}invalid JSON at line {line} column {column}: expected "
                           f"{what}", path="$", source=self.source, line=line, column=column,
                           offset=self.offset + self.pos)

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise self.fail(repr(char))
        self.pos += 1

    def value(self) -> Any:
        self.peek()
        # A value longer than a read is read on in ever larger pieces, so a 50 MB digit
        # run is scanned a few times, not once per read.
        size = self.chunk
        while True:
            try:
                obj, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                cut = (exc.pos >= len(self.buf) - _CUT_MARGIN
                       or exc.msg.startswith("Unterminated string"))
                if cut and not self.eof:
                    self.fill(size)
                    size *= 2
                    continue
                line, column = self.where(exc.pos)
                raise decode_error(exc, self.buf, self.source, line=line, column=column,
                                   offset=self.offset, at_eof=self.eof) from None
            except RecursionError:
                raise self.fail("a JSON value that nests less deeply") from None
            except ValueError:
                # An integer past Python's digit limit (see `documents.json_int`): from here
                # on such numbers are read as a stand-in the field checks refuse.
                self.decoder = json.JSONDecoder(parse_int=json_int)
                continue
            if not self.eof and (end >= len(self.buf) or (
                    isinstance(obj, int | float) and _NUMBER_TAIL.fullmatch(self.buf, end))):
                # A number at the end of the read may continue in the next one ("2." of
                # "2.5" decodes as 2 and leaves "." behind).
                self.fill(size)
                size *= 2
                continue
            self.pos = end
            return obj


def iter_data_array(stream: IO[str] | IO[bytes], *, source: str | None = None,
                    key: str = "data", chunk_chars: int = 1 << 20,
                    single_member: str | None = None) -> Iterator[Any]:
    """Yield the elements of the top-level object's `key` array, one at a time.

    Args:
        stream: the document, text or bytes (UTF-8) opened for reading.
        source: file name for messages.
        key: the member holding the array.
        chunk_chars: read size; memory is about this plus the largest element.
        single_member: if given, a `key` that is an object with this member is read as
            the array's only element (a single-entry response).

    Raises:
        InvalidJson / TruncatedPayload: the document is not (complete) JSON.
        WrongPayloadKind: the top level is not an object whose `key` is an array.
    """
    text = (cast(IO[str], stream) if isinstance(stream, io.TextIOBase)
            else io.TextIOWrapper(cast(IO[bytes], stream), encoding="utf-8-sig"))
    scan = _Scanner(text, source, chunk_chars)
    where = f"{source}: " if source else ""
    first = scan.peek()
    if first == "":
        raise InvalidJson(f"{where}the file is empty; expected a JSON document", path="$",
                          source=source, line=1, column=1)
    if first != "{":
        # Read the value first, as a whole-file read does: bad JSON is `invalid_json`
        # (or truncated) whatever its kind; only good JSON of another shape is the wrong
        # kind. (Such a document is decoded whole: it is not what this reader streams.)
        value = scan.value()
        if scan.peek() != "":
            raise scan.fail("the end of the document")
        kind = "array" if isinstance(value, list) else type(value).__name__
        raise WrongPayloadKind(f"{where}the document is a JSON {kind}; a Layer response is "
                               f"an object with a {key!r} member", path="$", source=source)
    scan.expect("{")
    found = False
    wrong: WrongPayloadKind | None = None  # raised once the document has been read
    if scan.peek() == "}":
        scan.pos += 1
    else:
        while True:
            name = scan.value()
            if not isinstance(name, str):
                raise scan.fail("a member name in double quotes")
            scan.expect(":")
            if name == key and not found and scan.peek() == "[":
                found = True
                scan.pos += 1
                yield from _elements(scan)
            elif name == key:
                value = scan.value()
                if single_member is not None and not found and isinstance(value, dict) \
                        and single_member in value:
                    found = True
                    yield value
                else:
                    wrong = wrong or WrongPayloadKind(
                        f"{where}{key!r} is a JSON {type(value).__name__}, not an array",
                        path=f"$.{key}", source=source)
            else:
                scan.value()
            following = scan.peek()
            scan.pos += 1
            if following == "}":
                break
            if following != ",":
                scan.pos -= 1
                raise scan.fail("',' or '}'")
    if scan.peek() != "":
        raise scan.fail("the end of the document")
    if wrong is not None:
        raise wrong
    if not found:
        raise WrongPayloadKind(f"{where}the document has no {key!r} array", path="$",
                               source=source)


def _elements(scan: _Scanner) -> Iterator[Any]:
    if scan.peek() == "]":
        scan.pos += 1
        return
    while True:
        yield scan.value()
        following = scan.peek()
        if following == "]":
            scan.pos += 1
            return
        if following != ",":
            raise scan.fail("',' or ']'")
        scan.pos += 1
        if scan.peek() == "]":
            error = scan.fail("a value")
            error.message += " (a trailing comma before the closing bracket: remove it)"
            error.args = (error.message,)
            raise error

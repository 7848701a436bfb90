"""How a provider payload is refused: error codes, JSON paths, and collected problems.

Every bad payload becomes a `LedgerError` with a stable code and the JSON path of the bad
field (``$.data[3].line_items[0].amount``); the file name, when known, leads the message
and sits in the ``source`` detail. Importers collect every problem of a batch before
refusing it (the beancount habit), then raise the first one with all of them attached as
``details["problems"]``, so a user fixes a file in one pass while callers still branch on
one ``code``. pydantic's ValidationError never escapes: `from_validation_error` turns each
of its errors into the matching ledgercore code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError

from ledgercore.domain import (
    InvalidAmount,
    InvalidDate,
    InvalidEntry,
    InvalidPayload,
    LedgerError,
)


class InvalidJson(LedgerError):
    """The file is not JSON at all; ``line`` and ``column`` say where it broke."""

    code = "invalid_json"


class TruncatedPayload(InvalidJson):
    """The JSON ends before the document does (an interrupted download or copy)."""

    code = "truncated_payload"


class UnreadableFile(LedgerError):
    """The file named is missing, a directory, or not readable."""

    code = "unreadable_file"


class PayloadTooLarge(LedgerError):
    """A document read whole is larger than ledgercore reads into memory."""

    code = "payload_too_large"


class WrongPayloadKind(LedgerError):
    """The file is valid JSON but another kind of payload than the one named."""

    code = "wrong_payload_kind"


class ProviderErrorResponse(WrongPayloadKind):
    """The file is the provider's own error response (a failed request), not a payload.

    The message carries the provider's description and error code; so do the
    ``provider_description`` and ``provider_code`` details.
    """

    code = "provider_error"


# Custom pydantic error types raised by our validators carry a ledgercore code as their
# type name, so translating them back is a lookup rather than message parsing.
_BY_CODE: dict[str, type[LedgerError]] = {
    cls.code: cls for cls in (InvalidAmount, InvalidDate, InvalidEntry, InvalidPayload)}
_DATE_TYPES = ("date", "datetime", "time", "timezone")
MAX_PROBLEMS = 100


def json_path(loc: Iterable[int | str], root: str = "$") -> str:
    """``('data', 3, 'amount')`` -> ``$.data[3].amount`` (pydantic's internal steps dropped)."""
    out = [root]
    for step in loc:
        if isinstance(step, int):
            out.append(f"[{step}]")
        elif "[" in step or step[:1].isupper():
            # function-after[...] or a model name inside a union: not a payload field.
            continue
        else:
            out.append(f".{step}")
    return "".join(out)


def from_validation_error(exc: ValidationError, *, root: str = "$",
                          source: str | None = None) -> list[LedgerError]:
    """Translate each error of a pydantic ValidationError into a LedgerError.

    Args:
        exc: the ValidationError.
        root: JSON path of the validated value within the whole document.
        source: file name, for the message and the ``source`` detail.

    Returns:
        One LedgerError per pydantic error, in pydantic's order.
    """
    problems: list[LedgerError] = []
    for error in exc.errors(include_url=False):
        kind = str(error["type"])
        path = json_path(error["loc"], root)
        cls = _BY_CODE.get(kind)
        if cls is None:
            cls = InvalidDate if kind.startswith(_DATE_TYPES) else InvalidPayload
        value = error.get("input")
        problems.append(cls(_where(source, f"{error['msg']}"), path=path, source=source,
                            pydantic_type=kind, value=_short(value)))
    return problems


def refuse(problems: Sequence[LedgerError], *, source: str | None = None) -> LedgerError:
    """The one error to raise for a refused batch: the first problem, carrying them all.

    Args:
        problems: every problem found, in document order (at least one).
        source: file name, prefixed to the message if not already there.

    Returns:
        The first problem, its message saying how many more there are and its
        ``problems`` detail holding all of them (``err.problems``).
    """
    first = problems[0]
    if source is not None and not first.message.startswith(f"{source}:"):
        first.message = _where(source, first.message)
    if len(problems) > 1:
        first.message += f" (and {len(problems) - 1} more problem(s) in this batch)"
    first.details = {**first.details, "source": source, "problems": tuple(problems),
                     "problem_count": len(problems)}
    first.args = (first.message,)
    return first


def unwrap_single(problems: Sequence[LedgerError], single: bool) -> Sequence[LedgerError]:
    """Paths of a document that was one object read as ``[object]``: ``$[0].x`` -> ``$.x``."""
    if single:
        for problem in problems:
            if problem.path is not None and problem.path.startswith("$[0]"):
                problem.path = "$" + problem.path.removeprefix("$[0]")
    return problems


def located(error: LedgerError, prefix: str, source: str | None) -> LedgerError:
    """`error` re-rooted under `prefix` (a domain error raised on one payload element)."""
    error.at(prefix)
    if source is not None and not error.message.startswith(f"{source}:"):
        error.message = _where(source, error.message)
        error.args = (error.message,)
    return error


def _where(source: str | None, message: str) -> str:
    return f"{source}: {message}" if source else message


def _short(value: Any) -> str | None:
    if value is None:
        return None
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."

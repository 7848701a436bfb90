"""beancount's side of the balance report: load a file, sum every account over a range.

Run by the benchmark with beancount 3's own interpreter (``benchmarks/peers/venv``), one
cold process per measurement, as ``python beancount_balances.py FILE START END``: it
loads and validates the file with ``beancount.loader`` (the pickle cache switched off, so
every run parses), sums the postings of transactions dated in ``[START, END)`` per
account and prints a JSON object of account -> debit-signed cents.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from datetime import date
from decimal import Decimal

from beancount import loader  # type: ignore[import-not-found]
from beancount.core import data  # type: ignore[import-not-found]


def main(path: str, start_text: str, end_text: str) -> int:
    loader.initialize(use_cache=False)
    entries, errors, _options = loader.load_file(path)
    if errors:
        print(f"beancount reported {len(errors)} error(s), first: {errors[0]}", file=sys.stderr)
        return 1
    start, end = date.fromisoformat(start_text), date.fromisoformat(end_text)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        if isinstance(entry, data.Transaction) and start <= entry.date < end:
            for posting in entry.postings:
                totals[posting.account] += posting.units.number
    print(json.dumps({account: int(total * 100) for account, total in sorted(totals.items())}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:4]))

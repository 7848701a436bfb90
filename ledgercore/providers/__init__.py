"""Provider payloads: Alpaca and Layer models, importers into domain objects, exporters.

Import: ``parse_*`` validates a parsed JSON document into the provider's pydantic model;
``import_*`` maps a document (or its model) into an `ImportBatch` of domain accounts and
journal entries; ``read_*`` does both from a file; `iter_layer_entries` streams a large
Layer entries file in batches. Export: ``export_*`` computes from domain entries and
writes the provider's response shape; ``*_response`` / ``*_json`` write figures already
computed (by the store). Every bad input raises a `LedgerError` with a stable code and a
JSON path. See docs/providers.md.
"""

from ledgercore.providers.alpaca_export import export_alpaca_jit_balances, jit_ledger_json
from ledgercore.providers.alpaca_jit import (
    import_alpaca_jit_balances,
    jit_entry_id,
    ledger_account_ids,
    parse_alpaca_jit_balances,
    read_alpaca_jit_balances,
)
from ledgercore.providers.alpaca_journals import (
    import_alpaca_journals,
    parse_alpaca_journals,
    read_alpaca_journals,
)
from ledgercore.providers.alpaca_models import AlpacaJournal, JitLedgerBalances, JitTransaction
from ledgercore.providers.batch import (
    ImportBatch,
    PayloadKind,
    ReportedLedger,
    ReportedTransaction,
    SkippedJournal,
)
from ledgercore.providers.documents import parse_document, read_document
from ledgercore.providers.errors import InvalidJson, TruncatedPayload, WrongPayloadKind
from ledgercore.providers.kinds import detect_kind
from ledgercore.providers.layer_balances import (
    import_layer_balances,
    parse_layer_balances,
    read_layer_balances,
)
from ledgercore.providers.layer_entries import (
    import_layer_entries,
    iter_layer_entries,
    read_layer_entries,
)
from ledgercore.providers.layer_export import (
    export_layer_balances,
    export_layer_entries,
    layer_balances_response,
    layer_entries_response,
    own_lines_in,
)
from ledgercore.providers.layer_models import (
    ApiLineItem,
    LedgerBalancesResponse,
    LedgerEntriesResponse,
    LedgerEntry,
    NestedApiLedgerAccount,
)

__all__ = [
    "AlpacaJournal",
    "ApiLineItem",
    "ImportBatch",
    "InvalidJson",
    "JitLedgerBalances",
    "JitTransaction",
    "LedgerBalancesResponse",
    "LedgerEntriesResponse",
    "LedgerEntry",
    "NestedApiLedgerAccount",
    "PayloadKind",
    "ReportedLedger",
    "ReportedTransaction",
    "SkippedJournal",
    "TruncatedPayload",
    "WrongPayloadKind",
    "detect_kind",
    "export_alpaca_jit_balances",
    "export_layer_balances",
    "export_layer_entries",
    "import_alpaca_jit_balances",
    "import_alpaca_journals",
    "import_layer_balances",
    "import_layer_entries",
    "iter_layer_entries",
    "jit_entry_id",
    "jit_ledger_json",
    "layer_balances_response",
    "layer_entries_response",
    "ledger_account_ids",
    "own_lines_in",
    "parse_alpaca_jit_balances",
    "parse_alpaca_journals",
    "parse_document",
    "parse_layer_balances",
    "read_alpaca_jit_balances",
    "read_alpaca_journals",
    "read_document",
    "read_layer_balances",
    "read_layer_entries",
]

#!/usr/bin/env bash
# The wheel proof: build ledgercore's wheel, install it in a fresh virtual environment
# outside the checkout, and use it from an empty directory as a new user would:
# --version, db upgrade, demo, and a short program that opens a ledger and posts an entry.
# Any failing step fails the script (and .ci/run with it).
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$PWD
work=$(mktemp -d /tmp/ledgercore-wheel.XXXXXX)
trap 'rm -rf "$work"' EXIT

step() { echo "wheel check: $*" >&2; }

step "building the wheel"
python3 -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" "$checkout"
wheel=$(ls "$work"/dist/ledgercore-*.whl)
python3 - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
wanted = ["ledgercore/py.typed", "ledgercore/examples/layer_entries.json",
          "ledgercore/migrations/env.py", "ledgercore/migrations/versions/0001_initial_schema.py"]
missing = [m for m in wanted if m not in names]
if not any(n.endswith(".dist-info/licenses/LICENSE") for n in names):
    missing.append("LICENSE")
if missing:
    sys.exit(f"wheel check: missing from the wheel: {', '.join(missing)}")
PY

step "installing it in a fresh virtual environment"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "$wheel"

# An empty directory, no checkout on the path, no database chosen by the environment.
mkdir "$work/empty"
cd "$work/empty"
run() { env -u PYTHONPATH -u LEDGERCORE_DATABASE_URL PATH="$work/venv/bin:$PATH" "$@"; }

expected=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$checkout/pyproject.toml")
step "ledgercore --version"
version=$(run ledgercore --version)
echo "$version"
[ "$version" = "ledgercore $expected" ] \
  || { echo "wheel check: expected 'ledgercore $expected', got '$version'" >&2; exit 1; }

step "ledgercore db upgrade"
run ledgercore db upgrade

step "ledgercore demo"
run ledgercore demo > demo.txt || { cat demo.txt; exit 1; }
tail -n 7 demo.txt

step "a program that opens a ledger and posts an entry"
cat > post.py <<'PY'
from datetime import UTC, datetime
from ledgercore import USD, Account, AccountType, Direction, JournalEntry, Ledger, LineItem

with Ledger.open(ledger="app") as books:  # ./ledgercore.db, made by the steps above
    books.define_accounts([Account("bank", "Bank", AccountType.ASSET),
                           Account("sales", "Sales", AccountType.REVENUE)])
    books.post([JournalEntry("inv-1", datetime(2024, 1, 10, tzinfo=UTC), (
        LineItem("bank", USD, 100000, Direction.DEBIT),
        LineItem("sales", USD, 100000, Direction.CREDIT)))])
    assert books.balances()["sales"]["USD"].ending == 100000
    print("posted inv-1:", books.get_entry("inv-1").id)
PY
run python post.py
run ledgercore ledgers
run ledgercore --ledger app balances
[ -z "$(ls "$work/empty" | grep -v -x -e ledgercore.db -e demo.txt -e post.py \
        -e ledgercore.db-wal -e ledgercore.db-shm)" ] \
  || { echo "wheel check: unexpected files left behind:" >&2; ls "$work/empty" >&2; exit 1; }
step "passed"

"""`python -m ledgercore` runs the command line."""

from ledgercore.cli import app

app(prog_name="ledgercore")

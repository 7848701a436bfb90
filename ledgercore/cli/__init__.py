"""The `ledgercore` command line (`app`), a thin layer over the public Python API.

`app` holds the commands, `errors` the exit-2 refusals, `render` the tables and JSON.
"""

from ledgercore.cli.app import app

__all__ = ["app"]

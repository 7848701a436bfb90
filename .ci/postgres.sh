#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on loopback and print its SQLAlchemy URL.
# Installs Debian's `postgresql` package when no server binaries are present.
# Usage: eval "$(bash .ci/postgres.sh)"   (exports LEDGERCORE_TEST_POSTGRES_URL)
set -euo pipefail
port="${LEDGERCORE_PG_PORT:-54329}"
# Skip ports something already listens on (a developer's own server, an earlier run).
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "installing Debian's postgresql package" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
# initdb refuses to run as root: run the cluster as an unprivileged user.
user=postgres
id "$user" >/dev/null 2>&1 || useradd --system --no-create-home "$user"
data=$(mktemp -d /tmp/ledgercore-pg.XXXXXX)
chown "$user" "$data"
as_user() { if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi; }
as_user "$bindir/initdb" -D "$data/data" -U postgres -A trust --no-sync -E UTF8 >/dev/null
as_user "$bindir/pg_ctl" -D "$data/data" -l "$data/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
echo "export LEDGERCORE_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
echo "export LEDGERCORE_PG_DATA=$data/data"

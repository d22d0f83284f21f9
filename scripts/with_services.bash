#!/usr/bin/env bash
# Runs a command with DATABASE_URL and REDIS_URL pointing at throwaway PostgreSQL
# and Redis instances on unix sockets in a temporary directory, then stops them.
#   scripts/with_services.bash .venv/bin/python -m pytest
set -euo pipefail
tmp=$(mktemp -d /tmp/gridroom-services.XXXXXX)
chmod 755 "$tmp"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  as_pg=(runuser -u postgres --)  # initdb and pg_ctl refuse to run as root
fi
pgdata="$tmp/pg"
cleanup() {
  [ -f "$pgdata/postmaster.pid" ] && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1 || true
  [ -f "$tmp/redis.pid" ] && kill "$(cat "$tmp/redis.pid")" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

redis-server --port 0 --unixsocket "$tmp/redis.sock" --unixsocketperm 700 --save "" \
  --appendonly no --daemonize yes --pidfile "$tmp/redis.pid" --logfile "$tmp/redis.log" --dir "$tmp"

mkdir -p "$pgdata"
[ ${#as_pg[@]} -gt 0 ] && chown postgres "$pgdata" "$tmp"
"${as_pg[@]}" "$pgbin/initdb" -D "$pgdata" -A trust -U postgres -E UTF8 --no-sync >/dev/null
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -o \
  "-k $tmp -p 5432 -c listen_addresses='' -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
  start >/dev/null

for _ in $(seq 50); do
  [ -S "$tmp/redis.sock" ] && break
  sleep 0.1
done
export DATABASE_URL="postgres://postgres@/gridroom?host=$tmp&port=5432"
export REDIS_URL="unix://$tmp/redis.sock"
echo "with_services: PostgreSQL and Redis in $tmp"
"$@"

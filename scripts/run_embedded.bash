#!/usr/bin/env bash
# The embedded default: one uvicorn process serving HTTP and WebSockets, SQLite,
# the in-memory channel layer and the in-process clock. `make run` ends here,
# and so do the end-to-end tests. uvicorn streams request bodies to the app
# (daphne's web layer would parse a whole multipart upload in memory first), and
# proj/embedded.py refuses the bodies that nginx refuses in production.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${GRIDROOM_VENV:-.venv}
"$venv/bin/python" manage.py migrate --noinput -v0
"$venv/bin/python" manage.py collectstatic --noinput -v0
echo "Gridroom on http://${HOST:-127.0.0.1}:${PORT:-8000}/"
# The socket options are daphne's in production: a 1 MiB cap on a message (the
# app closes at GRIDROOM_SOCKET_MAX_MESSAGE_BYTES), no compression; clients
# reach this server directly, so no proxy headers are trusted. No lifespan:
# Channels has none (the clock starts with the first socket). A listen queue of
# 4096 and every file descriptor the hard limit allows let a thousand tabs
# reconnect at once (Linux caps the queue at net.core.somaxconn); no
# --limit-concurrency, which would answer a burst with 503s.
ulimit -n "$(ulimit -Hn)"
exec "$venv/bin/uvicorn" proj.embedded:application \
  --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}" \
  --loop uvloop --http httptools --ws websockets-sansio \
  --ws-max-size 1048576 --ws-per-message-deflate false \
  --no-proxy-headers --lifespan off --timeout-graceful-shutdown 10 --backlog 4096

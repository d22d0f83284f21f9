#!/usr/bin/env bash
# The embedded default: one daphne process serving HTTP and WebSockets, SQLite,
# the in-memory channel layer and the in-process clock. `make run` ends here,
# and so do the end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${GRIDROOM_VENV:-.venv}
"$venv/bin/python" manage.py migrate --noinput -v0
"$venv/bin/python" manage.py collectstatic --noinput -v0
echo "Gridroom on http://${HOST:-127.0.0.1}:${PORT:-8000}/"
exec "$venv/bin/daphne" -b "${HOST:-127.0.0.1}" -p "${PORT:-8000}" proj.asgi:application

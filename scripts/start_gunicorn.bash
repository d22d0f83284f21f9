#!/usr/bin/env bash
# gunicorn (pages and the JSON API) on a unix socket, behind nginx.
#   start_gunicorn.bash [SOCKET]   (default: $GRIDROOM_GUNICORN_SOCKET)
set -euo pipefail
# shellcheck disable=SC1091
. "$(dirname "$0")/env.bash"
export GRIDROOM_GUNICORN_SOCKET=${1:-${GRIDROOM_GUNICORN_SOCKET:?give the socket path}}
exec gunicorn -c deploy/gunicorn.conf.py proj.wsgi:application

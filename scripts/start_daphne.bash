#!/usr/bin/env bash
# One daphne process on a unix socket, behind nginx (supervisor runs one per socket).
#   start_daphne.bash [SOCKET]   (default: $GRIDROOM_DAPHNE_SOCKET)
set -euo pipefail
# shellcheck disable=SC1091
. "$(dirname "$0")/env.bash"
socket=${1:-${GRIDROOM_DAPHNE_SOCKET:?give the socket path as an argument or GRIDROOM_DAPHNE_SOCKET}}
exec daphne -u "$socket" --proxy-headers proj.asgi:application

#!/usr/bin/env bash
# One daphne process on a unix socket, behind nginx (supervisor runs one per socket).
#   start_daphne.bash [SOCKET]   (default: $GRIDROOM_DAPHNE_SOCKET)
set -euo pipefail
# shellcheck disable=SC1091
. "$(dirname "$0")/env.bash"
socket=${1:-${GRIDROOM_DAPHNE_SOCKET:?give the socket path as an argument or GRIDROOM_DAPHNE_SOCKET}}
# Sized for many tabs (docs/operations.md, "Sizing for many tabs"): a listen
# queue of GRIDROOM_DAPHNE_BACKLOG (Twisted's default is 50, which a reconnect
# burst overflows; Linux caps it at net.core.somaxconn), and every file
# descriptor the hard limit allows (each tab is one). daphne refuses (403) a
# socket the app has not accepted within --websocket_connect_timeout (5 s by
# default): during a reconnect burst joins queue longer than that.
backlog=${GRIDROOM_DAPHNE_BACKLOG:-4096}
connect_timeout=${GRIDROOM_DAPHNE_CONNECT_TIMEOUT:-30}
ulimit -n "$(ulimit -Hn)"
exec daphne -e "unix:$socket:backlog=$backlog" --websocket_connect_timeout "$connect_timeout" \
  --proxy-headers proj.asgi:application

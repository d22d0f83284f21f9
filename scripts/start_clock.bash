#!/usr/bin/env bash
# The server clock program (production): ticks to every open tab.
set -euo pipefail
# shellcheck disable=SC1091
. "$(dirname "$0")/env.bash"
exec python manage.py run_clock

# Sourced by the start scripts: the venv and the env file of an installed Gridroom.
#   GRIDROOM_VENV      the virtualenv (default: .venv beside the code)
#   GRIDROOM_ENV_FILE  KEY=value lines (default: /etc/gridroom/gridroom.env if present)
app_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${GRIDROOM_VENV:-$app_dir/.venv}
env_file=${GRIDROOM_ENV_FILE:-/etc/gridroom/gridroom.env}
if [ -f "$env_file" ]; then
  set -a
  # shellcheck disable=SC1090
  . "$env_file"
  set +a
fi
# shellcheck disable=SC1091
. "$venv/bin/activate"
cd "$app_dir"
export PYTHONUNBUFFERED=1

#!/usr/bin/env bash
# Installs the Debian packages Gridroom needs, only those missing.
#   install_system_deps.bash run    python venv, node + npm
#   install_system_deps.bash test   + chromium, redis-server, postgresql, nginx, supervisor, rsync
set -euo pipefail
what=${1:-run}
need=()
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v make >/dev/null || need+=(make)
if [ "$what" = test ]; then
  command -v chromium >/dev/null || need+=(chromium)
  command -v redis-server >/dev/null || need+=(redis-server)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v nginx >/dev/null || need+=(nginx)
  command -v supervisord >/dev/null || need+=(supervisor)
  command -v rsync >/dev/null || need+=(rsync)
fi
[ ${#need[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${need[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}"

#!/usr/bin/env bash
# Install or upgrade Gridroom from this checkout. Idempotent: a second run
# changes nothing and ends with "0 changes".
#
#   deploy/install.sh                    a Debian/Ubuntu VM, as root: apt packages, the
#                                        `gridroom` user, /opt/gridroom, /etc, PostgreSQL
#                                        role and database, nginx site, supervisor programs
#   deploy/install.sh --staging PREFIX   everything under PREFIX: no apt, users, /etc or
#                                        service managers (what CI exercises)
#
# Settings (environment): GRIDROOM_LISTEN (80), GRIDROOM_SERVER_NAME (_),
# GRIDROOM_ALLOWED_HOSTS (this host's name), GRIDROOM_DAPHNE_PROCESSES (2);
# in staging DATABASE_URL and REDIS_URL are written to the env file when set.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
changes=0
changed() { echo "changed: $*"; changes=$((changes + 1)); }

mode=production
if [ "${1:-}" = "--staging" ]; then
  mode=staging
  prefix=$(realpath -m "${2:?--staging needs a prefix directory}")
  etc=$prefix/etc
  user=""
  nginx_out=$etc/nginx/gridroom.conf
  supervisor_out=$etc/supervisor/gridroom.conf
else
  [ "$(id -u)" -eq 0 ] || { echo "run as root (or use --staging PREFIX)" >&2; exit 2; }
  prefix=/opt/gridroom
  etc=/etc/gridroom
  user=gridroom
  nginx_out=/etc/nginx/sites-available/gridroom.conf
  supervisor_out=/etc/supervisor/conf.d/gridroom.conf
  # worker_connections and worker_rlimit_nofile live in the main config.
  nginx_main=/etc/nginx/nginx.conf
fi
app=$prefix/app
venv=$prefix/venv
static=$prefix/static
run=$prefix/run
log=$prefix/log
env_file=$etc/gridroom.env

as_app() {  # run a command as the programs' user
  if [ -n "$user" ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

tree_hash() {  # a content hash of files and directories
  find "$@" -type f -not -name '.*.sha' -print0 2>/dev/null | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64
}

step_if_changed() {  # step_if_changed STAMP HASH DESCRIPTION COMMAND...
  local stamp=$1 hash=$2 what=$3
  shift 3
  if [ "$(cat "$stamp" 2>/dev/null)" != "$hash" ]; then
    "$@"
    echo "$hash" >"$stamp"
    changed "$what"
  fi
}

# --- 1. packages and the system user (production only)
if [ "$mode" = production ]; then
  packages=(nginx supervisor redis-server postgresql python3-venv nodejs npm rsync)
  missing=()
  for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    changed "apt packages: ${missing[*]}"
  fi
  if ! id "$user" >/dev/null 2>&1; then
    useradd --system --home-dir "$prefix" --shell /usr/sbin/nologin "$user"
    changed "system user $user"
  fi
fi

# --- 1b. the kernel's cap on listen queues (production only): daphne, uvicorn
# and nginx ask for 4096 so that a burst of reconnecting tabs waits instead of
# being refused; Linux before 5.4 caps every queue at 128.
if [ "$mode" = production ] && [ "$(cat /proc/sys/net/core/somaxconn)" -lt 4096 ]; then
  echo "net.core.somaxconn = 4096" >/etc/sysctl.d/60-gridroom.conf
  sysctl -q -p /etc/sysctl.d/60-gridroom.conf
  changed "net.core.somaxconn 4096"
fi

# --- 2. directories
for dir in "$prefix" "$etc" "$run" "$log" "$static"; do
  if [ ! -d "$dir" ]; then mkdir -p "$dir"; changed "directory $dir"; fi
done
if [ -n "$user" ]; then
  for dir in "$run" "$log"; do
    [ "$(stat -c %U "$dir")" = "$user" ] || { chown "$user": "$dir"; changed "owner of $dir"; }
  done
fi

# --- 3. the code
code_changes=$(rsync -rlc --delete --itemize-changes \
  --exclude .git --exclude .venv --exclude node_modules --exclude var --exclude .ci \
  --exclude __pycache__ --exclude .pytest_cache --exclude .ruff_cache \
  --exclude frontend/static/gridroom/dist "$src/" "$app/" | wc -l)
[ "$code_changes" -eq 0 ] || changed "code ($code_changes files)"

# --- 4. Python and JavaScript dependencies, the bundle
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv"; changed "virtualenv $venv"; }
step_if_changed "$venv/.requirements.sha" "$(tree_hash "$app/requirements.txt")" \
  "Python packages" "$venv/bin/pip" install -q -r "$app/requirements.txt"
step_if_changed "$prefix/.npm.sha" "$(tree_hash "$app/frontend/package-lock.json")" \
  "npm packages" bash -c "cd '$app/frontend' && npm ci --no-audit --no-fund --loglevel=error"
step_if_changed "$prefix/.bundle.sha" \
  "$(tree_hash "$app/frontend/src" "$app/frontend/build.mjs" "$app/frontend/package-lock.json")" \
  "JavaScript bundle" bash -c "cd '$app/frontend' && npm run build --silent"

# --- 5. the env file: secrets are made once and kept
if [ ! -f "$env_file" ]; then
  secret=$("$venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(50))')
  if [ "$mode" = production ]; then
    database_url="postgres://$user@/gridroom?host=/var/run/postgresql"
    redis_url="redis://127.0.0.1:6379/0"
  else
    database_url=${DATABASE_URL:-}
    redis_url=${REDIS_URL:-}
  fi
  umask 027
  {
    echo "# Gridroom settings (proj/settings.py reads these). Made by deploy/install.sh."
    echo "GRIDROOM_PRODUCTION=1"
    echo "DJANGO_SECRET_KEY='$secret'"
    echo "DJANGO_ALLOWED_HOSTS='${GRIDROOM_ALLOWED_HOSTS:-$(hostname -f 2>/dev/null || hostname),localhost,127.0.0.1}'"
    echo "GRIDROOM_DATA_DIR='$prefix/data'"
    echo "GRIDROOM_STATIC_ROOT='$static'"
    [ -n "$database_url" ] && echo "DATABASE_URL='$database_url'"
    [ -n "$redis_url" ] && echo "REDIS_URL='$redis_url'"
    echo "# GRIDROOM_HTTPS=1   when TLS ends at or before nginx"
  } >"$env_file"
  umask 022
  [ -n "$user" ] && chown "root:$user" "$env_file"
  changed "env file $env_file (new secret key)"
fi
if [ -n "$user" ] && [ ! -d "$prefix/data" ]; then
  mkdir -p "$prefix/data" && chown "$user": "$prefix/data" && changed "directory $prefix/data"
fi

# --- 6. PostgreSQL role and database (production only)
if [ "$mode" = production ]; then
  pg() { runuser -u postgres -- psql -qtAX "$@"; }
  if [ -z "$(pg -c "SELECT 1 FROM pg_roles WHERE rolname = '$user'")" ]; then
    runuser -u postgres -- createuser "$user"
    changed "PostgreSQL role $user"
  fi
  if [ -z "$(pg -c "SELECT 1 FROM pg_database WHERE datname = 'gridroom'")" ]; then
    runuser -u postgres -- createdb -O "$user" gridroom
    changed "PostgreSQL database gridroom"
  fi
fi

# --- 7. migrate and collect static files
# A command in the installed app's environment (its venv and env file).
app_env=(env GRIDROOM_ENV_FILE="$env_file" GRIDROOM_VENV="$venv"
  bash -c '. "$0/scripts/env.bash" && exec "$@"' "$app")
manage() { as_app "${app_env[@]}" python manage.py "$@"; }
if ! manage migrate --check >/dev/null 2>&1; then
  manage migrate --noinput -v0
  changed "database migrations"
fi
step_if_changed "$static/.collected.sha" \
  "$(tree_hash "$app/frontend/static")-$(cat "$venv/.requirements.sha")" \
  "static files" manage collectstatic --noinput -v0

# --- 8. nginx site and supervisor programs, rendered from deploy/
rendered=$("${app_env[@]}" python deploy/render.py \
  --app-dir "$app" --venv "$venv" --env-file "$env_file" --run-dir "$run" --log-dir "$log" \
  --static-root "$static" --listen "${GRIDROOM_LISTEN:-80}" \
  --server-name "${GRIDROOM_SERVER_NAME:-_}" \
  --daphne-processes "${GRIDROOM_DAPHNE_PROCESSES:-2}" --user "$user" \
  --nginx-out "$nginx_out" --supervisor-out "$supervisor_out" \
  ${nginx_main:+--nginx-main "$nginx_main"})
if [ -n "$rendered" ]; then
  echo "$rendered"
  changes=$((changes + $(echo "$rendered" | wc -l)))
fi

# --- 9. (re)load the services (production only)
if [ "$mode" = production ]; then
  if [ ! -L /etc/nginx/sites-enabled/gridroom.conf ]; then
    ln -s "$nginx_out" /etc/nginx/sites-enabled/gridroom.conf
    rm -f /etc/nginx/sites-enabled/default
    changed "nginx site enabled"
  fi
  nginx -t -q
  if [ "$changes" -gt 0 ]; then
    if pgrep -x nginx >/dev/null; then nginx -s reload; else nginx; fi
    pgrep -x supervisord >/dev/null || supervisord -c /etc/supervisor/supervisord.conf
    supervisorctl reread >/dev/null
    supervisorctl update
    supervisorctl restart 'gridroom:*'
  fi
fi

echo "$changes changes"

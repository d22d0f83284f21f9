"""Gridroom settings, read from the environment.

With nothing set, Gridroom runs the embedded default: SQLite, the in-memory
channel layer, a local-memory cache and the clock ticking inside the one
server process. `DATABASE_URL` and `REDIS_URL` switch to PostgreSQL and Redis.
`GRIDROOM_PRODUCTION=1` makes the production checks strict.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    """A string from NAME, or from the file named by NAME_FILE (for secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc}") from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


PRODUCTION = env_bool("GRIDROOM_PRODUCTION")
DATA_DIR = Path(env_str("GRIDROOM_DATA_DIR", str(BASE_DIR / "var")))
DEBUG = env_bool("DJANGO_DEBUG")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off when GRIDROOM_PRODUCTION is on")


def _secret_key() -> str:
    key = env_str("DJANGO_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) must be set")
    # Embedded default: a key generated on first run into an untracked file.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
if "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS must list hosts: '*' turns the origin check off"
    )
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "import_export",
    "axes",
    "accounts",
    "sheets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a lockout into the login page saying so.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "proj.urls"
WSGI_APPLICATION = "proj.wsgi.application"
ASGI_APPLICATION = "proj.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "proj.context_processors.gridroom",
            ],
        },
    },
]

# --- Database: SQLite in the data dir unless DATABASE_URL says otherwise.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "db.sqlite3",
            # IMMEDIATE + WAL: concurrent writers wait for the lock instead of
            # failing with "database is locked" (each ASGI request has a thread).
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not :memory:: consumer tests reach it from other threads.
            "TEST": {"NAME": DATA_DIR / "test.sqlite3"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer and cache: Redis when REDIS_URL is set, else in-process.
# Messages a socket may have waiting; past it they are dropped and the tab is
# told to catch up (docs/protocol.md, "Falling behind").
CHANNEL_CAPACITY = env_int("GRIDROOM_CHANNEL_CAPACITY", 1000)
REDIS_URL = env_str("REDIS_URL")
# Which Redis layer (docs/operations.md, "Live sockets"): pubsub (one PUBLISH per
# group send) or core (channels-redis's list per channel; for comparison).
CHANNEL_LAYER = env_str("GRIDROOM_CHANNEL_LAYER", "pubsub")
if CHANNEL_LAYER not in ("pubsub", "core"):
    raise ImproperlyConfigured("GRIDROOM_CHANNEL_LAYER must be pubsub or core")
if REDIS_URL and CHANNEL_LAYER == "pubsub":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "proj.channel_layer.PubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL}], "capacity": CHANNEL_CAPACITY},
        }
    }
elif REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "proj.channel_layer.ResilientRedisChannelLayer",
            "CONFIG": {
                # channels-redis blocks up to 5 s in BZPOPMIN: the socket timeout
                # must be longer, or a quiet channel looks like a dead Redis.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30}],
                "capacity": CHANNEL_CAPACITY,
                "expiry": 60,
                "group_expiry": 86400,
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "proj.channel_layer.LocalChannelLayer",
            "CONFIG": {"capacity": CHANNEL_CAPACITY},
        }
    }
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "gridroom",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out login before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "sheet_list"
LOGOUT_REDIRECT_URL = "login"
CSRF_FAILURE_VIEW = "proj.views.csrf_failure"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("GRIDROOM_STATIC_ROOT", str(DATA_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "frontend" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("GRIDROOM_LOG_LEVEL", "INFO")},
}

# --- Gridroom's own settings.
SIGNUP_OPEN = env_bool("GRIDROOM_SIGNUP_OPEN", True)
HANDSONTABLE_LICENSE_KEY = env_str("HANDSONTABLE_LICENSE_KEY", "non-commercial-and-evaluation")
# JSON bodies count against this; the grid splits big pastes to stay under it.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("GRIDROOM_MAX_BODY_BYTES", 2_621_440)
MAX_CHANGES_PER_OP = env_int("GRIDROOM_MAX_CHANGES_PER_OP", 5000)
MAX_CELL_CHARS = env_int("GRIDROOM_MAX_CELL_CHARS", 10_000)
# An import of a million rows fits (docs/import-export.md, "Big files").
MAX_ROWS_PER_SHEET = env_int("GRIDROOM_MAX_ROWS_PER_SHEET", 1_000_000)
MAX_COLUMNS_PER_SHEET = env_int("GRIDROOM_MAX_COLUMNS_PER_SHEET", 200)
# "Sort the sheet" rewrites every row's place in the request, holding the
# sheet's lock: 1.3 s for 100,000 rows, 35-47 s for 1,000,000 (bench/README.md),
# too near the request timeouts. Bigger sheets sort in a view of one's own.
SORT_SHEET_MAX_ROWS = env_int("GRIDROOM_SORT_SHEET_MAX_ROWS", 250_000)
# Rows a window of a sheet (GET /api/sheets/<id>/rows) answers at most.
ROW_WINDOW_MAX = env_int("GRIDROOM_ROW_WINDOW_MAX", 5000)
# Streamed row answers are gzipped by the app itself (level 1) for a client
# that accepts it. Production leaves it to nginx (deploy/nginx, gzip_proxied);
# the embedded default has no proxy in front, so it does it here.
ROWS_GZIP = env_bool("GRIDROOM_ROWS_GZIP", not PRODUCTION)
# Client -> server socket frames larger than this close the socket (4413).
SOCKET_MAX_MESSAGE_BYTES = env_int("GRIDROOM_SOCKET_MAX_MESSAGE_BYTES", 16_384)
# Events larger than this are not pushed whole; tabs fetch them (docs/protocol.md).
EVENT_MAX_BYTES = env_int("GRIDROOM_EVENT_MAX_BYTES", 262_144)
# Catch-up answers more than this many changes with "reload the snapshot".
CATCHUP_MAX_CHANGES = env_int("GRIDROOM_CATCHUP_MAX_CHANGES", 2000)
# Change-log retention (manage.py prune_changes): catch-up reaches back this far;
# op records (idempotent retries) are kept longer.
CHANGE_LOG_KEEP_DAYS = env_int("GRIDROOM_CHANGE_LOG_KEEP_DAYS", 7)
CHANGE_LOG_KEEP_COUNT = env_int("GRIDROOM_CHANGE_LOG_KEEP_COUNT", 1000)
OP_RECORD_KEEP_DAYS = env_int("GRIDROOM_OP_RECORD_KEEP_DAYS", 90)
HEARTBEAT_SECONDS = env_int("GRIDROOM_HEARTBEAT_SECONDS", 5)
# A socket counts as present this long after its last heartbeat.
PRESENCE_TTL_SECONDS = env_int("GRIDROOM_PRESENCE_TTL_SECONDS", 15)
# `presence.snapshot` names at most this many users (the most recent arrivals).
PRESENCE_SNAPSHOT_USERS = env_int("GRIDROOM_PRESENCE_SNAPSHOT_USERS", 50)
GROUP_REJOIN_SECONDS = env_int("GRIDROOM_GROUP_REJOIN_SECONDS", 30)
CLOCK_INTERVAL_MS = env_int("GRIDROOM_CLOCK_INTERVAL_MS", 500)
# The embedded default ticks the clock inside the server process; production
# runs `manage.py run_clock` under supervisor instead.
CLOCK_IN_PROCESS = env_bool("GRIDROOM_CLOCK_IN_PROCESS", not PRODUCTION)

# --- Import and export (docs/import-export.md).
# The largest file accepted: a CSV of a million rows × 20 columns is about
# 200 MiB. deploy/render.py gives nginx the same client_max_body_size, and
# proj/embedded.py the embedded default; both stream it to disk.
MAX_UPLOAD_BYTES = env_int("GRIDROOM_MAX_UPLOAD_BYTES", 256 * 1024 * 1024)
# Room for the multipart envelope and the form's other fields around a file of
# MAX_UPLOAD_BYTES: nginx (deploy/render.py), the embedded default's limits
# (proj/embedded.py) and the upload handler (sheets/io/views.py) all allow it.
UPLOAD_ENVELOPE_BYTES = 64 * 1024
# Uploads larger than this are spooled to a temporary file, not held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("GRIDROOM_FILE_UPLOAD_MAX_MEMORY_BYTES", 1024 * 1024)
# Uploaded files wait here between preview and import.
IMPORT_DIR = Path(env_str("GRIDROOM_IMPORT_DIR", str(DATA_DIR / "imports")))
# A row longer than this (all its cells together) makes a file refused.
IMPORT_MAX_ROW_CHARS = env_int("GRIDROOM_IMPORT_MAX_ROW_CHARS", 1_000_000)
# XLSX is a zip: refused when it would unpack to more than this, or when a
# member compresses better than this ratio (a zip bomb).
IMPORT_MAX_XLSX_UNPACKED_BYTES = env_int("GRIDROOM_IMPORT_MAX_XLSX_UNPACKED_BYTES", 256 << 20)
IMPORT_MAX_XLSX_RATIO = env_int("GRIDROOM_IMPORT_MAX_XLSX_RATIO", 100)
# Where import jobs run: "thread" (a thread of the serving process), "inline"
# (inside the request; tests), "worker" (`manage.py run_import_jobs`).
IMPORT_RUNNER = env_str("GRIDROOM_IMPORT_RUNNER", "thread")
if IMPORT_RUNNER not in ("thread", "inline", "worker"):
    raise ImproperlyConfigured("GRIDROOM_IMPORT_RUNNER must be thread, inline or worker")
# Uploads never confirmed, and finished jobs, are forgotten after this long.
IMPORT_KEEP_HOURS = env_int("GRIDROOM_IMPORT_KEEP_HOURS", 24)

# --- Throttling (docs/operations.md): failed logins per account and per
# address (django-axes), sign-ups per address (accounts/throttling.py).
# Behind nginx the client's address is the X-Real-IP nginx sets; without a
# proxy that header could be forged, so only the connection's address counts.
BEHIND_PROXY = env_bool("GRIDROOM_BEHIND_PROXY", PRODUCTION)
AXES_ENABLED = env_bool("GRIDROOM_LOGIN_THROTTLE", True)
AXES_FAILURE_LIMIT = env_int("GRIDROOM_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(seconds=env_int("GRIDROOM_LOGIN_COOLOFF_SECONDS", 900))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.throttling.login_locked_out"
SIGNUP_THROTTLE_LIMIT = env_int("GRIDROOM_SIGNUP_LIMIT", 20)
SIGNUP_THROTTLE_WINDOW_SECONDS = env_int("GRIDROOM_SIGNUP_WINDOW_SECONDS", 3600)
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME.total_seconds() < 1:
    raise ImproperlyConfigured(
        "GRIDROOM_LOGIN_FAILURE_LIMIT and GRIDROOM_LOGIN_COOLOFF_SECONDS must be at least 1"
    )

# --- HTTPS: one switch for TLS terminated at or before nginx.
HTTPS = env_bool("GRIDROOM_HTTPS")
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("GRIDROOM_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("GRIDROOM_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("GRIDROOM_HSTS_PRELOAD", True)

# The baseline relay socket of bench/latency.py; never on in production.
BENCH_RELAY = env_bool("GRIDROOM_BENCH_RELAY")
if PRODUCTION and BENCH_RELAY and not env_bool("GRIDROOM_BENCH_ALLOW"):
    raise ImproperlyConfigured("GRIDROOM_BENCH_RELAY is for benchmarks, not production")

# Test-only HTTP endpoints (proj/testing.py: users with sessions, pruning on
# demand) for tests that drive a running server; never in production.
TEST_ENDPOINTS = env_bool("GRIDROOM_TEST_ENDPOINTS")
if PRODUCTION and TEST_ENDPOINTS:
    raise ImproperlyConfigured("GRIDROOM_TEST_ENDPOINTS is for tests, not production")

# --- Formulas (docs/formulas.md): the limits every formula is held to, each
# refused with a clear error (sheets.formulas.Limits).
FORMULA_MAX_LENGTH = env_int("GRIDROOM_FORMULA_MAX_LENGTH", 4000)
FORMULA_MAX_DEPTH = env_int("GRIDROOM_FORMULA_MAX_DEPTH", 50)
FORMULA_MAX_TEXT = env_int("GRIDROOM_FORMULA_MAX_TEXT", 32767)
FORMULA_MAX_STEPS = env_int("GRIDROOM_FORMULA_MAX_STEPS", 10_000)
if min(FORMULA_MAX_LENGTH, FORMULA_MAX_DEPTH, FORMULA_MAX_TEXT, FORMULA_MAX_STEPS) < 1:
    raise ImproperlyConfigured("The GRIDROOM_FORMULA_* limits must be at least 1")

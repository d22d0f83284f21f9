"""gunicorn settings for Gridroom, from the environment (scripts/start_gunicorn.bash)."""

import multiprocessing
import os

bind = f"unix:{os.environ['GRIDROOM_GUNICORN_SOCKET']}"
workers = int(os.environ.get("GRIDROOM_GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GRIDROOM_GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GRIDROOM_GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# gunicorn 27 would create ~/.gunicorn/gunicorn.ctl otherwise.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = "*"  # only nginx reaches the unix socket

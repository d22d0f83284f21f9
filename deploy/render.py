"""Render the shipped nginx and supervisor configs for one installation.

    python deploy/render.py --app-dir /opt/gridroom/app ... --nginx-out F --supervisor-out F

Run with the installation's env file loaded: the body limit nginx enforces is
read from Django's settings, so the two always match. A file is written only
when its content changes ("changed: <path>" is printed), which keeps the
installer idempotent. With `--nginx-main /etc/nginx/nginx.conf` it also sizes
nginx's main config for thousands of websockets (a site file cannot set
`events {}`).
"""

import argparse
import os
import re
import sys
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent
PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")

# Sizing for many open tabs (docs/operations.md, "Sizing for many tabs"). Each
# proxied websocket holds two connections in nginx (client and daphne), so 8192
# per worker carries about 4,000 tabs per worker; the descriptor limit leaves
# room for the files and upstream keepalives beside them.
NGINX_WORKER_CONNECTIONS = 8192
NGINX_WORKER_RLIMIT_NOFILE = 2 * NGINX_WORKER_CONNECTIONS
# The listen queue of nginx's port: a burst of reconnecting tabs waits here
# rather than being refused (Linux caps it at net.core.somaxconn).
NGINX_LISTEN_BACKLOG = 4096


def render(template: Path, values: dict[str, str]) -> str:
    def substitute(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise SystemExit(f"{template}: no value for {{{{{name}}}}}")
        return values[name]

    return PLACEHOLDER.sub(substitute, template.read_text())


def write_if_changed(path: Path, text: str) -> None:
    if path.exists() and path.read_text() == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"changed: {path}")


def size_nginx_main(text: str) -> str:
    """nginx's main config (Debian's /etc/nginx/nginx.conf) with our
    worker_connections and worker_rlimit_nofile; the rest is left as it is."""
    text, found = re.subn(
        r"(?m)^(\s*)worker_connections\s+\d+;",
        rf"\g<1>worker_connections {NGINX_WORKER_CONNECTIONS};",
        text,
    )
    if not found:
        raise SystemExit("nginx main config: no worker_connections line in events {}")
    rlimit = f"worker_rlimit_nofile {NGINX_WORKER_RLIMIT_NOFILE};"
    text, found = re.subn(r"(?m)^worker_rlimit_nofile\s+\d+;", rlimit, text)
    if not found:
        text, found = re.subn(r"(?m)^(events\s*\{)", rf"{rlimit}\n\n\g<1>", text, count=1)
    if not found:
        raise SystemExit("nginx main config: no events {} block")
    return text


def daphne_servers(run_dir: str, processes: int) -> str:
    # A failed connect (a full listen queue at a reconnect burst, or a daphne
    # restarting) moves the request to the next daphne (proxy_next_upstream) but
    # never marks a daphne down: with fail_timeout, one burst of EAGAIN marked
    # every daphne down and nginx answered "no live upstreams" (502) for a second.
    return "\n".join(
        f"    server unix:{run_dir}/daphne-{i}.sock max_fails=0;" for i in range(processes)
    )


def max_body_bytes() -> int:
    sys.path.insert(0, str(DEPLOY.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
    from django.conf import settings

    largest = max(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, settings.MAX_UPLOAD_BYTES)
    return largest + settings.UPLOAD_ENVELOPE_BYTES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("app-dir", "venv", "env-file", "run-dir", "log-dir", "static-root"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--listen", default="80")
    parser.add_argument("--server-name", default="_")
    parser.add_argument("--daphne-processes", type=int, default=2)
    parser.add_argument("--user", default="", help="the system user programs run as")
    parser.add_argument("--nginx-out", required=True)
    parser.add_argument("--supervisor-out", required=True)
    parser.add_argument("--nginx-main", help="nginx's main config, sized in place")
    args = parser.parse_args()

    run_dir = args.run_dir
    values = {
        "APP_DIR": args.app_dir,
        "VENV": args.venv,
        "ENV_FILE": args.env_file,
        "RUN_DIR": run_dir,
        "LOG_DIR": args.log_dir,
        "STATIC_ROOT": args.static_root,
        "LISTEN": args.listen,
        "SERVER_NAME": args.server_name,
        "DAPHNE_PROCESSES": str(args.daphne_processes),
        "DAPHNE_SERVERS": daphne_servers(run_dir, args.daphne_processes),
        "LISTEN_BACKLOG": str(NGINX_LISTEN_BACKLOG),
        "USER_LINE": f"user={args.user}" if args.user else "; runs as the supervisor's user",
        "MAX_BODY_BYTES": str(max_body_bytes()),
    }
    write_if_changed(Path(args.nginx_out), render(DEPLOY / "nginx" / "gridroom.conf", values))
    write_if_changed(
        Path(args.supervisor_out), render(DEPLOY / "supervisor" / "gridroom.conf", values)
    )
    if args.nginx_main:
        main_conf = Path(args.nginx_main)
        write_if_changed(main_conf, size_nginx_main(main_conf.read_text()))


if __name__ == "__main__":
    main()

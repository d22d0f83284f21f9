"""Render the shipped nginx and supervisor configs for one installation.

    python deploy/render.py --app-dir /opt/gridroom/app ... --nginx-out F --supervisor-out F

Run with the installation's env file loaded: the body limit nginx enforces is
read from Django's settings, so the two always match. A file is written only
when its content changes ("changed: <path>" is printed), which keeps the
installer idempotent.
"""

import argparse
import os
import re
import sys
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent
PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")


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
        "DAPHNE_SERVERS": "\n".join(
            f"    server unix:{run_dir}/daphne-{i}.sock fail_timeout=1s;"
            for i in range(args.daphne_processes)
        ),
        "USER_LINE": f"user={args.user}" if args.user else "; runs as the supervisor's user",
        "MAX_BODY_BYTES": str(max_body_bytes()),
    }
    write_if_changed(Path(args.nginx_out), render(DEPLOY / "nginx" / "gridroom.conf", values))
    write_if_changed(
        Path(args.supervisor_out), render(DEPLOY / "supervisor" / "gridroom.conf", values)
    )


if __name__ == "__main__":
    main()

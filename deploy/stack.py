"""The production shape on this machine, from the shipped configs.

Installs Gridroom with `deploy/install.sh --staging` into a temporary prefix and
runs it under one supervisord: throwaway PostgreSQL and Redis, gunicorn, two
daphne processes, the clock and nginx on a local port. Everything it starts
stops with it.

    python deploy/stack.py [--port 8080]      (make stack) until Ctrl-C

The end-to-end tests use `Stack` the same way.
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from deploy.render import NGINX_WORKER_CONNECTIONS, NGINX_WORKER_RLIMIT_NOFILE  # noqa: E402

IS_ROOT = os.geteuid() == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def pg_bin() -> Path:
    return sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: float(p.parent.name))[-1]


def write_nginx_main_conf(prefix: Path) -> Path:
    """nginx's main config for an installation under `prefix`: pid, logs and
    temp paths there (Debian's nginx has /var/lib/nginx compiled in), then the
    shipped site config as the installer rendered it."""
    temp = prefix / "nginx"
    temp.mkdir(exist_ok=True)
    (prefix / "log").mkdir(exist_ok=True)
    temps = "\n".join(
        f"    {name}_temp_path {temp}/{name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = prefix / "etc" / "nginx.conf"
    main.write_text(
        f"""worker_processes 1;
worker_rlimit_nofile {NGINX_WORKER_RLIMIT_NOFILE};
pid {prefix}/run/nginx.pid;
error_log {prefix}/log/nginx-error.log;
events {{ worker_connections {NGINX_WORKER_CONNECTIONS}; }}
http {{
    include /etc/nginx/mime.types;
    access_log {prefix}/log/nginx-access.log;
{temps}
    include {prefix}/etc/nginx/gridroom.conf;
}}
"""
    )
    return main


def nginx_test(prefix: Path) -> subprocess.CompletedProcess:
    """`nginx -t` of the installation's configs."""
    main = write_nginx_main_conf(prefix)
    return subprocess.run(
        [
            "nginx",
            "-t",
            "-p",
            f"{prefix}/nginx",
            "-e",
            f"{prefix}/log/nginx-error.log",
            "-c",
            str(main),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


class Stack:
    def __init__(
        self,
        port: int | None = None,
        daphne_processes: int = 2,
        extra_env: dict[str, str] | None = None,
    ):
        self.port = port or free_port()
        self.extra_env = extra_env or {}
        self.daphne_processes = daphne_processes
        self.prefix = Path(tempfile.mkdtemp(prefix="gridroom-stack-"))
        self.prefix.chmod(0o755)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.supervisord: subprocess.Popen | None = None

    # --- paths
    @property
    def conf(self) -> Path:
        return self.prefix / "supervisord.conf"

    @property
    def pg_dir(self) -> Path:
        return self.prefix / "pg"

    @property
    def redis_socket(self) -> Path:
        return self.prefix / "redis.sock"

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@/gridroom?host={self.pg_dir}&port=5432"

    @property
    def redis_url(self) -> str:
        return f"unix://{self.redis_socket}"

    # --- control
    def ctl(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(
            ["supervisorctl", "-c", str(self.conf), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        if check and result.returncode not in (0,):
            raise RuntimeError(f"supervisorctl {' '.join(args)}: {result.stdout}{result.stderr}")
        return result.stdout

    def pid(self, program: str) -> int:
        return int(self.ctl("pid", program).strip())

    def daphne_programs(self) -> list[str]:
        return [f"gridroom:gridroom-daphne-{i}" for i in range(self.daphne_processes)]

    def start(self) -> "Stack":
        try:
            self._start()
        except BaseException:
            print(self.logs(), file=sys.stderr)
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self._init_postgres()
        self._write_supervisord_conf()
        self.supervisord = subprocess.Popen(
            ["supervisord", "-n", "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait_for(lambda: (self.prefix / "supervisor.sock").exists(), 20, "supervisord")
        wait_for(self._postgres_ready, 30, "PostgreSQL")
        wait_for(self.redis_socket.exists, 10, "Redis")
        subprocess.run(
            [
                "psql",
                "-qtAX",
                "-h",
                str(self.pg_dir),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-c",
                "CREATE DATABASE gridroom",
            ],
            check=True,
        )
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "GRIDROOM_LISTEN": f"127.0.0.1:{self.port}",
            "GRIDROOM_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "GRIDROOM_DAPHNE_PROCESSES": str(self.daphne_processes),
        }
        subprocess.run(
            [str(REPO / "deploy" / "install.sh"), "--staging", str(self.prefix)],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        if self.extra_env:
            with (self.prefix / "etc" / "gridroom.env").open("a") as env_file:
                env_file.writelines(f"{k}='{v}'\n" for k, v in self.extra_env.items())
        self._write_nginx_conf()
        self.ctl("reread")
        self.ctl("update")
        run = self.prefix / "run"
        sockets = [run / "gunicorn.sock"] + [
            run / f"daphne-{i}.sock" for i in range(self.daphne_processes)
        ]
        wait_for(lambda: all(s.exists() for s in sockets), 60, "gunicorn and daphne sockets")
        wait_for(self._http_ready, 60, "nginx answering")

    def stop(self) -> None:
        if self.supervisord is not None and self.supervisord.poll() is None:
            self.supervisord.send_signal(signal.SIGTERM)
            try:
                self.supervisord.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.supervisord.kill()
        self._stop_stray_postgres()
        shutil.rmtree(self.prefix, ignore_errors=True)

    def logs(self) -> str:
        out = []
        for path in sorted((self.prefix / "log").glob("*.log")):
            out.append(f"==> {path.name}\n{path.read_text(errors='replace')[-3000:]}")
        return "\n".join(out)

    # --- pieces
    def _as_postgres(self) -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if IS_ROOT else []

    def _init_postgres(self) -> None:
        self.pg_dir.mkdir()
        if IS_ROOT:
            shutil.chown(self.pg_dir, "postgres")
        subprocess.run(
            [
                *self._as_postgres(),
                str(pg_bin() / "initdb"),
                "-D",
                str(self.pg_dir / "data"),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def _postgres_ready(self) -> bool:
        return (
            subprocess.run(
                [str(pg_bin() / "pg_isready"), "-q", "-h", str(self.pg_dir)], check=False
            ).returncode
            == 0
        )

    def _stop_stray_postgres(self) -> None:
        if (self.pg_dir / "data" / "postmaster.pid").exists():
            subprocess.run(
                [
                    *self._as_postgres(),
                    str(pg_bin() / "pg_ctl"),
                    "-D",
                    str(self.pg_dir / "data"),
                    "-m",
                    "immediate",
                    "stop",
                ],
                check=False,
                capture_output=True,
            )

    def _http_ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/accounts/login/", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def _write_supervisord_conf(self) -> None:
        p = self.prefix
        (p / "log").mkdir(exist_ok=True)
        pg_user = "user=postgres" if IS_ROOT else ""
        self.conf.write_text(
            f"""[unix_http_server]
file={p}/supervisor.sock

[supervisord]
logfile={p}/log/supervisord.log
pidfile={p}/supervisord.pid
childlogdir={p}/log

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{p}/supervisor.sock

[program:postgres]
command={pg_bin()}/postgres -D {self.pg_dir}/data -k {self.pg_dir} -p 5432
    -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off
{pg_user}
priority=10
stopsignal=INT
redirect_stderr=true
stdout_logfile={p}/log/postgres.log

[program:redis]
command=redis-server --port 0 --unixsocket {self.redis_socket} --unixsocketperm 777
    --save "" --appendonly no --dir {p}
priority=10
redirect_stderr=true
stdout_logfile={p}/log/redis.log

[include]
files={p}/etc/supervisor/*.conf
"""
        )

    def _write_nginx_conf(self) -> None:
        main = write_nginx_main_conf(self.prefix)
        (self.prefix / "etc" / "supervisor" / "stack-nginx.conf").write_text(
            f"""[program:nginx]
command=nginx -p {self.prefix}/nginx -e {self.prefix}/log/nginx-error.log -c {main} -g "daemon off;"
priority=900
redirect_stderr=true
stdout_logfile={self.prefix}/log/nginx.log
"""
        )

    def nginx_test(self) -> subprocess.CompletedProcess:
        p = self.prefix
        return subprocess.run(
            [
                "nginx",
                "-t",
                "-p",
                str(p / "nginx"),
                "-e",
                f"{p}/log/nginx-error.log",
                "-c",
                str(p / "etc" / "nginx.conf"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the production shape locally.")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    stack = Stack(port=args.port)
    print(f"starting the stack in {stack.prefix} …", flush=True)
    stack.start()
    print(f"Gridroom (nginx → gunicorn + 2 daphne, PostgreSQL, Redis) on {stack.base_url}/")
    print("Ctrl-C stops everything.", flush=True)
    # SIGTERM stops everything as Ctrl-C does (by default it would end this
    # process alone and leave the stack running).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()


if __name__ == "__main__":
    main()

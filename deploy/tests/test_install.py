"""deploy/install.sh in staging mode, as CI can run it: twice, the second time
changing nothing, and its rendered configs pass `nginx -t`."""

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from deploy.render import (
    NGINX_LISTEN_BACKLOG,
    NGINX_WORKER_CONNECTIONS,
    NGINX_WORKER_RLIMIT_NOFILE,
)
from deploy.stack import nginx_test, write_nginx_main_conf

REPO = Path(__file__).resolve().parents[2]


def install(prefix: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(GRIDROOM_LISTEN="127.0.0.1:18080", GRIDROOM_ALLOWED_HOSTS="127.0.0.1")
    return subprocess.run(
        [str(REPO / "deploy" / "install.sh"), "--staging", str(prefix)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def tree_digest(prefix: Path) -> dict[str, str]:
    """Content hash of every installed file, but logs, caches and the database."""
    skip = ("log/", "data/", "nginx/")
    digest = {}
    for path in sorted(prefix.rglob("*")):
        rel = path.relative_to(prefix).as_posix()
        if path.is_file() and not path.is_symlink() and not rel.startswith(skip):
            if "__pycache__" not in rel:
                digest[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    prefix = tmp_path_factory.mktemp("staging")
    first = install(prefix)
    assert first.returncode == 0, first.stdout + first.stderr
    return prefix, first


def test_first_install_sets_everything_up(installed):
    prefix, first = installed
    assert "changed: env file" in first.stdout
    for path in (
        "app/manage.py",
        "venv/bin/daphne",
        "static/gridroom/app.css",
        "etc/gridroom.env",
        "etc/nginx/gridroom.conf",
        "etc/supervisor/gridroom.conf",
    ):
        assert (prefix / path).exists(), path
    assert list((prefix / "static" / "gridroom" / "dist").glob("sheet*.js"))
    env = (prefix / "etc" / "gridroom.env").read_text()
    assert "DJANGO_SECRET_KEY=" in env and "GRIDROOM_PRODUCTION=1" in env


def test_second_install_changes_nothing(installed):
    prefix, _ = installed
    before = tree_digest(prefix)
    second = install(prefix)
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stdout.strip().splitlines()[-1] == "0 changes", second.stdout
    assert tree_digest(prefix) == before


def test_rendered_configs_pass_nginx_t(installed):
    prefix, _ = installed
    result = nginx_test(prefix)
    assert result.returncode == 0, result.stderr
    site = (prefix / "etc" / "nginx" / "gridroom.conf").read_text()
    assert "{{" not in site
    assert f"unix:{prefix}/run/daphne-0.sock" in site
    assert f"unix:{prefix}/run/daphne-1.sock" in site
    assert "client_max_body_size" in site


def test_nginx_never_marks_every_daphne_down(installed):
    """A reconnect burst must not turn a few refused connects into 502s for all."""
    prefix, _ = installed
    site = (prefix / "etc" / "nginx" / "gridroom.conf").read_text()
    for i in (0, 1):
        assert f"server unix:{prefix}/run/daphne-{i}.sock max_fails=0;" in site
    assert "fail_timeout" not in site.split("upstream gridroom_gunicorn")[0]
    ws = site.split("location /ws/ {")[1].split("}")[0]
    assert "proxy_next_upstream error timeout;" in ws
    assert "proxy_next_upstream_tries 0;" in ws
    assert f"listen 127.0.0.1:18080 backlog={NGINX_LISTEN_BACKLOG};" in site


def test_nginx_main_config_is_sized_for_thousands_of_sockets(installed):
    prefix, _ = installed
    main = write_nginx_main_conf(prefix).read_text()
    assert f"worker_connections {NGINX_WORKER_CONNECTIONS};" in main
    assert f"worker_rlimit_nofile {NGINX_WORKER_RLIMIT_NOFILE};" in main
    # Two connections per proxied websocket: a few thousand tabs per worker.
    assert NGINX_WORKER_CONNECTIONS >= 2 * 2000
    assert NGINX_WORKER_RLIMIT_NOFILE >= NGINX_WORKER_CONNECTIONS


def test_render_sizes_debians_nginx_conf_once(installed, tmp_path):
    """What the installer does to /etc/nginx/nginx.conf, on a copy of Debian's."""
    prefix, _ = installed
    debian = Path("/etc/nginx/nginx.conf").read_text()
    main = tmp_path / "nginx.conf"
    main.write_text(debian)

    def render() -> str:
        result = subprocess.run(
            [
                str(prefix / "venv" / "bin" / "python"),
                str(REPO / "deploy" / "render.py"),
                *("--app-dir", "/a", "--venv", "/v", "--env-file", "/e", "--run-dir", "/r"),
                *("--log-dir", "/l", "--static-root", "/s"),
                *("--nginx-out", str(tmp_path / "site.conf")),
                *("--supervisor-out", str(tmp_path / "supervisor.conf")),
                *("--nginx-main", str(main)),
            ],
            env={**os.environ, "GRIDROOM_ENV_FILE": str(prefix / "etc" / "gridroom.env")},
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout

    assert f"changed: {main}" in render()
    sized = main.read_text()
    assert f"worker_connections {NGINX_WORKER_CONNECTIONS};" in sized
    assert sized.count(f"worker_rlimit_nofile {NGINX_WORKER_RLIMIT_NOFILE};") == 1
    assert sized.index("worker_rlimit_nofile") < sized.index("events {")
    # Everything else is Debian's, line for line.
    changed = set(sized.splitlines()) ^ set(debian.splitlines())
    assert all("worker_" in line or not line.strip() for line in changed), changed
    assert str(main) not in render()
    assert main.read_text() == sized


def test_daphne_and_uvicorn_listen_queues_are_sized_for_a_burst(installed):
    prefix, _ = installed
    daphne = (prefix / "app" / "scripts" / "start_daphne.bash").read_text()
    assert 'daphne -e "unix:$socket:backlog=$backlog"' in daphne
    assert '--websocket_connect_timeout "$connect_timeout"' in daphne
    assert "backlog=${GRIDROOM_DAPHNE_BACKLOG:-4096}" in daphne
    assert 'ulimit -n "$(ulimit -Hn)"' in daphne
    embedded = (REPO / "scripts" / "run_embedded.bash").read_text()
    assert "--backlog 4096" in embedded and "--limit-concurrency" not in embedded.split("exec")[1]


def test_rendered_supervisor_config_runs_two_daphne_processes(installed):
    prefix, _ = installed
    conf = (prefix / "etc" / "supervisor" / "gridroom.conf").read_text()
    assert "numprocs=2" in conf
    assert "start_daphne.bash" in conf and "start_gunicorn.bash" in conf
    assert "start_clock.bash" in conf
    assert "{{" not in conf

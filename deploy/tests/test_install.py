"""deploy/install.sh in staging mode, as CI can run it: twice, the second time
changing nothing, and its rendered configs pass `nginx -t`."""

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from deploy.stack import nginx_test

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


def test_rendered_supervisor_config_runs_two_daphne_processes(installed):
    prefix, _ = installed
    conf = (prefix / "etc" / "supervisor" / "gridroom.conf").read_text()
    assert "numprocs=2" in conf
    assert "start_daphne.bash" in conf and "start_gunicorn.bash" in conf
    assert "start_clock.bash" in conf
    assert "{{" not in conf

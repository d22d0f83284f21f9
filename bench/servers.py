"""The servers bench/sockets.py measures, and what it reads of their processes
(/proc: CPU seconds and resident memory; their logs)."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def proc_stats(pids: list[int]) -> dict:
    """CPU seconds (user + system) and RSS (KiB), summed over `pids`."""
    cpu, rss = 0.0, 0
    for pid in pids:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        cpu += (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss += int(line.split()[1])
    return {"cpu": cpu, "rss_kb": rss}


class Logs:
    """Counting a phrase in what the logs gained since a moment."""

    def log_paths(self) -> list[Path]:
        raise NotImplementedError

    def log_sizes(self) -> dict[Path, int]:
        return {p: p.stat().st_size for p in self.log_paths() if p.exists()}

    def keep_logs(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for path in self.log_paths():
            shutil.copy(path, directory / path.name)

    def count_in_logs(self, phrase: str, since: dict[Path, int]) -> int:
        count = 0
        for path in self.log_paths():
            with path.open("rb") as f:
                f.seek(since.get(path, 0))
                count += f.read().decode(errors="replace").count(phrase)
        return count


class StackServer(Logs):
    name = "stack (nginx → 2 daphne, Redis, PostgreSQL)"
    process_name = "daphne"

    def __init__(self, env: dict[str, str]):
        from deploy.stack import Stack

        self.stack = Stack(extra_env={**env, "GRIDROOM_BENCH_ALLOW": "1"})
        self.url = self.stack.base_url

    def start(self) -> None:
        self.stack.start()
        self.pids = [self.stack.pid(p) for p in self.stack.daphne_programs()]

    def stop(self) -> None:
        self.stack.stop()

    def stats(self) -> dict:
        return proc_stats(self.pids)

    def log_paths(self) -> list[Path]:
        return sorted((self.stack.prefix / "log").glob("daphne-*.log"))

    def keep_logs(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for path in (self.stack.prefix / "log").glob("*.log"):
            shutil.copy(path, directory / path.name)


class EmbeddedServer(Logs):
    name = "embedded default (uvicorn, SQLite, in-memory layer)"
    process_name = "uvicorn"

    def __init__(self, env: dict[str, str]):
        self.dir = Path(tempfile.mkdtemp(prefix="gridroom-bench-"))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.dir / "server.log"
        drop = ("DATABASE_URL", "REDIS_URL", "GRIDROOM_PRODUCTION", "DJANGO_SETTINGS_MODULE")
        self.env = {k: v for k, v in os.environ.items() if k not in drop}
        self.env.update(env, PORT=str(self.port), GRIDROOM_DATA_DIR=str(self.dir / "data"))

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(REPO / "scripts" / "run_embedded.bash")],
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=2):
                    self.pids = [self.process.pid]
                    return
            except OSError:
                time.sleep(0.2)  # polling a starting subprocess
        raise SystemExit(f"the server did not answer:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def stats(self) -> dict:
        return proc_stats(self.pids)

    def log_paths(self) -> list[Path]:
        return [self.log]

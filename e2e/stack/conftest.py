"""The production shape under test: `deploy.stack.Stack` (the shipped installer,
supervisor, nginx, gunicorn, two daphne processes, the clock program, PostgreSQL
and Redis), driven by the same browsers and page helpers as the rest of e2e/.

Run with `.venv/bin/python -m pytest -q e2e/stack` (starting the stack takes
20-60 s: the installer builds a venv under a temporary prefix).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from deploy.stack import Stack, wait_for
from e2e.stack.tabs import DAPHNE, accepting

# Short enough that a test sees the rejoin loop and the heartbeat at work.
STACK_ENV = {
    "GRIDROOM_GROUP_REJOIN_SECONDS": "2",
    "GRIDROOM_HEARTBEAT_SECONDS": "2",
}
PROGRAMS = (
    "postgres",
    "redis",
    "nginx",
    "gridroom:gridroom-gunicorn",
    "gridroom:gridroom-daphne-0",
    "gridroom:gridroom-daphne-1",
    "gridroom:gridroom-clock",
)
RECOVERY_SECONDS = 60


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """One stack for the whole session; `Stack.start` prints the logs and
    cleans up if it fails to come up."""
    running = Stack(extra_env=STACK_ENV).start()
    try:
        yield running
    finally:
        running.stop()


@dataclass
class StackServer:
    """Stands in for e2e/conftest.py's `Server`: its failure report ("server
    log") then carries `stack.logs()`, the tail of every program's log."""

    stack: Stack

    @property
    def url(self) -> str:
        return self.stack.base_url

    def log_size(self) -> int:
        return 0

    def log_since(self, offset: int = 0) -> str:
        return self.stack.logs()


@pytest.fixture(scope="session")
def server(stack: Stack) -> StackServer:
    """Here the app under test is the stack, not `scripts/run_embedded.bash`."""
    return StackServer(stack)


@pytest.fixture(scope="session")
def base_url(stack: Stack) -> str:
    """Relative `page.goto("/sheets/")` goes through the stack's nginx."""
    return stack.base_url


@pytest.fixture(scope="session")
def browser_context_args(base_url: str) -> dict:
    """The same context arguments as e2e/conftest.py's, built here without
    pytest-playwright's `browser_context_args`: that one is session-scoped and
    cached with the first `base_url` it sees, so using it here would send the
    embedded tests of the same run to the stack (or these to the embedded app)."""
    return {"base_url": base_url, "viewport": {"width": 1400, "height": 1000}}


def all_running(stack: Stack) -> bool:
    status = stack.ctl("status", check=False)
    states = {}
    for line in status.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            states[parts[0]] = parts[1]
    return all(states.get(program) == "RUNNING" for program in PROGRAMS)


@pytest.fixture(autouse=True)
def _stack_running(stack: Stack) -> Stack:
    """Every test starts with every program up (an earlier test may have
    killed or restarted one)."""
    sockets = [str(stack.prefix / "run" / f"daphne-{i}.sock") for i in range(len(DAPHNE))]
    wait_for(
        lambda: all_running(stack) and all(accepting(s) for s in sockets),
        RECOVERY_SECONDS,
        "every program RUNNING and every daphne accepting",
        0.5,
    )
    return stack

"""Fixtures the sheet tests share (the project-wide ones are in the top conftest.py)."""

import pytest

from sheets import services
from sheets.io import jobs
from sheets.tests.helpers import col_ids, new_id
from sheets.tests.importing import ProgressGate


@pytest.fixture
def typed_sheet(sheet, user):
    """The default sheet with its first four columns typed text, number, date, checkbox."""
    cols = col_ids(sheet)
    for col, column_type in zip(cols, ["text", "number", "date", "checkbox"], strict=False):
        services.column_update(
            sheet=sheet, user=user, client_id="", op_id=new_id(), column=col, type=column_type
        )
    return sheet


@pytest.fixture
def progress_gate(monkeypatch):
    """The import thread waits at each progress report until the test says
    `go_on` (see ProgressGate)."""
    gate = ProgressGate(within=10)
    monkeypatch.setattr(jobs, "set_progress", gate.hold(jobs.set_progress))
    yield gate
    gate.open()

"""Fixtures the sheet tests share (the project-wide ones are in the top conftest.py)."""

import pytest

from sheets import realtime, services
from sheets.tests.helpers import col_ids, new_id


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, dict]]:
    """Every group message the services hand to the channel layer."""
    messages: list[tuple[str, dict]] = []

    def record(group, event, close_code=None, **extra):
        messages.append((group, {"event": event, "close_code": close_code, **extra}))

    monkeypatch.setattr(realtime, "_group_send", record)
    return messages


@pytest.fixture
def typed_sheet(sheet, user):
    """The default sheet with its first four columns typed text, number, date, checkbox."""
    cols = col_ids(sheet)
    for col, column_type in zip(cols, ["text", "number", "date", "checkbox"], strict=False):
        services.column_update(
            sheet=sheet, user=user, client_id="", op_id=new_id(), column=col, type=column_type
        )
    return sheet

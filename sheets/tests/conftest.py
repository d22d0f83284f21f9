"""Fixtures the sheet tests share (the project-wide ones are in the top conftest.py)."""

import pytest

from sheets import services
from sheets.tests.helpers import col_ids, new_id


@pytest.fixture
def typed_sheet(sheet, user):
    """The default sheet with its first four columns typed text, number, date, checkbox."""
    cols = col_ids(sheet)
    for col, column_type in zip(cols, ["text", "number", "date", "checkbox"], strict=False):
        services.column_update(
            sheet=sheet, user=user, client_id="", op_id=new_id(), column=col, type=column_type
        )
    return sheet

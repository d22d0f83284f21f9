"""Every sheet event and undo record has its op family's entry (sheets/op_registry.py)."""

import pytest

from sheets import op_registry, selectors
from sheets.op_registry import Conflict
from sheets.realtime import events


def test_every_sheet_event_type_is_registered():
    assert events.SHEET_EVENT_TYPES
    assert op_registry.registered_events() == set(events.SHEET_EVENT_TYPES)


def test_an_event_type_cannot_be_registered_twice_nor_unlisted():
    with pytest.raises(ValueError):
        op_registry.register_event(events.CELLS_CHANGED, summary=str, touches=lambda e, c: False)
    with pytest.raises(ValueError):
        op_registry.register_event("cells.sorted", summary=str, touches=lambda e, c: False)


@pytest.mark.parametrize(
    ("event", "summary"),
    [
        (events.cells_changed([{"row": "r", "col": "c", "value": 1}]), "edited 1 cell"),
        (events.rows_deleted(["a", "b"], [1.0, 2.0]), "deleted 2 rows"),
        (events.sheet_renamed("Plan"), "renamed the sheet to Plan"),
        (events.sheet_reset(mode="append", rows=3), "imported 3 rows (appended)"),
        ({"type": "sheet.unknown"}, "sheet.unknown"),
    ],
)
def test_each_event_says_what_it_did_in_one_line(event, summary):
    assert selectors.change_summary(event) == summary


def test_the_blame_asks_each_event_whether_it_touched_the_conflict():
    conflict = Conflict("a cell it changed was", cells=[("r1", "c1")])
    column = {"id": "c1", "name": "A", "type": "text"}
    assert op_registry.touches(
        events.cells_changed([{"row": "r1", "col": "c1", "value": 1}]), conflict
    )
    assert not op_registry.touches(
        events.cells_changed([{"row": "r2", "col": "c1", "value": 1}]), conflict
    )
    assert op_registry.touches(events.rows_deleted(["r1"], [1.0]), conflict)
    assert op_registry.touches(events.columns_deleted(["c1"]), conflict)
    assert op_registry.touches(events.column_updated(column, {}), conflict)
    assert not op_registry.touches(events.sheet_renamed("Plan"), conflict)
    assert op_registry.touches(events.sheet_reset(mode="replace", rows=0), conflict)


def test_the_events_that_insert_or_delete_rows_say_how_the_count_changes():
    inserted = events.rows_inserted([{"id": "a", "after": None, "values": {}, "position": 1.0}] * 3)
    assert op_registry.row_count_after(inserted, 10) == 13
    assert op_registry.row_count_after(events.rows_deleted(["a", "b"], [1.0, 2.0]), 10) == 8
    assert op_registry.row_count_after(events.sheet_reset(mode="replace", rows=4), 10) == 4
    assert op_registry.row_count_after(events.sheet_reset(mode="append", rows=4), 10) == 14
    assert op_registry.row_count_after(events.sheet_renamed("x"), 10) == 10

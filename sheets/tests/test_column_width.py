"""A column's width in the grid, kept for everyone: set through the column
update op, refused out of its bounds, in the snapshot and the event, undone
and redone, and sent live to every tab of the sheet."""

import json

import pytest
from channels.db import database_sync_to_async

from sheets import selectors, services
from sheets.models import Change, Column
from sheets.services import OpError
from sheets.tests.helpers import col_ids, logged_in_client, new_id, post, sheet_tabs, version

pytestmark = pytest.mark.django_db


def set_width(sheet, user, col, width, **more):
    return services.column_update(
        sheet=sheet, user=user, client_id="tab-1", op_id=new_id(), column=col, width=width, **more
    )


def width_of(col: str) -> int | None:
    return Column.objects.get(id=col).width


def snapshot_column(sheet, col: str) -> dict:
    columns = selectors.sheet_snapshot(sheet=sheet)["columns"]
    return next(c for c in columns if c["id"] == col)


def test_width_is_set_shown_in_the_event_and_the_snapshot(sheet, user):
    col = col_ids(sheet)[0]
    assert snapshot_column(sheet, col)["width"] is None  # the grid's default
    answer = set_width(sheet, user, col, 240)
    assert width_of(col) == 240
    assert answer["event"]["type"] == "column.updated"
    assert answer["event"]["column"]["width"] == 240
    assert answer["event"]["values"] == {}
    assert snapshot_column(sheet, col)["width"] == 240
    assert Change.objects.filter(sheet=sheet).count() == 1


def test_width_alone_keeps_name_type_and_summary(sheet, user):
    col = col_ids(sheet)[0]
    before = Column.objects.get(id=col)
    set_width(sheet, user, col, 300)
    after = Column.objects.get(id=col)
    assert (after.name, after.type, after.summary) == (before.name, before.type, before.summary)


def test_null_width_is_the_default_again(sheet, user):
    col = col_ids(sheet)[0]
    set_width(sheet, user, col, 300)
    answer = set_width(sheet, user, col, None)
    assert width_of(col) is None
    assert answer["event"]["column"]["width"] is None


def test_width_goes_with_a_rename_in_one_op(sheet, user):
    col = col_ids(sheet)[0]
    answer = set_width(sheet, user, col, 90, name="Short")
    assert answer["event"]["column"]["name"] == "Short"
    assert answer["event"]["column"]["width"] == 90


@pytest.mark.parametrize(
    "width", ["200", -5, 0, 39, 1001, 10**9, 120.5, 200.0, True, [], {}], ids=repr
)
def test_bad_width_is_refused_and_nothing_changes(sheet, user, width):
    col = col_ids(sheet)[0]
    set_width(sheet, user, col, 200)
    seen = version(sheet)
    with pytest.raises(OpError) as refused:
        set_width(sheet, user, col, width)
    assert (refused.value.error, refused.value.status) == ("invalid_width", 400)
    assert width_of(col) == 200
    assert version(sheet) == seen


def test_bounds_are_taken(sheet, user):
    col = col_ids(sheet)[0]
    set_width(sheet, user, col, 40)
    assert width_of(col) == 40
    set_width(sheet, user, col, 1000)
    assert width_of(col) == 1000


def test_undo_restores_the_old_width_and_redo_the_new(sheet, user):
    col = col_ids(sheet)[0]
    set_width(sheet, user, col, 200)
    set_width(sheet, user, col, 400)
    undone = services.sheet_undo(sheet=sheet, user=user, client_id="tab-1", op_id=new_id())
    assert width_of(col) == 200
    assert undone["event"]["column"]["width"] == 200
    services.sheet_redo(sheet=sheet, user=user, client_id="tab-1", op_id=new_id())
    assert width_of(col) == 400


def test_undoing_a_column_delete_brings_its_width_back(sheet, user):
    col = col_ids(sheet)[1]
    set_width(sheet, user, col, 333)
    services.columns_delete(
        sheet=sheet, user=user, client_id="tab-1", op_id=new_id(), columns=[col]
    )
    undone = services.sheet_undo(sheet=sheet, user=user, client_id="tab-1", op_id=new_id())
    assert width_of(col) == 333
    assert next(c for c in undone["event"]["columns"] if c["id"] == col)["width"] == 333


def test_undo_of_a_first_width_gives_the_default_back(sheet, user):
    col = col_ids(sheet)[0]
    set_width(sheet, user, col, 500)
    services.sheet_undo(sheet=sheet, user=user, client_id="tab-1", op_id=new_id())
    assert width_of(col) is None


def test_undo_is_refused_when_someone_resized_since(sheet, user, other_user):
    services.sheet_share(sheet=sheet, user=user, who=other_user.username, role="editor")
    col = col_ids(sheet)[0]
    set_width(sheet, user, col, 200)
    set_width(sheet, other_user, col, 600)
    with pytest.raises(OpError) as refused:
        services.sheet_undo(sheet=sheet, user=user, client_id="tab-1", op_id=new_id())
    assert refused.value.error == "undo_conflict"
    assert width_of(col) == 600


def test_undo_of_a_rename_from_before_widths_keeps_working(sheet, user):
    """An undo record made before columns had a width (no "width" in it) still undoes."""
    col = col_ids(sheet)[0]
    set_width(sheet, user, col, None, name="New name")
    change = Change.objects.filter(sheet=sheet).latest("seq")
    for side in ("before", "after"):
        del change.undo[side]["width"]
    change.save(update_fields=["undo"])
    services.sheet_undo(sheet=sheet, user=user, client_id="tab-1", op_id=new_id())
    assert Column.objects.get(id=col).name != "New name"


# --- Through the API and the socket


def _op(client, sheet, body):
    url = f"/api/sheets/{sheet.id}/columns/update"
    return post(client, url, {"client_id": "tab-1", "op_id": new_id(), **body})


@pytest.mark.parametrize("width", ["wide", -1, 5000, 12.5], ids=repr)
def test_api_refuses_a_bad_width_with_a_400(client_for, user, sheet, width):
    client = client_for(user)
    col = col_ids(sheet)[0]
    response = _op(client, sheet, {"column": col, "width": width})
    assert response.status_code == 400
    answer = json.loads(response.content)
    assert answer["error"] == "invalid_width"
    assert "40" in answer["message"] and "1000" in answer["message"]
    assert width_of(col) is None
    assert version(sheet) == 0


def test_api_sets_the_width(client_for, user, sheet):
    client = client_for(user)
    col = col_ids(sheet)[0]
    response = _op(client, sheet, {"column": col, "width": 222})
    assert response.status_code == 200
    assert width_of(col) == 222
    snapshot = json.loads(client.get(f"/api/sheets/{sheet.id}/").content)
    assert next(c for c in snapshot["columns"] if c["id"] == col)["width"] == 222


def test_a_viewer_cannot_resize(client_for, make_user, user, sheet):
    viewer = make_user()
    services.sheet_share(sheet=sheet, user=user, who=viewer.username, role="viewer")
    col = col_ids(sheet)[0]
    response = _op(client_for(viewer), sheet, {"column": col, "width": 300})
    assert response.status_code == 403
    assert width_of(col) is None


@pytest.mark.django_db(transaction=True)
async def test_width_change_reaches_every_tab(ws_connect, user, sheet):
    tabs = await sheet_tabs(ws_connect, user, sheet)
    client = await logged_in_client(user)
    col = (await database_sync_to_async(col_ids)(sheet))[1]
    response = await database_sync_to_async(_op)(client, sheet, {"column": col, "width": 333})
    assert response.status_code == 200
    for tab in tabs:
        event = await tab.receive_type("column.updated")
        assert event["column"]["id"] == col
        assert event["column"]["width"] == 333
        await tab.disconnect()

"""Wrapped text, a column property kept for everyone: set through the column
update op, refused unless true or false, in the snapshot and the event,
undone and redone, kept by an undone column delete, and sent live."""

import pytest
from channels.db import database_sync_to_async

from sheets import selectors, services
from sheets.models import Column
from sheets.services import OpError
from sheets.tests.helpers import (
    assert_json_error,
    col_ids,
    logged_in_client,
    new_id,
    post,
    sheet_state,
    sheet_tabs,
)

pytestmark = pytest.mark.django_db


def set_wrap(sheet, user, col, wrap):
    return services.column_update(
        sheet=sheet, user=user, client_id="tab-1", op_id=new_id(), column=col, wrap=wrap
    )


def undo(sheet, user):
    return services.sheet_undo(sheet=sheet, user=user, client_id="tab-1", op_id=new_id())


def redo(sheet, user):
    return services.sheet_redo(sheet=sheet, user=user, client_id="tab-1", op_id=new_id())


def snapshot_column(sheet, col: str) -> dict:
    return next(c for c in selectors.sheet_snapshot(sheet=sheet)["columns"] if c["id"] == col)


def test_wrap_is_off_by_default_set_in_the_event_and_the_snapshot(sheet, user):
    col = col_ids(sheet)[0]
    assert snapshot_column(sheet, col)["wrap"] is False
    before = Column.objects.get(id=col)
    answer = set_wrap(sheet, user, col, True)
    assert answer["event"]["type"] == "column.updated"
    assert answer["event"]["column"]["wrap"] is True
    assert answer["event"]["values"] == {}
    assert snapshot_column(sheet, col)["wrap"] is True
    after = Column.objects.get(id=col)
    assert (after.name, after.type, after.width) == (before.name, before.type, before.width)


def test_wrap_is_undone_and_redone(sheet, user):
    col = col_ids(sheet)[0]
    set_wrap(sheet, user, col, True)
    assert undo(sheet, user)["event"]["column"]["wrap"] is False
    assert Column.objects.get(id=col).wrap is False
    assert redo(sheet, user)["event"]["column"]["wrap"] is True
    assert Column.objects.get(id=col).wrap is True


def test_an_undone_column_delete_keeps_its_wrap(sheet, user):
    col = col_ids(sheet)[0]
    set_wrap(sheet, user, col, True)
    services.columns_delete(sheet=sheet, user=user, client_id="t", op_id=new_id(), columns=[col])
    answer = undo(sheet, user)
    assert answer["event"]["columns"][0]["wrap"] is True
    assert Column.objects.get(id=col).wrap is True


@pytest.mark.parametrize("bad", [None, 1, "yes", [], {}])
def test_wrap_other_than_true_or_false_is_refused(sheet, user, bad):
    col = col_ids(sheet)[0]
    state = sheet_state(sheet)
    with pytest.raises(OpError) as exc:
        set_wrap(sheet, user, col, bad)
    assert exc.value.error == "invalid_wrap"
    assert sheet_state(sheet) == state


def test_viewer_cannot_wrap(sheet, user, other_user, client_for):
    services.sheet_share(sheet=sheet, user=user, who=other_user.username, role="viewer")
    col = col_ids(sheet)[0]
    state = sheet_state(sheet)
    body = {"client_id": "t", "op_id": new_id(), "column": col, "wrap": True}
    response = post(client_for(other_user), f"/api/sheets/{sheet.id}/columns/update", body)
    assert_json_error(response, 403, "forbidden")
    assert sheet_state(sheet) == state


@pytest.mark.django_db(transaction=True)
async def test_wrap_reaches_every_tab(ws_connect, user, sheet):
    tabs = await sheet_tabs(ws_connect, user, sheet)
    col = (await database_sync_to_async(col_ids)(sheet))[0]
    client = await logged_in_client(user)
    response = await database_sync_to_async(post)(
        client,
        f"/api/sheets/{sheet.id}/columns/update",
        {"client_id": "tab-1", "op_id": new_id(), "column": col, "wrap": True},
    )
    assert response.status_code == 200
    for tab in tabs:
        event = await tab.receive_type("column.updated")
        assert event["column"]["id"] == col
        assert event["column"]["wrap"] is True
        await tab.disconnect()

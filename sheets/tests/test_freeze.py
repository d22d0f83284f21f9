"""Frozen columns: the first N columns stay in place while the grid scrolls
sideways, for everyone. Set through the freeze op, refused out of its bounds,
in the snapshot (both encodings) and the event, undone and redone, and sent
live to every tab of the sheet."""

import json

import pytest
from channels.db import database_sync_to_async

from sheets import selectors, services
from sheets.models import Change, Sheet
from sheets.services import OpError
from sheets.tests.helpers import logged_in_client, new_id, post, sheet_state, sheet_tabs, version

pytestmark = pytest.mark.django_db


def freeze(sheet, user, columns):
    return services.sheet_freeze(
        sheet=sheet, user=user, client_id="tab-1", op_id=new_id(), columns=columns
    )


def frozen(sheet) -> int:
    return Sheet.objects.get(pk=sheet.pk).frozen_columns


def undo(sheet, user):
    return services.sheet_undo(sheet=sheet, user=user, client_id="tab-1", op_id=new_id())


def test_a_new_sheet_freezes_nothing(sheet):
    assert frozen(sheet) == 0
    assert selectors.sheet_snapshot(sheet=sheet)["frozen_columns"] == 0


def test_freeze_is_kept_shown_in_the_event_and_logged(sheet, user):
    answer = freeze(sheet, user, 2)
    assert frozen(sheet) == 2
    assert answer["applied"] is True
    assert answer["event"]["type"] == "sheet.frozen"
    assert answer["event"]["columns"] == 2
    assert selectors.sheet_snapshot(sheet=Sheet.objects.get(pk=sheet.pk))["frozen_columns"] == 2
    change = Change.objects.get(sheet=sheet)
    assert selectors.change_summary(change.payload) == "froze 2 columns"


def test_the_same_count_again_changes_nothing(sheet, user):
    freeze(sheet, user, 1)
    seen = version(sheet)
    answer = freeze(sheet, user, 1)
    assert answer["applied"] is False
    assert version(sheet) == seen


def test_more_than_the_sheet_has_is_kept(sheet, user):
    """The grid freezes the columns there are; a column added later joins them."""
    freeze(sheet, user, services.sheets.MAX_FROZEN_COLUMNS)
    assert frozen(sheet) == services.sheets.MAX_FROZEN_COLUMNS


@pytest.mark.parametrize("columns", [-1, 11, 10**9, 1.5, 2.0, "2", True, None, [], {}], ids=repr)
def test_bad_count_is_refused_and_nothing_changes(sheet, user, columns):
    freeze(sheet, user, 1)
    before = sheet_state(sheet)
    with pytest.raises(OpError) as refused:
        freeze(sheet, user, columns)
    assert (refused.value.error, refused.value.status) == ("invalid_frozen_columns", 400)
    assert sheet_state(sheet) == before


def test_undo_gives_the_old_count_back_and_redo_the_new(sheet, user):
    freeze(sheet, user, 1)
    freeze(sheet, user, 3)
    undone = undo(sheet, user)
    assert (undone["event"]["type"], undone["event"]["columns"]) == ("sheet.frozen", 1)
    assert frozen(sheet) == 1
    services.sheet_redo(sheet=sheet, user=user, client_id="tab-1", op_id=new_id())
    assert frozen(sheet) == 3


def test_undo_is_refused_when_someone_froze_since(sheet, user, other_user):
    services.sheet_share(sheet=sheet, user=user, who=other_user.username, role="editor")
    freeze(sheet, user, 2)
    freeze(sheet, other_user, 4)
    with pytest.raises(OpError) as refused:
        undo(sheet, user)
    assert refused.value.error == "undo_conflict"
    assert frozen(sheet) == 4


# --- Through the API and the socket


def _op(client, sheet, body):
    return post(
        client, f"/api/sheets/{sheet.id}/freeze", {"client_id": "tab-1", "op_id": new_id(), **body}
    )


def test_api_freezes_and_both_snapshots_say_so(client_for, user, sheet):
    client = client_for(user)
    response = _op(client, sheet, {"columns": 2})
    assert response.status_code == 200
    assert json.loads(client.get(f"/api/sheets/{sheet.id}/").content)["frozen_columns"] == 2
    block = b"".join(client.get(f"/api/sheets/{sheet.id}/?rows=block&limit=5").streaming_content)
    assert json.loads(block)["frozen_columns"] == 2


@pytest.mark.parametrize("columns", ["two", -1, 99, 0.5], ids=repr)
def test_api_refuses_a_bad_count_with_a_400(client_for, user, sheet, columns):
    response = _op(client_for(user), sheet, {"columns": columns})
    assert response.status_code == 400
    answer = json.loads(response.content)
    assert answer["error"] == "invalid_frozen_columns"
    assert "0" in answer["message"] and "10" in answer["message"]
    assert frozen(sheet) == 0
    assert version(sheet) == 0


def test_api_refuses_a_missing_count(client_for, user, sheet):
    response = _op(client_for(user), sheet, {})
    assert response.status_code == 400
    assert json.loads(response.content)["error"] == "missing_field"
    assert frozen(sheet) == 0


def test_a_viewer_cannot_freeze(client_for, make_user, user, sheet):
    viewer = make_user()
    services.sheet_share(sheet=sheet, user=user, who=viewer.username, role="viewer")
    response = _op(client_for(viewer), sheet, {"columns": 2})
    assert response.status_code == 403
    assert frozen(sheet) == 0


def test_another_users_sheet_is_not_found(client_for, make_user, sheet):
    response = _op(client_for(make_user()), sheet, {"columns": 2})
    assert response.status_code == 404
    assert frozen(sheet) == 0


@pytest.mark.django_db(transaction=True)
async def test_freeze_reaches_every_tab(ws_connect, user, sheet):
    tabs = await sheet_tabs(ws_connect, user, sheet)
    client = await logged_in_client(user)
    response = await database_sync_to_async(_op)(client, sheet, {"columns": 3})
    assert response.status_code == 200
    for tab in tabs:
        event = await tab.receive_type("sheet.frozen")
        assert event["columns"] == 3
        await tab.disconnect()

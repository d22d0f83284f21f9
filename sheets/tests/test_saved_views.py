"""Shared views: saved, changed and deleted through ops by editors, seen by
every reader in the snapshot (both encodings) and live, undone and redone;
every bad input refused with a code and nothing changed; a column deleted
later left out of what the view shows."""

import json

import pytest
from channels.db import database_sync_to_async

from sheets import selectors, services, windows
from sheets.models import Change, SavedView, Sheet
from sheets.services import OpError
from sheets.services.saved_views import MAX_VIEWS
from sheets.tests.helpers import (
    col_ids,
    logged_in_client,
    new_id,
    post,
    sheet_state,
    sheet_tabs,
    version,
)

pytestmark = pytest.mark.django_db


def save(sheet, user, name="By name", spec=None):
    return services.view_save(
        sheet=sheet, user=user, client_id="tab-1", op_id=new_id(), name=name, spec=spec
    )


def change(sheet, user, view, **fields):
    return services.view_update(
        sheet=sheet, user=user, client_id="tab-1", op_id=new_id(), view=view, **fields
    )


def delete(sheet, user, view):
    return services.view_delete(
        sheet=sheet, user=user, client_id="tab-1", op_id=new_id(), view=view
    )


def undo(sheet, user):
    return services.sheet_undo(sheet=sheet, user=user, client_id="tab-1", op_id=new_id())


def redo(sheet, user):
    return services.sheet_redo(sheet=sheet, user=user, client_id="tab-1", op_id=new_id())


def views(sheet) -> list[dict]:
    return selectors.sheet_snapshot(sheet=Sheet.objects.get(pk=sheet.pk))["views"]


def a_spec(sheet) -> dict:
    cols = col_ids(sheet)
    return {
        "sort": [{"column": cols[0], "dir": "desc"}, {"column": cols[1]}],
        "filters": [{"column": cols[1], "op": "contains", "value": "a"}],
        "hidden": [cols[2]],
        "order": [cols[3], cols[0]],
    }


def test_a_saved_view_is_kept_shown_in_the_event_and_logged(sheet, user):
    spec = a_spec(sheet)
    answer = save(sheet, user, "Mine", spec)
    assert answer["applied"] is True
    event = answer["event"]
    assert event["type"] == "view.saved"
    view = event["view"]
    assert view["name"] == "Mine"
    assert view["created_by"] == user.id
    # The sort key without a dir is stored ascending.
    assert view["spec"]["sort"] == [spec["sort"][0], {**spec["sort"][1], "dir": "asc"}]
    assert view["spec"]["filters"] == spec["filters"]
    assert (view["spec"]["hidden"], view["spec"]["order"]) == (spec["hidden"], spec["order"])
    assert answer["view"] == view
    assert views(sheet) == [view]
    assert selectors.change_summary(Change.objects.get(sheet=sheet).payload) == (
        'saved the view "Mine"'
    )


def test_views_are_listed_by_name_and_an_empty_spec_is_a_plain_view(sheet, user):
    save(sheet, user, "Zed")
    save(sheet, user, "Alpha")
    listed = views(sheet)
    assert [v["name"] for v in listed] == ["Alpha", "Zed"]
    assert listed[0]["spec"] == {"sort": [], "filters": [], "hidden": [], "order": []}


def test_update_changes_name_and_spec_and_the_same_again_changes_nothing(sheet, user):
    view = save(sheet, user, "One")["view"]
    cols = col_ids(sheet)
    answer = change(sheet, user, view["id"], name="Two", spec={"sort": [{"column": cols[2]}]})
    assert answer["event"]["view"]["name"] == "Two"
    assert answer["event"]["view"]["spec"]["sort"] == [{"column": cols[2], "dir": "asc"}]
    seen = version(sheet)
    again = change(sheet, user, view["id"], name="Two", spec={"sort": [{"column": cols[2]}]})
    assert again["applied"] is False
    assert version(sheet) == seen
    # Only the name: the spec stays.
    change(sheet, user, view["id"], name="Three")
    assert views(sheet)[0]["spec"]["sort"] == [{"column": cols[2], "dir": "asc"}]


def test_delete_removes_it_and_says_so(sheet, user):
    view = save(sheet, user)["view"]
    answer = delete(sheet, user, view["id"])
    assert answer["event"]["type"] == "view.deleted"
    assert answer["event"]["view"] == view["id"]
    assert views(sheet) == []


def test_undo_and_redo_of_each_op(sheet, user):
    cols = col_ids(sheet)
    view = save(sheet, user, "V")["view"]
    change(sheet, user, view["id"], spec={"sort": [{"column": cols[1], "dir": "desc"}]})
    assert undo(sheet, user)["event"]["view"]["spec"]["sort"] == []
    assert redo(sheet, user)["event"]["view"]["spec"]["sort"][0]["dir"] == "desc"
    delete(sheet, user, view["id"])
    assert views(sheet) == []
    back = undo(sheet, user)["event"]
    assert (back["type"], back["view"]["id"], back["view"]["name"]) == (
        "view.saved",
        view["id"],
        "V",
    )
    redo(sheet, user)
    assert views(sheet) == []
    undo(sheet, user)  # the delete undone again: it is back
    assert [v["id"] for v in views(sheet)] == [view["id"]]


def test_undo_of_a_save_removes_it(sheet, user):
    view = save(sheet, user)["view"]
    assert undo(sheet, user)["event"] == {**undo_event_envelope(sheet), "view": view["id"]}
    assert views(sheet) == []


def undo_event_envelope(sheet) -> dict:
    event = Change.objects.filter(sheet=sheet).order_by("-seq").first().payload
    return {k: v for k, v in event.items() if k != "view"}


def test_undo_is_refused_when_someone_changed_the_view_since(sheet, user, other_user):
    services.sheet_share(sheet=sheet, user=user, who=other_user.username, role="editor")
    view = save(sheet, user, "V")["view"]
    change(sheet, other_user, view["id"], name="W")
    with pytest.raises(OpError) as refused:
        undo(sheet, user)
    assert refused.value.error == "undo_conflict"
    assert views(sheet)[0]["name"] == "W"


def test_a_deleted_column_is_left_out_and_comes_back_with_its_undo(sheet, user):
    cols = col_ids(sheet)
    spec = {
        "sort": [{"column": cols[0], "dir": "asc"}, {"column": cols[1], "dir": "desc"}],
        "filters": [{"column": cols[0], "op": "not_empty"}],
        "hidden": [cols[0], cols[2]],
        "order": [cols[0], cols[3]],
    }
    save(sheet, user, "V", spec)
    services.columns_delete(
        sheet=sheet, user=user, client_id="tab-1", op_id=new_id(), columns=[cols[0]]
    )
    shown = views(sheet)[0]["spec"]
    assert shown == {
        "sort": [{"column": cols[1], "dir": "desc"}],
        "filters": [],
        "hidden": [cols[2]],
        "order": [cols[3]],
    }
    # The block encoding says the same.
    block = json.loads(b"".join(windows.snapshot_stream(Sheet.objects.get(pk=sheet.pk), 5)))
    assert block["views"][0]["spec"] == shown
    undo(sheet, user)
    assert views(sheet)[0]["spec"] == spec


# Each bad spec, made from the sheet's column ids, and its code.
BAD_SPECS = {
    "not an object": (lambda c: "sort by A", "invalid_view"),
    "unknown field": (lambda c: {"sort": [], "colour": "red"}, "invalid_view"),
    "unknown sort column": (lambda c: {"sort": [{"column": "nope"}]}, "unknown_column"),
    "bad dir": (lambda c: {"sort": [{"column": c[0], "dir": "up"}]}, "invalid_sort"),
    "sort not a list": (lambda c: {"sort": "x"}, "invalid_sort"),
    "twice sorted": (lambda c: {"sort": [{"column": c[0]}, {"column": c[0]}]}, "invalid_sort"),
    "six keys": (
        lambda c: {"sort": [{"column": i} for i in c] + [{"column": "x"}]},
        "invalid_sort",
    ),
    "bad operator": (lambda c: {"filters": [{"column": c[0], "op": "<"}]}, "invalid_operator"),
    "value missing": (lambda c: {"filters": [{"column": c[0], "op": "is"}]}, "invalid_value"),
    "unknown hidden": (lambda c: {"hidden": ["nope"]}, "unknown_column"),
    "hidden not a list": (lambda c: {"hidden": "x"}, "invalid_hidden"),
    "hidden not ids": (lambda c: {"hidden": [1]}, "invalid_hidden"),
    "every column hidden": (lambda c: {"hidden": c}, "invalid_hidden"),
    "ordered twice": (lambda c: {"order": [c[0], c[0]]}, "invalid_order"),
    "unknown ordered": (lambda c: {"order": [c[0], "nope"]}, "unknown_column"),
}


@pytest.mark.parametrize("case", list(BAD_SPECS))
def test_a_bad_spec_is_refused_and_nothing_changes(sheet, user, case):
    view = save(sheet, user)["view"]
    make, code = BAD_SPECS[case]
    spec = make(col_ids(sheet))
    before = sheet_state(sheet)
    for attempt in (
        lambda: save(sheet, user, "Other", spec),
        lambda: change(sheet, user, view["id"], spec=spec),
    ):
        with pytest.raises(OpError) as refused:
            attempt()
        assert (refused.value.error, refused.value.status) == (code, 400)
        assert sheet_state(sheet) == before


@pytest.mark.parametrize(
    "name", ["", "   ", None, 7, "x" * 101, "a\x00b", ["V"]], ids=lambda v: repr(v)[:20]
)
def test_a_bad_name_is_refused(sheet, user, name):
    view = save(sheet, user, "Kept")["view"]
    before = sheet_state(sheet)
    with pytest.raises(OpError) as refused:
        save(sheet, user, name)
    assert refused.value.error == "invalid_name"
    if name is not None:  # null in an update means "keep the name"
        with pytest.raises(OpError):
            change(sheet, user, view["id"], name=name)
    assert sheet_state(sheet) == before


def test_a_name_taken_in_any_case_is_refused(sheet, user):
    save(sheet, user, "Late")
    other = save(sheet, user, "Early")["view"]
    before = sheet_state(sheet)
    for attempt in (
        lambda: save(sheet, user, "late"),
        lambda: change(sheet, user, other["id"], name=" LATE "),
    ):
        with pytest.raises(OpError) as refused:
            attempt()
        assert (refused.value.error, refused.value.status) == ("duplicate_name", 400)
    assert sheet_state(sheet) == before
    # Its own name in another case is a rename.
    assert change(sheet, user, other["id"], name="EARLY")["applied"] is True


def test_at_most_so_many_views(sheet, user):
    SavedView.objects.bulk_create(
        SavedView(sheet=sheet, name=f"v{i}", spec={}) for i in range(MAX_VIEWS)
    )
    before = sheet_state(sheet)
    with pytest.raises(OpError) as refused:
        save(sheet, user, "One more")
    assert (refused.value.error, refused.value.status) == ("too_many_views", 400)
    assert sheet_state(sheet) == before


def test_an_unknown_or_foreign_view_is_not_found(sheet, foreign_sheet, other_user, user):
    elsewhere = save(foreign_sheet, other_user)["view"]
    before = sheet_state(sheet)
    for view_id in (new_id(), elsewhere["id"]):
        for attempt in (
            lambda v=view_id: change(sheet, user, v, name="X"),
            lambda v=view_id: delete(sheet, user, v),
        ):
            with pytest.raises(OpError) as refused:
                attempt()
            assert (refused.value.error, refused.value.status) == ("view_not_found", 404)
    with pytest.raises(OpError) as refused:
        delete(sheet, user, "not-a-uuid")
    assert refused.value.error == "invalid_id"
    assert sheet_state(sheet) == before


# --- Through the API and the socket


def _op(client, sheet, op, body):
    return post(
        client,
        f"/api/sheets/{sheet.id}/views/{op}",
        {"client_id": "tab-1", "op_id": new_id(), **body},
    )


def test_api_saves_changes_and_deletes(client_for, user, sheet):
    client = client_for(user)
    spec = a_spec(sheet)
    saved = _op(client, sheet, "save", {"name": "Team", "spec": spec})
    assert saved.status_code == 200
    view = saved.json()["view"]
    snap = json.loads(client.get(f"/api/sheets/{sheet.id}/").content)
    assert snap["views"] == [view]
    block = b"".join(client.get(f"/api/sheets/{sheet.id}/?rows=block&limit=5").streaming_content)
    assert json.loads(block)["views"] == [view]
    renamed = _op(client, sheet, "update", {"view": view["id"], "name": "Team 2"})
    assert renamed.status_code == 200 and renamed.json()["view"]["name"] == "Team 2"
    same = _op(client, sheet, "update", {"view": view["id"], "name": "Team 2"})
    assert same.status_code == 422 and same.json()["applied"] is False
    assert _op(client, sheet, "delete", {"view": view["id"]}).status_code == 200
    assert views(sheet) == []


@pytest.mark.parametrize(
    ("op", "body", "status", "code"),
    [
        ("save", {}, 400, "missing_field"),
        ("save", {"name": "V", "spec": {"sort": [{"column": "x"}]}}, 400, "unknown_column"),
        ("save", {"name": "", "spec": {}}, 400, "invalid_name"),
        ("update", {}, 400, "missing_field"),
        ("update", {"view": "nope"}, 400, "invalid_id"),
        ("delete", {"view": "00000000-0000-4000-8000-000000000000"}, 404, "view_not_found"),
    ],
)
def test_api_refuses_bad_bodies(client_for, user, sheet, op, body, status, code):
    before = sheet_state(sheet)
    response = _op(client_for(user), sheet, op, body)
    assert response.status_code == status
    assert response.json()["error"] == code and response.json()["message"]
    assert sheet_state(sheet) == before


def test_api_refuses_bad_json(client_for, user, sheet):
    response = post(client_for(user), f"/api/sheets/{sheet.id}/views/save", "{nope")
    assert response.status_code == 400
    assert views(sheet) == []


def test_a_viewer_sees_views_but_cannot_write_them(client_for, make_user, user, sheet):
    view = save(sheet, user, "Shared")["view"]
    viewer = make_user()
    services.sheet_share(sheet=sheet, user=user, who=viewer.username, role="viewer")
    client = client_for(viewer)
    before = sheet_state(sheet)
    for op, body in (
        ("save", {"name": "Mine"}),
        ("update", {"view": view["id"], "name": "X"}),
        ("delete", {"view": view["id"]}),
    ):
        response = _op(client, sheet, op, body)
        assert response.status_code == 403
        assert response.json()["error"] == "forbidden"
    assert sheet_state(sheet) == before
    assert json.loads(client.get(f"/api/sheets/{sheet.id}/").content)["views"] == [view]


def test_an_editor_may_write_views(client_for, make_user, user, sheet):
    editor = make_user()
    services.sheet_share(sheet=sheet, user=user, who=editor.username, role="editor")
    assert _op(client_for(editor), sheet, "save", {"name": "E"}).status_code == 200


def test_another_users_sheet_is_not_found(client_for, make_user, user, sheet):
    view = save(sheet, user)["view"]
    before = sheet_state(sheet)
    client = client_for(make_user())
    for op, body in (("save", {"name": "X"}), ("delete", {"view": view["id"]})):
        assert _op(client, sheet, op, body).status_code == 404
    assert client.get(f"/api/sheets/{sheet.id}/").status_code == 404
    assert sheet_state(sheet) == before


@pytest.mark.django_db(transaction=True)
async def test_a_view_change_reaches_every_tab(ws_connect, user, sheet):
    tabs = await sheet_tabs(ws_connect, user, sheet)
    client = await logged_in_client(user)
    response = await database_sync_to_async(_op)(client, sheet, "save", {"name": "Live"})
    assert response.status_code == 200
    view_id = response.json()["view"]["id"]
    for tab in tabs:
        event = await tab.receive_type("view.saved")
        assert event["view"]["name"] == "Live"
    await database_sync_to_async(_op)(client, sheet, "delete", {"view": view_id})
    for tab in tabs:
        assert (await tab.receive_type("view.deleted"))["view"] == view_id
        await tab.disconnect()


def test_the_history_panel_lists_view_changes(client_for, user, sheet):
    view = save(sheet, user, "Team")["view"]
    change(sheet, user, view["id"], spec={"sort": [{"column": col_ids(sheet)[0]}]})
    delete(sheet, user, view["id"])
    page = client_for(user).get(f"/sheets/{sheet.id}/history/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'saved the view "Team"' in text or "saved the view &quot;Team&quot;" in text
    assert "deleted a shared view" in text

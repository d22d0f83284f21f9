"""Roles × actions, sharing and live selections (presence: test_presence.py)."""

import json
import re

import pytest
from channels.db import database_sync_to_async

from sheets import selectors, services
from sheets.models import Change, SheetShare
from sheets.tests.helpers import new_id, sheet_state, update

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def editor(make_user):
    return make_user("bea")


@pytest.fixture
def viewer(make_user):
    return make_user("cal")


@pytest.fixture
def stranger(make_user):
    return make_user("dan")


@pytest.fixture
def shared_sheet(sheet, user, editor, viewer):
    services.sheet_share(sheet=sheet, user=user, who="bea", role="editor")
    services.sheet_share(sheet=sheet, user=user, who="cal", role="viewer")
    return sheet


def post_json(client, url: str, body: dict):
    return client.post(url, json.dumps(body), content_type="application/json")


def first_cell(sheet) -> tuple[str, str]:
    snap = selectors.sheet_snapshot(sheet=sheet)
    return snap["rows"][0]["id"], snap["columns"][0]["id"]


# --- every role × every action through the HTTP surface

WRITE_OPS = {
    "cells": lambda row, col: {"changes": [{"row": row, "col": col, "value": "x"}]},
    "rows/insert": lambda row, col: {"rows": [{"id": new_id(), "after": row}]},
    "rows/delete": lambda row, col: {"rows": [row]},
    "columns/insert": lambda row, col: {"columns": [{"id": new_id(), "name": "N", "after": col}]},
    "columns/delete": lambda row, col: {"columns": [col]},
    "columns/update": lambda row, col: {"column": col, "name": "Renamed"},
    "rename": lambda row, col: {"title": "New title"},
}
EXPECTED = {"owner": 200, "editor": 200, "viewer": 403, "stranger": 404}
REFUSALS = {403: "forbidden", 404: "not_found"}


@pytest.mark.parametrize("op", sorted(WRITE_OPS))
@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_each_role_may_do_exactly_its_writes(
    op, who, shared_sheet, user, editor, viewer, stranger, client_for
):
    actor = {"owner": user, "editor": editor, "viewer": viewer, "stranger": stranger}[who]
    row, col = first_cell(shared_sheet)
    body = {"client_id": "t", "op_id": new_id(), **WRITE_OPS[op](row, col)}
    version = shared_sheet.version
    before = sheet_state(shared_sheet)
    answer = post_json(client_for(actor), f"/api/sheets/{shared_sheet.id}/{op}", body)
    assert answer.status_code == EXPECTED[who], answer.content
    shared_sheet.refresh_from_db()
    if EXPECTED[who] == 200:
        assert shared_sheet.version == version + 1
        assert answer.json()["event"]["user"]["id"] == actor.id
        assert Change.objects.get(sheet=shared_sheet).user_id == actor.id
    else:
        assert answer.json()["error"] == REFUSALS[EXPECTED[who]]
        assert answer.json()["message"]
        assert sheet_state(shared_sheet) == before
        assert not Change.objects.filter(sheet=shared_sheet).exists()


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_each_role_reads_only_what_it_may(
    who, shared_sheet, user, editor, viewer, stranger, client_for
):
    actor = {"owner": user, "editor": editor, "viewer": viewer, "stranger": stranger}[who]
    client = client_for(actor)
    row, col = first_cell(shared_sheet)
    update(shared_sheet, user, [{"row": row, "col": col, "value": "x"}])
    snapshot = client.get(f"/api/sheets/{shared_sheet.id}/")
    changes = client.get(f"/api/sheets/{shared_sheet.id}/changes?since=0")
    page = client.get(f"/sheets/{shared_sheet.id}/")
    history = client.get(f"/sheets/{shared_sheet.id}/history/")
    if who == "stranger":
        for response in (snapshot, changes, page, history):
            assert response.status_code == 404
            assert b"Budget" not in response.content
        assert snapshot.json()["error"] == changes.json()["error"] == "not_found"
        return
    for response in (snapshot, changes, page, history):
        assert response.status_code == 200
    assert (snapshot.json()["id"], snapshot.json()["version"]) == (shared_sheet.id, 1)
    assert [c["seq"] for c in changes.json()["changes"]] == [1]
    assert b"Budget" in page.content
    assert "edited 1 cell" in history.content.decode()


@pytest.mark.parametrize("who,allowed", [("owner", True), ("editor", False), ("viewer", False)])
def test_only_the_owner_shares_and_deletes(
    who, allowed, shared_sheet, user, editor, viewer, stranger, client_for
):
    actor = {"owner": user, "editor": editor, "viewer": viewer}[who]
    client = client_for(actor)
    answer = client.post(f"/sheets/{shared_sheet.id}/share/", {"who": "dan", "role": "editor"})
    assert SheetShare.objects.filter(sheet=shared_sheet, user=stranger).exists() == allowed
    if not allowed:
        assert b"Only the sheet" in answer.content
    client.post(f"/sheets/{shared_sheet.id}/delete/")
    assert type(shared_sheet).objects.filter(pk=shared_sheet.pk).exists() != allowed


def test_stranger_cannot_even_see_the_share_panel(shared_sheet, stranger, client_for):
    client = client_for(stranger)
    shares = list(SheetShare.objects.filter(sheet=shared_sheet).values_list("user", "role"))
    panel = client.get(f"/sheets/{shared_sheet.id}/share/")
    assert panel.status_code == 404
    # As words: the page's random CSRF token may hold the letters "bea".
    assert not re.search(rb"\bbea\b|Budget", panel.content)
    answer = client.post(f"/sheets/{shared_sheet.id}/share/", {"who": "dan", "role": "editor"})
    assert answer.status_code == 404
    assert list(SheetShare.objects.filter(sheet=shared_sheet).values_list("user", "role")) == shares


def test_shared_sheets_appear_in_the_list_marked_shared(shared_sheet, viewer, client_for):
    page = client_for(viewer).get("/sheets/").content.decode()
    assert shared_sheet.title in page
    assert "shared by ann · viewer" in page
    assert f"/sheets/{shared_sheet.id}/delete/" not in page


def test_share_by_email_and_role_change(sheet, user, make_user):
    erin = make_user("erin")
    erin.email = "erin@example.com"
    erin.save()
    services.sheet_share(sheet=sheet, user=user, who="ERIN@example.com", role="viewer")
    services.sheet_share(sheet=sheet, user=user, who="erin", role="editor")
    assert SheetShare.objects.get(sheet=sheet, user=erin).role == "editor"
    assert selectors.can_write(sheet=sheet, user=erin)


@pytest.mark.parametrize(
    "who,role,error",
    [
        ("nobody", "viewer", "unknown_user"),
        ("bea", "admin", "invalid_role"),
        ("ann", "viewer", "invalid_user"),
        ("", "viewer", "invalid_user"),
    ],
)
def test_bad_shares_are_refused_and_change_nothing(sheet, user, editor, who, role, error):
    with pytest.raises(services.OpError) as exc:
        services.sheet_share(sheet=sheet, user=user, who=who, role=role)
    assert exc.value.error == error
    assert not SheetShare.objects.filter(sheet=sheet).exists()


def test_transfer_makes_the_old_owner_an_editor(shared_sheet, user, editor):
    services.sheet_transfer(sheet=shared_sheet, user=user, who="bea")
    shared_sheet.refresh_from_db()
    assert shared_sheet.owner == editor
    assert selectors.sheet_role(sheet=shared_sheet, user=user) == "editor"
    assert selectors.sheet_role(sheet=shared_sheet, user=editor) == "owner"
    with pytest.raises(services.OpError):
        services.sheet_share(sheet=shared_sheet, user=user, who="dan", role="viewer")


def test_history_panel_lists_who_did_what(shared_sheet, editor, client_for):
    row, col = first_cell(shared_sheet)
    update(shared_sheet, editor, [{"row": row, "col": col, "value": "<b>x</b>"}])
    page = (
        client_for(editor)
        .get(f"/sheets/{shared_sheet.id}/history/", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "bea" in page and "edited 1 cell" in page


# --- live: access changes, presence, selections


async def test_revoked_user_socket_is_told_and_closed_4403(ws_connect, shared_sheet, user, viewer):
    socket = await ws_connect(f"/ws/sheet/{shared_sheet.id}/", user=viewer)
    await socket.receive_type("hello")
    owner_socket = await ws_connect(f"/ws/sheet/{shared_sheet.id}/", user=user)
    await owner_socket.receive_type("hello")
    await database_sync_to_async(services.share_remove)(
        sheet=shared_sheet, user=user, target_id=viewer.id
    )
    revoked = await socket.receive_type("access.revoked")
    assert revoked["sheet_id"] == shared_sheet.id
    assert await socket.receive_close() == 4403
    await owner_socket.ping()  # the owner's socket is untouched
    await owner_socket.disconnect()


async def test_role_change_reaches_only_that_user(ws_connect, shared_sheet, user, viewer):
    socket = await ws_connect(f"/ws/sheet/{shared_sheet.id}/", user=viewer)
    await socket.receive_type("hello")
    owner_socket = await ws_connect(f"/ws/sheet/{shared_sheet.id}/", user=user)
    await owner_socket.receive_type("hello")
    await database_sync_to_async(services.sheet_share)(
        sheet=shared_sheet, user=user, who="cal", role="editor"
    )
    changed = await socket.receive_type("access.changed")
    assert changed["role"] == "editor" and changed["can_edit"] is True
    await owner_socket.ping()  # nothing else arrived before the pong
    await socket.disconnect()
    await owner_socket.disconnect()


async def test_never_shared_user_still_gets_4404(ws_connect, shared_sheet, stranger):
    socket = await ws_connect(f"/ws/sheet/{shared_sheet.id}/", user=stranger)
    assert await socket.receive_close() == 4404


async def test_selection_fans_out_to_others_only(ws_connect, shared_sheet, user, editor):
    a = await ws_connect(f"/ws/sheet/{shared_sheet.id}/", user=user)
    b = await ws_connect(f"/ws/sheet/{shared_sheet.id}/", user=editor)
    await b.receive_type("hello")
    await a.receive_type("hello")
    await a.receive_matching("presence.joined", lambda m: m["user"]["id"] == editor.id)
    row, col = await database_sync_to_async(first_cell)(shared_sheet)
    ranges = [{"from": {"row": row, "col": col}, "to": {"row": row, "col": col}}]
    await b.send_json({"type": "presence.select", "client_id": "tab-b", "ranges": ranges})
    seen = await a.receive_type("selection.changed")
    assert seen["ranges"] == ranges and seen["user"]["id"] == editor.id
    assert seen["client_id"] == "tab-b" and seen["user"]["display_name"] == "bea"
    await b.ping()  # b did not get its own selection back before the pong
    await a.disconnect()
    await b.disconnect()


@pytest.mark.parametrize(
    "message",
    [
        {"type": "presence.select", "ranges": "A1"},
        {"type": "presence.select", "ranges": [{"from": {"row": 1, "col": "c"}}]},
        {"type": "presence.select", "ranges": [{}] * 21},
        {"type": "presence.select", "client_id": "x" * 65, "ranges": None},
    ],
)
async def test_malformed_selection_gets_an_error_and_the_socket_stays(
    ws_connect, shared_sheet, user, message
):
    a = await ws_connect(f"/ws/sheet/{shared_sheet.id}/", user=user)
    await a.receive_type("hello")
    await a.send_json(message)
    error = await a.receive_type("error")
    assert error["error"] == "bad_message"
    await a.ping()
    await a.disconnect()


def test_snapshot_rows_as_arrays_follow_the_column_order(sheet, user, client_for):
    row, col = first_cell(sheet)
    update(sheet, user, [{"row": row, "col": col, "value": 5}])
    client = client_for(user)
    plain = client.get(f"/api/sheets/{sheet.id}/").json()
    arrays = client.get(f"/api/sheets/{sheet.id}/?rows=arrays").json()
    assert arrays["columns"] == plain["columns"] and arrays["version"] == plain["version"]
    ids = [c["id"] for c in plain["columns"]]
    assert arrays["rows"][0] == [row, "5"] + [None] * (len(ids) - 1)  # text columns
    assert [r[0] for r in arrays["rows"]] == [r["id"] for r in plain["rows"]]

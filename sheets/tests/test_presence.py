"""Presence on the live channel (docs/protocol.md, "Presence"): the joiner
gets a snapshot, the others hear only changes (a user's first socket joins,
their last leaves, a profile changes), each socket at most one message per
join or leave, whatever the number of sockets."""

import pytest
from channels.db import database_sync_to_async

from accounts.services import profile_update
from conftest import deadline
from sheets import services

pytestmark = pytest.mark.django_db(transaction=True)

QUIET = ("clock.tick", "sheet.heartbeat")


@pytest.fixture
def editor(make_user):
    return make_user("bea")


@pytest.fixture
def shared_sheet(sheet, user, editor):
    services.sheet_share(sheet=sheet, user=user, who="bea", role="editor")
    return sheet


def shown(user) -> dict:
    return {"id": user.id, "display_name": user.profile.display_name, "colour": user.profile.colour}


async def open_tab(ws_connect, sheet, user) -> tuple:
    socket = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    await socket.receive_type("hello", skip=QUIET)
    return socket, await socket.receive_type("presence.snapshot", skip=QUIET)


async def test_snapshot_joined_and_left_count_people_not_tabs(
    ws_connect, shared_sheet, user, editor
):
    a1, snap = await open_tab(ws_connect, shared_sheet, user)
    ann, bea = (
        await database_sync_to_async(shown)(user),
        await database_sync_to_async(shown)(editor),
    )
    assert snap == {
        "type": "presence.snapshot",
        "sheet_id": shared_sheet.id,
        "count": 1,
        "users": [ann],
        "selections": [],
    }
    # Ann's second tab: a snapshot for it, nothing for the others.
    a2, snap = await open_tab(ws_connect, shared_sheet, user)
    assert (snap["count"], snap["users"]) == (1, [ann])
    await a1.ping()
    b, snap = await open_tab(ws_connect, shared_sheet, editor)
    assert (snap["count"], snap["users"]) == (2, [bea, ann])  # most recent arrival first
    for tab in (a1, a2):
        joined = await tab.receive_type("presence.joined", skip=QUIET)
        assert joined == {
            "type": "presence.joined",
            "sheet_id": shared_sheet.id,
            "user": bea,
            "count": 2,
        }
        await tab.ping()
    await b.ping()  # the joiner hears no joined of its own
    await a2.disconnect()  # Ann still has a1 open: nobody left
    await b.ping()
    await b.disconnect()
    left = await a1.receive_type("presence.left", skip=QUIET)
    assert left == {
        "type": "presence.left",
        "sheet_id": shared_sheet.id,
        "user_id": editor.id,
        "count": 1,
    }
    await a1.ping()
    await a1.disconnect()


async def test_vanished_socket_expires_from_presence(
    ws_connect, shared_sheet, user, editor, settings
):
    settings.PRESENCE_TTL_SECONDS = 1
    settings.HEARTBEAT_SECONDS = 0.2
    a, _ = await open_tab(ws_connect, shared_sheet, user)
    b, _ = await open_tab(ws_connect, shared_sheet, editor)
    # b's tab goes silent (no "alive", no close): it drops out after the window,
    # while a, answering heartbeats as a live tab does, stays.
    async with deadline(5, "bea to leave a's presence"):
        while True:
            message = await a.receive()
            if message["type"] == "sheet.heartbeat":
                await a.send_json({"type": "alive"})
            elif message["type"] == "presence.left":
                assert (message["user_id"], message["count"]) == (editor.id, 1)
                break
            else:
                assert message["type"] in ("clock.tick", "presence.joined"), message
    await a.disconnect()
    await b.disconnect()


async def test_profile_change_is_one_presence_updated_per_sheet(
    ws_connect, shared_sheet, user, editor
):
    a, _ = await open_tab(ws_connect, shared_sheet, user)
    b1, _ = await open_tab(ws_connect, shared_sheet, editor)
    b2, _ = await open_tab(ws_connect, shared_sheet, editor)
    await a.receive_type("presence.joined", skip=QUIET)
    await database_sync_to_async(profile_update)(
        user=editor, display_name="Beatrix", colour="#112233", time_zone="UTC"
    )
    updated = await a.receive_type("presence.updated", skip=QUIET)
    assert updated == {
        "type": "presence.updated",
        "sheet_id": shared_sheet.id,
        "user": {"id": editor.id, "display_name": "Beatrix", "colour": "#112233"},
    }
    for tab in (b1, b2):
        assert (await tab.receive_type("profile.updated", skip=QUIET))["user"][
            "colour"
        ] == "#112233"
        await tab.receive_type("presence.updated", skip=QUIET)
    await a.ping()  # one presence.updated, though bea has two tabs here
    # Her selections show the new name from now on.
    await b1.send_json({"type": "presence.select", "client_id": "t", "ranges": None})
    assert (await a.receive_type("selection.changed", skip=QUIET))["user"][
        "display_name"
    ] == "Beatrix"
    for tab in (a, b1, b2):
        await tab.disconnect()


async def test_a_newcomer_sees_the_selections_of_people_already_here(
    ws_connect, shared_sheet, user, editor
):
    """Nobody sends their selection again when someone arrives (that would be
    O(N) messages per join per socket): the snapshot carries the ones kept."""
    a, _ = await open_tab(ws_connect, shared_sheet, user)
    cell = {"row": "r1", "col": "c1"}
    ranges = [{"from": cell, "to": cell}]
    await a.send_json({"type": "presence.select", "client_id": "tab-a", "ranges": ranges})
    await a.ping()  # the selection is in
    b, snap = await open_tab(ws_connect, shared_sheet, editor)
    assert snap["selections"] == [{"user_id": user.id, "client_id": "tab-a", "ranges": ranges}]
    await a.send_json({"type": "presence.select", "client_id": "tab-a", "ranges": None})
    await b.receive_type("selection.changed", skip=QUIET)
    b2, snap = await open_tab(ws_connect, shared_sheet, editor)
    assert snap["selections"] == []  # cleared ones are not kept
    for tab in (a, b, b2):
        await tab.disconnect()


async def test_300_sockets_each_hear_one_message_per_join_and_leave(
    ws_connect, make_sheet, make_user, settings
):
    """O(1) per join per socket: 150 people with two tabs each on one sheet;
    then one more person arrives and leaves."""
    settings.CLOCK_IN_PROCESS = False
    settings.HEARTBEAT_SECONDS = 3600
    settings.PRESENCE_SNAPSHOT_USERS = 50

    @database_sync_to_async
    def people(n: int) -> tuple:
        owner = make_user()
        sheet = make_sheet(owner=owner, title="Big")
        users = [make_user() for _ in range(n)]
        for u in users:
            services.sheet_share(sheet=sheet, user=owner, who=u.username, role="viewer")
        return sheet, users

    sheet, users = await people(151)
    tabs = []
    for u in users[:150]:
        for _ in range(2):
            socket, snap = await open_tab(ws_connect, sheet, u)
            assert len(snap["users"]) <= 50
            tabs.append(socket)
    assert snap["count"] == 150
    # What each of the 300 sockets got in all: one joined per later person, no more.
    for i, socket in enumerate(tabs):
        later_people = 150 - 1 - i // 2
        for _ in range(later_people):
            await socket.receive_type("presence.joined", skip=())
        await socket.ping()
    last, snap = await open_tab(ws_connect, sheet, users[150])
    assert (snap["count"], len(snap["users"])) == (151, 50)
    for socket in tabs:
        assert (await socket.receive_type("presence.joined", skip=()))["count"] == 151
        await socket.ping()
    await last.disconnect()
    for socket in tabs:
        assert (await socket.receive_type("presence.left", skip=()))["count"] == 150
        await socket.ping()
    for socket in tabs:
        await socket.disconnect()

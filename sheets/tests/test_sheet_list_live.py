"""A user's list of sheets follows sharing live: `sheets.changed` to their own
group, after commit, for the users whose list changed."""

import pytest
from channels.db import database_sync_to_async

from accounts import realtime as users_wire
from sheets import realtime, services

pytestmark = pytest.mark.django_db  # the socket test below needs real commits


@pytest.fixture
def bea(make_user):
    return make_user("bea")


@pytest.fixture
def cal(make_user):
    return make_user("cal")


def list_messages(sent: list) -> list[tuple[str, dict]]:
    """(group, event) of every `sheets.changed` handed to the channel layer."""
    return [
        (group, message["event"])
        for group, message in sent
        if message["event"]["type"] == "sheets.changed"
    ]


def changed(user, sheet, reason: str) -> tuple[str, dict]:
    return (
        users_wire.user_group(user.id),
        realtime.sheets_changed(sheet_id=sheet.id, reason=reason),
    )


def test_sharing_tells_the_new_user_after_commit(
    sheet, user, bea, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.sheet_share(sheet=sheet, user=user, who="bea", role="viewer")
    assert sent == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert list_messages(sent) == [changed(bea, sheet, "shared")]


def test_a_role_change_tells_that_user(sheet, user, bea, sent, django_capture_on_commit_callbacks):
    services.sheet_share(sheet=sheet, user=user, who="bea", role="viewer")
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.sheet_share(sheet=sheet, user=user, who="bea", role="editor")
    assert list_messages(sent) == [changed(bea, sheet, "shared")]


def test_removing_a_share_tells_that_user_after_commit(
    sheet, user, bea, sent, django_capture_on_commit_callbacks
):
    services.sheet_share(sheet=sheet, user=user, who="bea", role="editor")
    sent.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.share_remove(sheet=sheet, user=user, target_id=bea.id)
    assert sent == []
    for callback in callbacks:
        callback()
    assert list_messages(sent) == [changed(bea, sheet, "unshared")]
    # The sheet socket of that user is closed as before.
    revoked = [m for g, m in sent if m["event"]["type"] == "access.revoked"]
    assert len(revoked) == 1 and revoked[0]["close_code"] == realtime.CLOSE_FORBIDDEN


def test_a_refused_share_tells_nobody(sheet, user, bea, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(services.OpError):
            services.sheet_share(sheet=sheet, user=user, who="bea", role="owner")
    assert callbacks == []
    assert sent == []


def test_transfer_tells_the_new_owner_the_old_one_and_the_others(
    sheet, user, bea, cal, sent, django_capture_on_commit_callbacks
):
    services.sheet_share(sheet=sheet, user=user, who="cal", role="viewer")
    sent.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.sheet_transfer(sheet=sheet, user=user, who="bea")
    assert sent == []
    for callback in callbacks:
        callback()
    got = list_messages(sent)
    assert sorted(got) == sorted(
        [
            changed(bea, sheet, "transferred"),
            changed(user, sheet, "transferred"),
            changed(cal, sheet, "transferred"),
        ]
    )


def test_rename_tells_everyone_who_has_the_sheet(
    sheet, user, bea, cal, sent, django_capture_on_commit_callbacks
):
    services.sheet_share(sheet=sheet, user=user, who="bea", role="editor")
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.sheet_rename(sheet=sheet, user=bea, title="Renamed")
    assert sorted(list_messages(sent)) == sorted(
        [changed(user, sheet, "renamed"), changed(bea, sheet, "renamed")]
    )


@pytest.mark.django_db(transaction=True)
async def test_live_socket_hears_its_list_changed_when_a_sheet_is_shared_and_taken_away(
    ws_connect, sheet, user, bea, cal
):
    live = await ws_connect("/ws/live/", user=bea)
    await live.receive_type("hello")
    other = await ws_connect("/ws/live/", user=cal)
    await other.receive_type("hello")

    await database_sync_to_async(services.sheet_share)(
        sheet=sheet, user=user, who="bea", role="viewer"
    )
    shared = await live.receive_type("sheets.changed")
    assert shared == {"type": "sheets.changed", "sheet_id": sheet.id, "reason": "shared"}

    await database_sync_to_async(services.share_remove)(sheet=sheet, user=user, target_id=bea.id)
    removed = await live.receive_type("sheets.changed")
    assert removed == {"type": "sheets.changed", "sheet_id": sheet.id, "reason": "unshared"}
    await live.ping()  # the list page's socket stays open

    # Someone else's list socket heard nothing of it (a round trip proves it read everything).
    await other.ping()
    await live.disconnect()
    await other.disconnect()

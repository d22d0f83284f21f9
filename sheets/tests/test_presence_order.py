"""The presence store, whichever backend holds it (the embedded default's
memory, or Redis with `REDIS_URL`): a count of people kept as sockets come and
go, snapshots of the most recent arrivals, expired entries swept once, and a
seq that grows with every change."""

import uuid

from sheets.presence_store import backend


def person(user_id: int) -> dict:
    return {"id": user_id, "display_name": f"u{user_id}", "colour": "#123456"}


def new_sheet_id() -> int:
    return uuid.uuid4().int % 10**9  # a sheet no other test uses


async def test_count_is_people_not_sockets_and_snapshot_is_recent_arrivals_first():
    store, sheet_id = backend(), new_sheet_id()
    first, count, users, _, seq1 = await store.join(sheet_id, person(1), "tab-a", 30, 50)
    assert (first, count, users) == (True, 1, [person(1)])
    first, count, users, _, seq2 = await store.join(sheet_id, person(2), "tab-b", 30, 50)
    assert (first, count, users) == (True, 2, [person(2), person(1)])
    assert seq2 > seq1
    # Ann's second tab: not a new person, not a change.
    first, count, users, _, seq = await store.join(sheet_id, person(1), "tab-a2", 30, 50)
    assert (first, count, seq) == (False, 2, seq2)
    first, count, users, *_ = await store.join(sheet_id, person(3), "tab-c", 30, 2)
    assert (first, count, users) == (True, 3, [person(3), person(2)])  # at most 2 named
    assert (await store.leave(sheet_id, 1, "tab-a"))[:2] == (False, 3)  # tab-a2 still open
    last, count, seq = await store.leave(sheet_id, 1, "tab-a2")
    assert (last, count) == (True, 2) and seq > seq2
    assert (await store.leave(sheet_id, 1, "tab-a2"))[:2] == (False, 2)  # twice: nothing
    # Someone who leaves and comes back arrives again.
    assert (await store.join(sheet_id, person(1), "tab-a", 30, 50))[2][0] == person(1)
    for user_id, channel in ((1, "tab-a"), (2, "tab-b"), (3, "tab-c")):
        await store.leave(sheet_id, user_id, channel)


async def test_refresh_sweeps_expired_entries_once_and_brings_back_live_ones():
    store, sheet_id = backend(), new_sheet_id()
    await store.join(sheet_id, person(1), "tab-a", 30, 50)
    await store.join(sheet_id, person(2), "tab-b", -1, 50)  # already expired
    *_, seq = await store.join(sheet_id, person(2), "tab-b2", -1, 50)
    # Bob's two tabs expired: he left, once.
    changes = await store.refresh({sheet_id: [(person(1), "tab-a")]}, 30)
    assert changes[sheet_id][:3] == ([], [2], 1) and changes[sheet_id][3] > seq
    assert await store.refresh({sheet_id: [(person(1), "tab-a")]}, 30) == {}
    # A tab that speaks again after expiring (e.g. Redis lost it) comes back.
    changes = await store.refresh({sheet_id: [(person(1), "tab-a"), (person(2), "tab-b")]}, 30)
    assert changes[sheet_id][:3] == ([person(2)], [], 2)
    # A profile change is claimed once per change, and only for a present user.
    assert await store.update(sheet_id, person(2), "change-1", 30) > changes[sheet_id][3]
    assert await store.update(sheet_id, person(2), "change-1", 30) == 0
    assert await store.update(sheet_id, person(9), "change-2", 30) == 0
    users = (await store.join(sheet_id, person(3), "tab-c", 30, 50))[2]
    assert users[1] == person(2)
    for user_id, channel in ((1, "tab-a"), (2, "tab-b"), (3, "tab-c")):
        await store.leave(sheet_id, user_id, channel)


async def test_selections_are_kept_for_present_users_and_go_with_them():
    store, sheet_id = backend(), new_sheet_id()
    await store.join(sheet_id, person(1), "tab-a", 30, 50)
    await store.join(sheet_id, person(2), "tab-b", -1, 50)  # expires at the next refresh
    await store.select(sheet_id, 1, '{"user_id": 1}', 30)
    await store.select(sheet_id, 2, '{"user_id": 2}', 30)
    await store.select(sheet_id, 9, '{"user_id": 9}', 30)  # not here: not kept
    *_, selections, _ = await store.join(sheet_id, person(3), "tab-c", 30, 50)
    assert selections == ['{"user_id": 2}', '{"user_id": 1}']  # the snapshot's order
    await store.refresh({sheet_id: [(person(1), "tab-a"), (person(3), "tab-c")]}, 30)
    await store.select(sheet_id, 3, '{"user_id": 3}', 30)
    await store.select(sheet_id, 3, None, 30)  # cleared
    *_, selections, _ = await store.join(sheet_id, person(4), "tab-d", 30, 50)
    assert selections == ['{"user_id": 1}']
    await store.leave(sheet_id, 1, "tab-a")
    # Back again: the old outline is not brought back with them.
    *_, selections, _ = await store.join(sheet_id, person(1), "tab-a", 30, 50)
    assert selections == []
    for user_id, channel in ((1, "tab-a"), (3, "tab-c"), (4, "tab-d")):
        await store.leave(sheet_id, user_id, channel)

"""Redis restarts: broadcasts resume without a reload, and tabs that missed
events catch up."""

from playwright.sync_api import expect

from e2e.pages import create_sheet, expect_live
from e2e.stack.tabs import (
    DAPHNE,
    Tab,
    expect_agreement,
    expect_each_op_applied_once,
    program_state,
    snapshot_values,
    tabs_on_each_process,
    wait_until,
)

RECOVERY_S = 60


def first_broadcast(source: Tab, targets: list[Tab], row: int, col: int, label: str) -> str:
    """Type probe values into `source` until one reaches every target as a
    pushed `cells.changed` frame (catch-up alone does not count); returns it."""
    attempt = {"n": 0, "value": None}

    def pushed() -> bool:
        return all(attempt["value"] in tab.broadcast_values() for tab in targets)

    def probe() -> bool:
        if attempt["value"] is not None and pushed():
            return True
        attempt["n"] += 1
        attempt["value"] = f"{label} #{attempt['n']}"
        source.type_cell(row, col, attempt["value"])
        source.expect_saved()
        try:
            # A pushed event arrives in milliseconds; else probe again.
            wait_until(source.page, pushed, "the probe", 3)
        except AssertionError:
            return False
        return True

    wait_until(source.page, probe, f"a pushed edit from {label}", RECOVERY_S)
    return attempt["value"]


def two_tabs(stack, new_user, title: str) -> tuple[Tab, Tab]:
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), title)
    by_process = tabs_on_each_process(ann, sheet_id, stack)
    a, b = by_process[DAPHNE[0]][0], by_process[DAPHNE[1]][0]
    a.type_cell(0, 0, "before")
    b.expect_cell(0, 0, "before")
    return a, b


def test_redis_restart_broadcasts_resume_without_reload(stack, new_user):
    a, b = two_tabs(stack, new_user, "Redis restart")

    stack.ctl("restart", "redis")
    assert program_state(stack, "redis") == "RUNNING"

    # Edits after the restart are pushed again, both ways.
    after_a = first_broadcast(a, [b], 1, 0, "after restart from A")
    after_b = first_broadcast(b, [a], 1, 1, "after restart from B")
    a.type_cell(2, 0, "then A")
    b.expect_cell(2, 0, "then A")
    b.type_cell(2, 1, "then B")
    a.expect_cell(2, 1, "then B")

    snapshot = expect_agreement([a, b], RECOVERY_S)
    assert snapshot_values(snapshot) == {"before", after_a, after_b, "then A", "then B"}
    expect_each_op_applied_once([a, b], snapshot)
    for tab in (a, b):
        assert not tab.reloaded()
        expect_live(tab.page)
        # The clock program's ticks come back too.
        expect(tab.page.locator("#server-clock")).to_have_attribute(
            "data-stale", "false", timeout=RECOVERY_S * 1000
        )


def test_redis_restart_keeps_sockets_open_and_consumers_rejoin(stack, new_user):
    a, b = two_tabs(stack, new_user, "Redis rejoin")
    stack.ctl("restart", "redis")
    first_broadcast(a, [b], 1, 0, "after restart from A")
    first_broadcast(b, [a], 1, 1, "after restart from B")
    for tab in (a, b):
        assert tab.closed_sockets() == [], "the Redis restart closed the socket"
        assert len(tab.hellos()) == 1, tab.hellos()
        assert set(tab.live_states()) == {"live"}, tab.live_states()


def test_edit_made_while_redis_is_down_reaches_every_tab(stack, new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Redis down")
    by_process = tabs_on_each_process(ann, sheet_id, stack, per_process=2)
    tabs = [tab for program in DAPHNE for tab in by_process[program]]
    a, b = tabs[0], tabs[-1]
    a.type_cell(0, 0, "before")
    for tab in tabs:
        tab.expect_cell(0, 0, "before")

    down = {"while Redis is down", "also while down"}
    try:
        stack.ctl("stop", "redis")
        assert program_state(stack, "redis") == "STOPPED"
        # Committed to PostgreSQL; nothing can be pushed while Redis is away.
        a.type_cell(1, 0, "while Redis is down")
        b.type_cell(1, 1, "also while down")
        for tab in (a, b):
            # Its first attempt has been answered (saved, or failed and retrying).
            expect(tab.status()).not_to_have_attribute("data-state", "saving")
    finally:
        stack.ctl("start", "redis")
    assert program_state(stack, "redis") == "RUNNING"

    # Everyone ends up with both edits, though none of them was ever pushed:
    # heartbeats and reconnects make the tabs catch up.
    for tab in tabs:
        expect(tab.cell(1, 0)).to_have_text("while Redis is down", timeout=RECOVERY_S * 1000)
        expect(tab.cell(1, 1)).to_have_text("also while down", timeout=RECOVERY_S * 1000)
        assert not down & tab.broadcast_values()

    # Live editing works again: A's next edit is pushed to every other tab.
    first_broadcast(a, tabs[1:], 2, 0, "after Redis is back")
    b.type_cell(2, 1, "B after Redis is back")
    for tab in tabs:
        tab.expect_cell(2, 1, "B after Redis is back")
    snapshot = expect_agreement(tabs, RECOVERY_S)
    assert down | {"before", "B after Redis is back"} <= snapshot_values(snapshot)
    # An op whose broadcast failed may have been answered with an error and
    # sent again (same op_id): it still counts once.
    expect_each_op_applied_once(tabs, snapshot)
    for tab in tabs:
        assert not tab.reloaded()
        expect_live(tab.page)

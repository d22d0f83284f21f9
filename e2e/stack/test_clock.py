"""The header clock ticks from the clock program, through Redis, on every daphne process."""

import re

from playwright.sync_api import expect

from e2e.pages import create_sheet
from e2e.stack.tabs import CLOCK, DAPHNE, Tab, program_state, tabs_on_each_process, wait_until

RECOVERY_S = 60


def one_tab_per_process(stack, new_user) -> list[Tab]:
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Clock")
    by_process = tabs_on_each_process(ann, sheet_id, stack)
    tabs = [tab for program in DAPHNE for tab in by_process[program]]
    for tab in tabs:
        ticks = tab.count_frames("clock.tick")
        wait_until(tab.page, lambda tab=tab, n=ticks: tab.count_frames("clock.tick") > n, "a tick")
        expect(tab.page.locator("#server-clock")).to_have_attribute("data-stale", "false")
    return tabs


def wait_heartbeats(tabs: list[Tab], count: int) -> None:
    """Let `count` sheet heartbeats (GRIDROOM_HEARTBEAT_SECONDS apart) reach every tab."""
    for tab in tabs:
        seen = tab.count_frames("sheet.heartbeat")
        wait_until(
            tab.page,
            lambda tab=tab, n=seen + count: tab.count_frames("sheet.heartbeat") >= n,
            f"{count} heartbeat(s)",
            RECOVERY_S,
        )


def test_clock_ticks_come_from_the_clock_program(stack, new_user):
    tabs = one_tab_per_process(stack, new_user)
    try:
        stack.ctl("stop", CLOCK)
        assert program_state(stack, CLOCK) == "STOPPED"
        for tab in tabs:
            clock = tab.page.locator("#server-clock")
            expect(clock).to_have_attribute("data-stale", "true", timeout=RECOVERY_S * 1000)
            expect(clock).to_contain_text("(stale)")
        # Stale means no tick for > 3 s; and none comes while the program is
        # down, though the sockets carry other messages (heartbeats).
        counts = [tab.count_frames("clock.tick") for tab in tabs]
        wait_heartbeats(tabs, 1)
        assert [tab.count_frames("clock.tick") for tab in tabs] == counts
        for tab in tabs:
            expect(tab.page.locator("#server-clock")).to_have_attribute("data-stale", "true")
    finally:
        stack.ctl("start", CLOCK)

    for tab, n in zip(tabs, counts, strict=True):
        wait_until(
            tab.page,
            lambda tab=tab, n=n: tab.count_frames("clock.tick") > n,
            "ticks again",
            RECOVERY_S,
        )
        clock = tab.page.locator("#server-clock")
        expect(clock).to_have_attribute("data-stale", "false", timeout=RECOVERY_S * 1000)
        expect(clock).not_to_contain_text("stale")
        expect(clock).to_have_text(re.compile(r"^\d\d:\d\d:\d\d "))
        assert not tab.reloaded()


def test_sockets_stay_open_while_the_clock_is_stopped(stack, new_user):
    tabs = one_tab_per_process(stack, new_user)
    try:
        stack.ctl("stop", CLOCK)
        # Well over channels-redis's 5 s blocking read without a channel message.
        wait_heartbeats(tabs, 5)
    finally:
        stack.ctl("start", CLOCK)
    for tab in tabs:
        assert tab.closed_sockets() == [], "stopping the clock closed the socket"
        assert len(tab.hellos()) == 1, tab.hellos()
        assert set(tab.live_states()) == {"live"}, tab.live_states()

"""The header's live parts: server clock, profile, session."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from e2e.pages import (
    SheetPage,
    banner,
    create_sheet,
    expect_live,
    goto_list,
    live_status,
    next_message,
)


def test_clock_ticks_arrive_and_the_header_clock_follows(new_user):
    ann = new_user("ann")
    page = ann.new_page()
    with page.expect_websocket(lambda ws: "/ws/live/" in ws.url) as socket_info:
        goto_list(page)
    ws = socket_info.value
    clock = page.locator("#server-clock")

    first = next_message(ws, "clock.tick")
    second = next_message(ws, "clock.tick")
    assert isinstance(first["now_ms"], int)
    assert second["now_ms"] > first["now_ms"]

    expect(clock).not_to_have_text("")
    shown = clock.inner_text()
    expect(clock).not_to_have_text(shown)


def test_profile_change_updates_the_other_tab_without_reload(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Clock watch")
    watcher = SheetPage(ann.new_page(), sheet_id).open()
    page = watcher.page
    page.evaluate("() => { window.__e2eNoReload = true; }")
    clock = page.locator("#server-clock")
    expect(clock).not_to_have_text("")

    profile = ann.new_page()
    profile.goto("/accounts/profile/")
    expect_live(profile)
    profile.get_by_label("Display name").fill("Ann Example")
    profile.get_by_label("Time zone").fill("Pacific/Kiritimati")
    profile.get_by_role("button", name="Save profile").click()
    expect(profile.get_by_role("status").filter(has_text="Profile saved")).to_be_visible()

    expect(page.locator("#user-name")).to_have_text("Ann Example")
    expect(clock).to_have_attribute("data-time-zone", "Pacific/Kiritimati")
    expect(clock).to_contain_text("Pacific/Kiritimati")
    # The time shown is the server time in that zone (UTC+14), not UTC.
    shown, instant = page.evaluate(
        "() => { const c = document.getElementById('server-clock');"
        " return [c.textContent, c.getAttribute('datetime')]; }"
    )
    when = datetime.fromisoformat(instant.replace("Z", "+00:00"))
    expected = when.astimezone(ZoneInfo("Pacific/Kiritimati")).strftime("%H:%M:%S")
    assert shown.startswith(expected), (shown, instant)
    assert page.evaluate("() => window.__e2eNoReload === true"), "the other tab reloaded"


def test_logout_in_one_tab_shows_the_logged_out_banner_in_the_other(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Log out")
    other = SheetPage(ann.new_page(), sheet_id).open()
    other.page.evaluate("() => { window.__e2eNoReload = true; }")
    expect(banner(other.page)).to_be_hidden()

    page = ann.new_page()
    goto_list(page)
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    expect(banner(other.page)).to_be_visible()
    expect(live_status(other.page)).to_have_attribute("data-state", "closed")
    expect(banner(other.page)).to_contain_text(re.compile("log", re.IGNORECASE))
    assert other.page.evaluate("() => window.__e2eNoReload === true"), "the tab reloaded"

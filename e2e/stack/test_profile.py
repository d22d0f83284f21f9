"""A profile change reaches every tab of the user, whichever daphne process serves it."""

from playwright.sync_api import expect

from e2e.pages import create_sheet, expect_live
from e2e.stack.tabs import DAPHNE, tabs_on_each_process


def test_profile_change_reaches_every_tab_on_both_processes(stack, new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Profile")
    by_process = tabs_on_each_process(ann, sheet_id, stack, per_process=2)
    tabs = [tab for program in DAPHNE for tab in by_process[program]]
    for tab in tabs:
        expect(tab.page.locator("#user-name")).to_have_text(ann.username)

    profile = ann.new_page()
    profile.goto("/accounts/profile/")
    expect_live(profile)
    profile.get_by_label("Display name").fill("Ann on every process")
    profile.get_by_label("Time zone").fill("Asia/Kathmandu")
    profile.get_by_role("button", name="Save profile").click()
    expect(profile.get_by_role("status").filter(has_text="Profile saved")).to_be_visible()

    for tab in tabs:
        expect(tab.page.locator("#user-name")).to_have_text("Ann on every process")
        clock = tab.page.locator("#server-clock")
        expect(clock).to_have_attribute("data-time-zone", "Asia/Kathmandu")
        expect(clock).to_contain_text("Asia/Kathmandu")
        # Pushed to the tab, not picked up by a reload or a reconnect.
        updates = tab.messages("profile.updated")
        assert "Ann on every process" in [u["user"]["display_name"] for u in updates]
        assert len(tab.hellos()) == 1 and not tab.reloaded()
    # Both processes delivered it.
    assert {tab.server_pid() for tab in tabs} == {stack.pid(program) for program in DAPHNE}

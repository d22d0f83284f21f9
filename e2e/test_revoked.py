"""Access taken away while the tab is open: nothing of the sheet stays on the
screen or on the device, and the user's sheet list follows sharing live."""

from __future__ import annotations

import uuid

from playwright.sync_api import Route, expect

from e2e.pages import SheetPage, banner, create_sheet, goto_list, live_status, post_from_page

SECRET = "Ann's secret figure"
GONE_WITHIN_MS = 2_000


def shared_with_bob(new_user, role: str = "Editor") -> tuple[SheetPage, SheetPage, str]:
    """Ann's sheet with a secret in it, shared with Bob; both have it open."""
    ann, bob = new_user("ann"), new_user("bob")
    sheet_id = create_sheet(ann.new_page(), "Ann's plans")
    owner = SheetPage(ann.new_page(), sheet_id).open()
    owner.type_cell(0, 0, SECRET)
    owner.share_with(bob.username, role)
    tab = SheetPage(bob.new_page(), sheet_id).open()
    tab.expect_cell(0, 0, SECRET)
    return owner, tab, bob.username


def expect_sheet_gone(tab: SheetPage, text: str) -> None:
    """The tab shows the notice, no cell and no title of the sheet, and says nothing is saved."""
    expect(tab.gone_notice()).to_contain_text(text, timeout=GONE_WITHIN_MS)
    expect(tab.grid_cells()).to_have_count(0, timeout=GONE_WITHIN_MS)
    expect(tab.status()).to_have_attribute("data-state", "gone")
    expect(tab.status()).not_to_have_text("All changes saved")
    expect(tab.page.get_by_text(SECRET)).to_have_count(0)
    expect(tab.page.get_by_role("heading", name="Ann's plans")).to_have_count(0)
    expect(tab.page.locator("#side-panel")).to_be_empty()
    expect(tab.presence().get_by_role("listitem")).to_have_count(0)
    back = tab.gone_notice().get_by_role("link", name="Back to your sheets")
    expect(back).to_have_attribute("href", "/sheets/")
    assert tab.outbox_keys() == []


def test_removed_user_sees_no_cell_of_the_sheet_within_two_seconds(new_user):
    owner, tab, bob = shared_with_bob(new_user)
    tab.page.get_by_role("link", name="History").click()  # a panel of sheet content is open
    expect(tab.side_panel().get_by_role("heading", name="Recent changes")).to_be_visible()
    tab.page.evaluate("() => { window.__e2eNotReloaded = true; }")

    owner.remove_share(bob)

    expect_sheet_gone(tab, "You no longer have access to this sheet.")
    expect(tab.gone_notice()).not_to_contain_text("discarded")
    expect(tab.status()).to_have_text("No access")
    expect(live_status(tab.page)).to_have_attribute("data-state", "closed")
    assert tab.page.evaluate("() => window.__e2eNotReloaded === true")

    # The way back leads to a list without the sheet.
    tab.gone_notice().get_by_role("link", name="Back to your sheets").click()
    expect(tab.page.get_by_role("heading", name="Your sheets")).to_be_visible()
    expect(tab.page.get_by_role("link", name="Ann's plans", exact=True)).to_have_count(0)


def test_removed_user_is_told_how_many_unsaved_edits_were_discarded(new_user):
    owner, tab, bob = shared_with_bob(new_user)
    held: list[Route] = []
    # Bob's saves never get an answer: his edits stay queued (and written down).
    tab.page.route("**/api/sheets/*/cells", lambda route: held.append(route))
    tab.type_cell(1, 0, "Bob's draft")
    tab.type_cell(2, 0, "Bob's second draft")
    expect(tab.status()).to_have_text("Saving…")
    tab.page.wait_for_function("() => window.gridroom.saving.unsent() === 2")
    assert len(tab.outbox_keys()) == 1

    owner.remove_share(bob)

    expect_sheet_gone(
        tab, "You no longer have access to this sheet. 2 unsaved edits were discarded."
    )
    expect(tab.page.get_by_text("Bob's draft")).to_have_count(0)
    expect(banner(tab.page)).to_contain_text("no longer have access")
    for route in held:
        route.abort()
    # Nothing was saved on the server either.
    owner.expect_cell(0, 0, SECRET)
    owner.expect_cell(1, 0, "")
    owner.expect_cell(2, 0, "")


def test_a_404_to_an_op_clears_the_tab_too(new_user):
    owner, tab, _ = shared_with_bob(new_user)
    # As if the sheet went away while this tab's socket missed it.
    tab.page.route(
        "**/api/sheets/*/cells",
        lambda route: route.fulfill(
            status=404,
            content_type="application/json",
            body='{"error": "not_found", "message": "Sheet not found."}',
        ),
    )
    tab.type_cell(1, 0, "lost edit")
    expect_sheet_gone(
        tab,
        "This sheet no longer exists, or you may no longer see it. 1 unsaved edit was discarded.",
    )
    expect(live_status(tab.page)).to_have_attribute("data-state", "closed")
    # It was only this tab's view: the owner still has the sheet.
    owner.expect_cell(0, 0, SECRET)


def test_sheet_list_follows_sharing_live(new_user):
    ann, bob = new_user("ann"), new_user("bob")
    sheet_id = create_sheet(ann.new_page(), "Live list sheet")
    owner = SheetPage(ann.new_page(), sheet_id).open()
    bob_list = bob.new_page()
    goto_list(bob_list)
    expect(live_status(bob_list)).to_have_attribute("data-state", "live")
    bob_list.evaluate("() => { window.__e2eNotReloaded = true; }")
    sheets = bob_list.get_by_role("region", name="Sheets")

    owner.share_with(bob.username, "Viewer")
    item = sheets.get_by_role("listitem").filter(has_text="Live list sheet")
    expect(item.get_by_role("link", name="Live list sheet", exact=True)).to_be_visible()
    expect(item).to_contain_text("viewer")

    # A rename reaches the list too.
    status = post_from_page(
        owner.page,
        f"/api/sheets/{sheet_id}/rename",
        {"client_id": "e2e", "op_id": str(uuid.uuid4()), "title": "Renamed live"},
    )
    assert status == 200
    expect(sheets.get_by_role("link", name="Renamed live", exact=True)).to_be_visible()

    owner.remove_share(bob.username)
    expect(sheets.get_by_role("link", name="Renamed live", exact=True)).to_have_count(0)
    expect(sheets).to_contain_text("No sheets yet")  # the list was fetched again, now empty
    assert bob_list.evaluate("() => window.__e2eNotReloaded === true")

"""What is done on the sheet list reaches the tabs that show the sheet."""

import re

from playwright.sync_api import expect

from e2e.pages import SheetPage, banner, create_sheet, goto_list


def test_deleted_sheet_sends_its_open_tab_back_to_the_list(new_user):
    ann = new_user("ann")
    title = "Old sheet"
    sheet_id = create_sheet(ann.new_page(), title)
    keep_id = create_sheet(ann.new_page(), "Keeper")
    viewer = SheetPage(ann.new_page(), sheet_id).open()
    bystander = SheetPage(ann.new_page(), keep_id).open()

    page = ann.new_page()
    goto_list(page)
    page.get_by_role("link", name=f"Delete {title}").click()
    page.get_by_role("button", name="Delete sheet").click()

    # The open tab is told, then goes back to the list.
    expect(banner(viewer.page)).to_contain_text("deleted")
    expect(viewer.page).to_have_url(re.compile(r"/sheets/$"))
    expect(viewer.page.get_by_role("heading", name="Your sheets")).to_be_visible()
    expect(viewer.page.get_by_role("link", name=title, exact=True)).to_have_count(0)
    assert viewer.page.request.get(f"/api/sheets/{sheet_id}/").status == 404

    expect(page.get_by_role("link", name=title, exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Keeper", exact=True)).to_be_visible()

    # A tab on another sheet is left alone.
    expect(banner(bystander.page)).to_be_hidden()
    bystander.type_cell(0, 0, "still here")
    bystander.reload()
    bystander.expect_cell(0, 0, "still here")


def test_sheet_renamed_from_the_list_shows_in_its_open_tab(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "First title")
    viewer = SheetPage(ann.new_page(), sheet_id).open()

    page = ann.new_page()
    goto_list(page)
    page.get_by_role("link", name="Rename First title").click()
    page.get_by_label("New title for First title").fill("Second title")
    page.get_by_role("button", name="Save title").click()
    expect(page.get_by_role("link", name="Second title", exact=True)).to_be_visible()

    expect(viewer.page.get_by_role("heading", name="Second title")).to_be_visible()
    expect(viewer.page).to_have_title("Second title · Gridroom")

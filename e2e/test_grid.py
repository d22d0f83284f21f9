"""The grid itself."""

from playwright.sync_api import expect

from e2e.pages import SheetPage, create_sheet


def test_grid_renders_cells_without_license_overlay(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Plain grid")
    tab = SheetPage(ann.new_page(), sheet_id).open()
    page = tab.page

    expect(page.locator(".ht_master td").first).to_be_visible()
    assert page.locator(".ht_master td").count() >= 5 * 5
    assert tab.count_cols() == 5
    assert tab.count_rows() == 20
    expect(page.locator(".ht-license-lock")).to_have_count(0)
    expect(tab.column_header(0)).to_have_text("A")

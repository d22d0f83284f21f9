"""Text a user typed is shown as text, never run as HTML."""

from playwright.sync_api import expect

from e2e.pages import XSS, SheetPage, create_sheet, fail_on_dialog, goto_list


def test_markup_in_cells_and_titles_shows_literally(new_user):
    ann = new_user("ann")
    dialogs: list[str] = []
    page = ann.new_page()
    other = ann.new_page()
    for p in (page, other):
        fail_on_dialog(p, dialogs)

    sheet_id = create_sheet(page, XSS)
    goto_list(page)
    expect(page.get_by_role("link", name=XSS, exact=True)).to_be_visible()

    tab = SheetPage(page, sheet_id).open()
    watcher = SheetPage(other, sheet_id).open()
    expect(page.get_by_role("heading", name=XSS, exact=True)).to_have_text(XSS)
    expect(page).to_have_title(f"{XSS} · Gridroom")

    tab.type_cell(0, 0, XSS)
    tab.expect_cell(0, 0, XSS)
    watcher.expect_cell(0, 0, XSS)
    tab.rename_column(1, XSS)
    watcher.expect_column_name(1, XSS)
    watcher.reload()
    watcher.expect_cell(0, 0, XSS)
    watcher.expect_column_name(1, XSS)

    for p in (page, other):
        expect(p.locator('img[src="x"]')).to_have_count(0)
    assert dialogs == []

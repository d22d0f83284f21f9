"""A date column's cells: typed as the user writes dates, or picked from the
browser's calendar (the button in the editor, or Alt+Down); the date picked
is saved, shown in every tab, and the other cells' editors have no calendar."""

from __future__ import annotations

from playwright.sync_api import expect

from e2e.pages import SheetPage, create_sheet


def open_sheet(user, sheet_id: int) -> SheetPage:
    return SheetPage(user.new_page(), sheet_id).open()


def open_editor(tab: SheetPage, row: int, col: int) -> None:
    tab.select_cell(row, col)
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_function("() => window.gridroom.hot.getActiveEditor().isOpened()")


def test_a_date_picked_from_the_calendar_is_saved_and_shown_everywhere(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Dates")
    tab_a, tab_b = open_sheet(ann, sheet_id), open_sheet(ann, sheet_id)
    tab_a.set_column_type(1, "Date")

    tab_a.type_cell(0, 1, "2027-03-15")  # typing still works
    tab_b.expect_cell(0, 1, "2027-03-15")

    open_editor(tab_a, 1, 1)
    button = tab_a.page.get_by_role("button", name="Pick a date (Alt+Down)")
    expect(button).to_be_visible()
    button.click()
    assert tab_a.editor_open()  # the click kept the editor open
    # The browser's own picker is not part of the page; what it does is set the date field.
    tab_a.page.locator(".date-picker-input:visible").fill("2027-04-30", force=True)
    tab_a.wait_editor_closed()
    tab_a.expect_cell(1, 1, "2027-04-30")
    tab_b.expect_cell(1, 1, "2027-04-30")
    tab_a.expect_saved()

    # Alt+Down in the editor asks for the picker and keeps what was typed.
    tab_a.select_cell(2, 1)
    tab_a.page.keyboard.type("2027-05-01")
    tab_a.page.keyboard.press("Alt+ArrowDown")
    assert tab_a.editor_open()
    tab_a.page.keyboard.press("Enter")
    tab_a.wait_editor_closed()
    tab_b.expect_cell(2, 1, "2027-05-01")

    open_editor(tab_a, 0, 0)  # a text column
    assert tab_a.hot("!hot.getActiveEditor().TEXTAREA_PARENT.querySelector('.date-picker-button')")
    tab_a.page.keyboard.press("Escape")

"""Several tabs of one user on one sheet stay in step."""

import re

from playwright.sync_api import expect

from e2e.pages import SheetPage, create_sheet


def open_tabs(user, sheet_id: int, count: int) -> list[SheetPage]:
    return [SheetPage(user.new_page(), sheet_id).open() for _ in range(count)]


def test_edits_rows_and_column_renames_reach_every_tab(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Team budget")
    tab1, tab2, tab3 = open_tabs(ann, sheet_id, 3)

    # A value typed in tab 1 shows in tabs 2 and 3 and survives a reload.
    tab1.type_cell(0, 0, "Rent")
    tab1.type_cell(1, 0, "Food")
    for tab in (tab2, tab3):
        tab.expect_cell(0, 0, "Rent")
        tab.expect_cell(1, 0, "Food")
    tab1.reload()
    tab1.expect_cell(0, 0, "Rent")
    tab1.expect_cell(1, 0, "Food")

    # A row inserted in tab 2 shows in tabs 1 and 3, in the right place.
    rows = tab2.count_rows()
    tab2.insert_row_below(0)
    for tab in (tab2, tab1, tab3):
        tab.expect_rows(rows + 1)
        tab.expect_cell(0, 0, "Rent")
        tab.expect_cell(1, 0, "")
        tab.expect_cell(2, 0, "Food")

    # The new row takes edits that reach the other tabs too.
    tab1.type_cell(1, 0, "Heating")
    for tab in (tab2, tab3):
        tab.expect_cell(1, 0, "Heating")

    # A column renamed in tab 3 shows in tabs 1 and 2.
    tab3.rename_column(1, "Amount")
    for tab in (tab3, tab1, tab2):
        tab.expect_column_name(1, "Amount")
    # And it is what the database holds: a fresh tab agrees.
    tab2.reload()
    tab2.expect_column_name(1, "Amount")
    tab2.expect_cell(1, 0, "Heating")
    tab2.expect_rows(rows + 1)


def test_add_row_button_reaches_other_tabs(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Add rows")
    tab1, tab2 = open_tabs(ann, sheet_id, 2)
    rows = tab1.count_rows()
    tab1.add_row()
    for tab in (tab1, tab2):
        tab.expect_rows(rows + 1)
    tab2.type_cell(rows, 0, "last")
    tab1.expect_cell(rows, 0, "last")


def test_rejected_value_is_kept_marked_and_never_reaches_other_tabs(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Numbers")
    tab1, tab2, tab3 = open_tabs(ann, sheet_id, 3)
    tab1.set_column_type(1, "Number")
    tab1.type_cell(0, 1, "12")
    for tab in (tab1, tab2, tab3):
        tab.expect_cell(0, 1, "12")

    for tab in (tab2, tab3):
        tab.watch_for_text("twelve")
    tab1.type_cell(0, 1, "twelve")
    # Tab 1 says it was rejected, and keeps what was typed in sight (docs/client.md).
    rejected = tab1.cell(0, 1)
    expect(rejected).to_have_class(re.compile(r"\bcell-error\b"))
    expect(tab1.status()).to_contain_text(re.compile("reject", re.IGNORECASE))
    tab1.expect_cell(0, 1, "twelve")

    # A later valid edit arrives in tabs 2 and 3 (the sync point) ...
    tab1.type_cell(1, 1, "34")
    for tab in (tab2, tab3):
        tab.expect_cell(1, 1, "34")
        # ... and by then "twelve" has never shown there, nor travelled to it.
        tab.expect_cell(0, 1, "12")
        assert not tab.saw_text("twelve")
        assert not any("twelve" in frame for frame in tab.frames)
    # Discarded (Escape on the cell), tab 1 shows the committed value again.
    tab1.select_cell(0, 1)
    tab1.page.keyboard.press("Escape")
    tab1.expect_cell(0, 1, "12")


def test_a_tab_without_animation_frames_still_shows_edits(new_user):
    """Remote changes are drawn in the next animation frame; a background tab
    gets none, and a timer draws them there instead (docs/client.md)."""
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Background tab")
    tab1, tab2 = open_tabs(ann, sheet_id, 2)
    # Frames that never come, as in a tab the browser keeps in the background.
    tab2.page.evaluate("() => { window.requestAnimationFrame = () => 0; }")
    tab1.type_cell(0, 0, "No frames")
    tab2.expect_cell(0, 0, "No frames")
    # A tab that says it is hidden does not ask for a frame at all.
    tab2.page.evaluate(
        "() => Object.defineProperty(document, 'hidden', { configurable: true, get: () => true })"
    )
    tab1.type_cell(1, 0, "Hidden")
    tab2.expect_cell(1, 0, "Hidden")

"""Wrapped text on demand: "Wrap text" on a column makes a long text wrap and
its row grow to fit, in every tab, live; "Don't wrap text" (or Ctrl+Z) puts
the fixed row height back. A column that does not wrap keeps one line."""

from __future__ import annotations

from e2e.pages import SheetPage, create_sheet

LONG = "A long note that is much wider than its column, so wrapped it takes several lines"


def open_sheet(user, sheet_id: int) -> SheetPage:
    return SheetPage(user.new_page(), sheet_id).open()


def row_height(tab: SheetPage, row: int) -> float:
    box = tab.cell(row, 0).bounding_box()
    assert box is not None
    return box["height"]


def wait_row_height(tab: SheetPage, row: int, *, taller_than: float | None = None, at_most=None):
    """Wait until the drawn <td> of the row's first cell is taller than / at most that height."""
    tab.cell(row, 0)  # drawn
    tab.page.wait_for_function(
        """([row, taller, most]) => {
            const td = window.gridroom.hot.getCell(row, 0, true);
            if (!td) return false;
            const h = td.getBoundingClientRect().height;
            return (taller === null || h > taller) && (most === null || h <= most);
        }""",
        arg=[row, taller_than, at_most],
    )


def test_wrapped_text_makes_its_row_taller_in_every_tab(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Wrapped notes")
    tab_a, tab_b = open_sheet(ann, sheet_id), open_sheet(ann, sheet_id)
    tab_a.type_cell(0, 0, LONG)
    tab_b.expect_cell(0, 0, LONG)
    tab_a.expect_saved()
    one_line = row_height(tab_b, 1)
    # Off by default: the long text keeps one line.
    for tab in (tab_a, tab_b):
        wait_row_height(tab, 0, at_most=one_line + 1)

    tab_a.menu_command(0, 0, "Wrap text")
    for tab in (tab_a, tab_b):
        wait_row_height(tab, 0, taller_than=one_line * 1.5)
        # Only the row whose text needs it grows.
        wait_row_height(tab, 1, at_most=one_line + 1)
    assert tab_b.page.evaluate("() => window.gridroom.store.columns[0].wrap") is True

    tab_a.menu_command(0, 0, "Don't wrap text")
    for tab in (tab_a, tab_b):
        wait_row_height(tab, 0, at_most=one_line + 1)
    tab_a.select_cell(1, 1)
    tab_a.undo()  # wraps again
    for tab in (tab_a, tab_b):
        wait_row_height(tab, 0, taller_than=one_line * 1.5)

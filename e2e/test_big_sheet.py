"""Two people on a 200,000-row sheet: an edit made after a jump to the last row
reaches the other tab once it jumps there; rows deleted near the top keep each
tab on the same logical cell; a reload shows the same.

Not timed (speed is bench/'s): the waits are long because a sheet this size
takes seconds to import and to open. Cells are found by row number and read by
waiting for their text, so a tab that loads rows in blocks (blank until their
block arrives) passes the same way as one that loads the whole sheet."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.pages import SheetPage
from e2e.test_import_export import preview

ROWS = 200_000
LAST = ROWS - 1
LAST_COL = 2  # the file's columns: A, B, C
DELETED = 3  # rows 2–4 (visual 1–3), deleted by Bob
EDIT = "edited at the end"
IMPORT_MS = 180_000
OPEN_MS = 60_000  # opening, reloading, and a rebuild of the whole grid after a delete


def write_register(path: Path) -> None:
    """Row n holds r{n}, b{n}, c{n}: every cell says where it came from."""
    path.write_text("A,B,C\n" + "".join(f"r{n},b{n},c{n}\n" for n in range(ROWS)))


def import_register(page: Page, path: Path, rows: int = ROWS) -> int:
    """Import the file of `rows` rows from the sheet list (preview, confirm); the new sheet id."""
    page.goto("/sheets/")
    preview(page, path)
    panel = page.locator("#import-panel")
    expect(panel.get_by_role("table", name="Columns")).to_be_visible(timeout=IMPORT_MS)
    panel.get_by_role("button", name="Import", exact=True).click()
    done = panel.get_by_role("status").filter(has_text=f"Imported {rows} rows")
    expect(done).to_be_visible(timeout=IMPORT_MS)
    href = panel.get_by_role("link", name="Open the sheet").get_attribute("href") or ""
    return int(re.search(r"/sheets/(\d+)/", href).group(1))


def open_big(user, sheet_id: int) -> SheetPage:
    page = user.new_page()
    page.set_default_timeout(OPEN_MS)
    return SheetPage(page, sheet_id).open()


# The tab's active cell: its visual row and column, and its row and column ids.
ACTIVE_CELL = """() => {
    const g = window.gridroom;
    const [row, col] = g.hot.getSelectedLast() || [null, null];
    const ranges = g.grid.selection();
    const at = ranges ? ranges[ranges.length - 1].from : null;
    return {row, col, rowId: at && at.row, colId: at && at.col};
}"""


def active_cell(tab: SheetPage) -> dict:
    return tab.page.evaluate(ACTIVE_CELL)


def wait_active_cell(tab: SheetPage, row: int, col: int, ids: dict | None = None) -> None:
    """Wait until the active cell is at (row, col), and on those row and column ids if given."""
    want = {"row": row, "col": col, **(ids or {})}
    tab.page.wait_for_function(
        f"""(want) => {{
            const now = ({ACTIVE_CELL})();
            return Object.keys(want).every((key) => now[key] === want[key]);
        }}""",
        arg=want,
    )


def jump(tab: SheetPage, key: str, row: int, col: int) -> None:
    """Control+`key` in the grid (a cell of it selected): the selection lands on (row, col)."""
    tab.page.keyboard.press(f"Control+{key}")
    wait_active_cell(tab, row, col)


def select_rows_by_header(tab: SheetPage, first: int, last: int) -> None:
    """Click the header of row `first`, Shift+click that of row `last`."""
    tab.row_header(first).click()
    tab.row_header(last).click(modifiers=["Shift"])
    tab.page.wait_for_function(
        """([first, last]) => {
            const hot = window.gridroom.hot;
            const range = hot.getSelectedRangeLast();
            return !!range && hot.selection.isSelectedByRowHeader()
                && Math.min(range.from.row, range.to.row) === first
                && Math.max(range.from.row, range.to.row) === last;
        }""",
        arg=[first, last],
    )


def expect_sheet_after(tab: SheetPage) -> None:
    """What every tab shows once Bob's rows are gone: the count, the top, the edit at the end."""
    last = LAST - DELETED
    tab.expect_rows(ROWS - DELETED)
    tab.expect_cell(0, 0, "r0")
    tab.expect_cell(1, 0, f"r{DELETED + 1}")
    tab.expect_cell(last, 0, f"r{LAST}")
    tab.expect_cell(last, LAST_COL, EDIT)
    expect(tab.row_header(last)).to_have_text(str(ROWS - DELETED))


def test_two_people_on_a_200000_row_sheet_edit_the_end_and_delete_near_the_top(new_user, tmp_path):
    ann, bob = new_user("ann"), new_user("bob")
    source = tmp_path / "Register.csv"
    write_register(source)
    sheet_id = import_register(ann.new_page(), source)
    tab_a = open_big(ann, sheet_id)
    tab_a.share_with(bob.username, "Editor")
    tab_b = open_big(bob, sheet_id)
    for tab in (tab_a, tab_b):
        tab.expect_rows(ROWS)
        tab.expect_cell(0, 0, "r0")

    # Ann jumps to the last row and edits its last cell.
    tab_a.select_cell(0, 0)
    jump(tab_a, "End", LAST, LAST_COL)
    tab_a.expect_cell(LAST, LAST_COL, f"c{LAST}")
    tab_a.type_cell(LAST, LAST_COL, EDIT)
    tab_a.expect_saved()
    # She stays there, that cell selected.
    tab_a.select_cell(LAST, LAST_COL)
    tab_a.expect_cell(LAST, LAST_COL, EDIT)
    expect(tab_a.row_header(LAST)).to_have_text(str(ROWS))

    # Bob, at the top, jumps to the end and sees it.
    tab_b.select_cell(0, 0)
    jump(tab_b, "End", LAST, LAST_COL)
    tab_b.expect_cell(LAST, LAST_COL, EDIT)
    tab_b.expect_cell(LAST, 0, f"r{LAST}")

    # Bob goes back to the top and deletes rows 2–4 from the grid's menu, while
    # Ann stays at the bottom.
    before = active_cell(tab_a)
    assert (before["row"], before["col"]) == (LAST, LAST_COL)
    assert before["rowId"] and before["colId"], before
    jump(tab_b, "Home", 0, 0)
    tab_b.expect_cell(1, 0, "r1")
    tab_b.expect_cell(DELETED, 0, f"r{DELETED}")
    select_rows_by_header(tab_b, 1, DELETED)
    tab_b.row_header(2).click(button="right")
    tab_b.page.get_by_role("menuitem", name="Remove row").click()

    for tab in (tab_b, tab_a):
        tab.expect_rows(ROWS - DELETED)
    tab_b.expect_cell(0, 0, "r0")
    tab_b.expect_cell(1, 0, f"r{DELETED + 1}")
    # Ann's cursor is on the same cell (same row and column ids), now DELETED rows up.
    moved = LAST - DELETED
    wait_active_cell(tab_a, moved, LAST_COL, {"rowId": before["rowId"], "colId": before["colId"]})
    # Still in Ann's view: the grid did not scroll her away from it.
    tab_a.page.wait_for_function(
        "([r, c]) => !!window.gridroom.hot.getCell(r, c, true)", arg=[moved, LAST_COL]
    )
    tab_a.expect_cell(moved, LAST_COL, EDIT)
    expect(tab_a.row_header(moved)).to_have_text(str(ROWS - DELETED))
    # Bob's tab outlines Ann's selection on that same cell.
    expect(tab_b.cell(moved, LAST_COL)).to_have_attribute("data-selected-by", ann.username)
    expect(tab_b.outlined_by(ann.username)).to_have_count(1)

    # A reload of both tabs shows the same: what the server holds.
    for tab in (tab_a, tab_b):
        tab.reload()
    for tab in (tab_a, tab_b):
        expect_sheet_after(tab)

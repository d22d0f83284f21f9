"""Find on a sheet longer than the tab holds at first: Ctrl+F opens our box,
the server finds text in three far rows, Enter jumps to each (its block loads
and the cell is selected), Escape gives the grid the keyboard back."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from e2e.pages import SheetPage, create_sheet
from e2e.test_big_sheet import import_register, wait_active_cell

ROWS = 3000  # more than the 1,000 rows a tab opens with: the far ones come in windows
FAR = {1400: (1, "Needle in B"), 2200: (2, "a NEEDLE in C"), 2950: (0, "needle at the end")}


def write_sheet(path: Path) -> None:
    lines = ["A,B,C"]
    for n in range(ROWS):
        cells = [f"r{n}", f"b{n}", f"c{n}"]
        if n in FAR:
            col, text = FAR[n]
            cells[col] = text
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n")


def held(tab: SheetPage, row: int) -> bool:
    return tab.page.evaluate("(r) => window.gridroom.grid.rowIds[r] !== undefined", row)


def test_find_jumps_to_far_rows_and_escape_closes(new_user, tmp_path):
    ann = new_user("ann")
    source = tmp_path / "Haystack.csv"
    write_sheet(source)
    tab = SheetPage(ann.new_page(), import_register(ann.new_page(), source, ROWS)).open()
    tab.expect_rows(ROWS)
    tab.select_cell(0, 0)
    box = tab.page.get_by_role("search", name="Find in sheet")
    field = box.get_by_role("searchbox", name="Find")
    status = box.get_by_role("status")
    expect(box).to_be_hidden()

    tab.page.keyboard.press("Control+f")
    expect(field).to_be_focused()
    field.press_sequentially("needle")
    expect(status).to_have_text("1 of 3")
    assert not held(tab, 1400)  # far below what the tab opened with

    rows = sorted(FAR)
    for i, row in enumerate([*rows, rows[0]]):
        field.press("Enter")
        col, text = FAR[row]
        expect(status).to_have_text(f"{i % 3 + 1} of 3")
        wait_active_cell(tab, row, col)
        tab.expect_cell(row, col, text)
        expect(field).to_be_focused()  # Enter again goes on to the next one
    field.press("Shift+Enter")
    expect(status).to_have_text("3 of 3")
    wait_active_cell(tab, 2950, 0)

    box.get_by_role("button", name="Previous").click()
    expect(status).to_have_text("2 of 3")
    wait_active_cell(tab, 2200, 2)

    field.press("Escape")
    expect(box).to_be_hidden()
    tab.page.wait_for_function("() => window.gridroom.hot.isListening()")
    # The grid has the keyboard again: an arrow moves the selection.
    tab.page.keyboard.press("ArrowDown")
    wait_active_cell(tab, 2201, 2)


def test_ctrl_f_while_typing_keeps_the_typing_and_finds_it(new_user):
    ann = new_user("ann")
    page = ann.new_page()
    tab = SheetPage(page, create_sheet(page, "Small")).open()
    tab.select_cell(0, 0)
    page.keyboard.type("kept")  # the cell's editor opens with it
    page.keyboard.press("Control+f")
    field = page.get_by_role("searchbox", name="Find")
    expect(field).to_be_focused()
    tab.expect_cell(0, 0, "kept")
    tab.expect_saved()
    status = page.get_by_role("search", name="Find in sheet").get_by_role("status")
    field.fill("KEP")
    expect(status).to_have_text("1 of 1")
    field.fill("nowhere")
    expect(status).to_have_text("No matches")

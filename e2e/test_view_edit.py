"""Edits in a sorted view of a big sheet: sorted Z → A by a number column,
the top of the view is the sheet's last rows, which the tab's store does not
hold (a sheet over 1,000 rows opens with its first rows only). A value typed
there is saved and reaches another tab, unsorted, where the row always was;
a refused value stays in its cell; a paste and Delete of a range work there,
and so do Undo and Remove row. The row stays where it is until the view is refreshed."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from e2e.pages import SheetPage, create_sheet, post_from_page
from e2e.test_big_sheet import jump
from e2e.test_refused import expect_refused
from e2e.test_views import view_bar

ROWS = 3000
CHUNK = 1000  # rows per insert op
AMOUNT, NOTE = 0, 1
LAST = ROWS - 1
OPEN_MS = 60_000


def seed(page, sheet_id: int) -> None:
    """Columns Amount (number) and Note (text); row i holds amount i and note n{i}, nothing else."""
    base = f"/api/sheets/{sheet_id}"
    client = f"seed-{uuid.uuid4().hex[:8]}"
    amount, note = str(uuid.uuid4()), str(uuid.uuid4())
    columns = [
        {"id": amount, "name": "Amount", "type": "number", "after": None},
        {"id": note, "name": "Note", "type": "text", "after": amount},
    ]
    op = {"client_id": client, "op_id": str(uuid.uuid4()), "columns": columns}
    assert post_from_page(page, f"{base}/columns/insert", op) == 200
    old = page.evaluate("() => window.gridroom.store.rows.map((r) => r.id)")
    if old:
        op = {"client_id": client, "op_id": str(uuid.uuid4()), "rows": old}
        assert post_from_page(page, f"{base}/rows/delete", op) == 200
    after = None
    for start in range(0, ROWS, CHUNK):
        rows = []
        for i in range(start, start + CHUNK):
            row = str(uuid.uuid4())
            rows.append({"id": row, "after": after, "values": {amount: i, note: f"n{i}"}})
            after = row
        op = {"client_id": client, "op_id": str(uuid.uuid4()), "rows": rows}
        assert post_from_page(page, f"{base}/rows/insert", op) == 200


def open_tab(user, sheet_id: int) -> SheetPage:
    page = user.new_page()
    page.set_default_timeout(OPEN_MS)
    return SheetPage(page, sheet_id).open()


def held_by_store(tab: SheetPage, row: int) -> bool:
    """The tab's committed store holds the row shown at visual `row`."""
    held = "(r) => { const g = window.gridroom; return !!g.store.row(g.grid.rowIds[r]); }"
    return tab.page.evaluate(held, row)


def test_a_sorted_views_rows_deep_in_a_big_sheet_take_edits(new_user):
    ann = new_user("ann", locale="en-US")
    setup = ann.new_page()
    sheet_id = create_sheet(setup, "Ledger")
    seed(setup, sheet_id)
    tab_a, tab_b = open_tab(ann, sheet_id), open_tab(ann, sheet_id)
    for tab in (tab_a, tab_b):
        tab.expect_rows(ROWS)
        tab.expect_cell(0, NOTE, "n0")

    # Tab B, in the sheet's own order, goes to the last rows and stays there.
    tab_b.select_cell(0, NOTE)
    jump(tab_b, "ArrowDown", LAST, NOTE)
    tab_b.expect_cell(LAST, NOTE, f"n{LAST}")

    # Tab A sorts Z → A: the sheet's last rows come first, rows its store does not hold.
    tab_a.menu_command(0, AMOUNT, "Sort Z → A")
    expect(view_bar(tab_a).get_by_role("listitem")).to_have_text(["Sorted by Amount ↓×"])
    tab_a.expect_cell(0, NOTE, f"n{LAST}")
    tab_a.expect_cell(1, NOTE, f"n{LAST - 1}")
    assert not held_by_store(tab_a, 0)

    # A value typed there is saved, shown in place, and reaches tab B where the row always was.
    tab_a.type_cell(0, NOTE, "edited deep")
    tab_a.expect_cell(0, NOTE, "edited deep")
    tab_a.expect_saved()
    expect(tab_a.status()).to_have_text(re.compile("All changes saved"))
    tab_b.expect_cell(LAST, NOTE, "edited deep")
    # An amount edit keeps the row where it is (the view is out of date until refreshed).
    tab_a.type_cell(0, AMOUNT, "5")
    tab_a.expect_saved()
    tab_a.expect_cell(0, AMOUNT, "5")
    tab_a.expect_cell(0, NOTE, "edited deep")
    tab_b.expect_cell(LAST, AMOUNT, "5")
    expect(view_bar(tab_a).get_by_role("button", name="Refresh view")).to_be_visible()

    # A refused value (text in the number column) stays shown in that cell.
    tab_a.type_cell(1, AMOUNT, "lots")
    expect_refused(tab_a, 1, AMOUNT, "lots", "not a number")
    tab_a.expect_cell(1, NOTE, f"n{LAST - 1}")
    assert not held_by_store(tab_a, 1)

    # A paste over two view rows, then Delete of that range, then Undo of the Delete.
    tab_a.select_cell(2, NOTE)
    tab_a.hot("hot.getPlugin('CopyPaste').paste(arg)", "pasted 1\npasted 2")
    tab_a.expect_cell(2, NOTE, "pasted 1")
    tab_a.expect_cell(3, NOTE, "pasted 2")
    expect_refused(tab_a, 1, AMOUNT, "lots", "not a number")  # still there: the line is not green
    tab_b.expect_cell(LAST - 2, NOTE, "pasted 1")
    tab_b.expect_cell(LAST - 3, NOTE, "pasted 2")
    tab_a.hot("hot.selectCell(2, arg, 3, arg)", NOTE)
    tab_a.page.keyboard.press("Delete")
    tab_a.expect_cell(2, NOTE, "")
    tab_a.expect_cell(3, NOTE, "")
    tab_b.expect_cell(LAST - 2, NOTE, "")
    tab_b.expect_cell(LAST - 3, NOTE, "")
    tab_a.undo()
    tab_a.expect_cell(2, NOTE, "pasted 1")
    tab_a.expect_cell(3, NOTE, "pasted 2")
    tab_b.expect_cell(LAST - 3, NOTE, "pasted 2")

    # Discarding the refused value shows the committed one again; then all is saved.
    tab_a.select_cell(1, AMOUNT)
    tab_a.page.keyboard.press("Escape")
    tab_a.expect_cell(1, AMOUNT, str(LAST - 1))
    tab_a.expect_saved()

    # Remove row on the first row of the view: it leaves this view and the other tab.
    tab_a.menu_command(0, NOTE, "Remove row")
    tab_a.expect_cell(0, NOTE, f"n{LAST - 1}")
    tab_a.expect_saved()
    tab_b.expect_rows(ROWS - 1)
    tab_b.expect_cell(LAST - 1, NOTE, f"n{LAST - 1}")

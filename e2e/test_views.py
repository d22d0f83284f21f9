"""A personal sort and filter: one tab sorts and filters a sheet of 40 rows
(the rows come from the server's view), the other tab sees nothing move; an
edit that takes a row out of the filter leaves it in place, greyed, until
Refresh view; Clear all gives the sheet's own order back. A value the filter
cannot read is told in the form and changes nothing."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from e2e.axe import assert_no_serious_violations
from e2e.pages import SheetPage, create_sheet, post_from_page

ROWS = 40
AMOUNT = 0  # the number column, first


def amounts() -> list[int]:
    """Every amount 5, 15, … 395 once, shuffled: row i holds (i * 17 mod 40) * 10 + 5."""
    return [(i * 17) % ROWS * 10 + 5 for i in range(ROWS)]


def seed(tab: SheetPage) -> None:
    """A number column "Amount" first, and exactly ROWS rows holding amounts() in order."""
    base = f"/api/sheets/{tab.sheet_id}"
    col = str(uuid.uuid4())
    client = f"seed-{uuid.uuid4().hex[:8]}"
    column = {"id": col, "name": "Amount", "type": "number", "after": None}
    op = {"client_id": client, "op_id": str(uuid.uuid4()), "columns": [column]}
    assert post_from_page(tab.page, f"{base}/columns/insert", op) == 200
    old = tab.page.evaluate("() => window.gridroom.store.rows.map((r) => r.id)")
    if old:
        op = {"client_id": client, "op_id": str(uuid.uuid4()), "rows": old}
        assert post_from_page(tab.page, f"{base}/rows/delete", op) == 200
    rows, after = [], None
    for value in amounts():
        row = str(uuid.uuid4())
        rows.append({"id": row, "after": after, "values": {col: value}})
        after = row
    op = {"client_id": client, "op_id": str(uuid.uuid4()), "rows": rows}
    assert post_from_page(tab.page, f"{base}/rows/insert", op) == 200


def open_sheet(user, sheet_id: int) -> SheetPage:
    return SheetPage(user.new_page(), sheet_id).open()


def view_bar(tab: SheetPage):
    return tab.page.get_by_role("region", name=re.compile("^Your view"))


def row_count(tab: SheetPage):
    return tab.page.locator("#sheet-rows")


def filter_dialog(tab: SheetPage):
    return tab.page.get_by_role("dialog", name="Filter Amount")


def two_tabs(new_user) -> tuple[SheetPage, SheetPage]:
    ann = new_user("ann", locale="en-US")
    sheet_id = create_sheet(ann.new_page(), "Payments")
    tab_a, tab_b = open_sheet(ann, sheet_id), open_sheet(ann, sheet_id)
    seed(tab_a)
    first = str(amounts()[0])
    for tab in (tab_a, tab_b):
        tab.expect_rows(ROWS)
        tab.expect_cell(0, AMOUNT, first)
        expect(row_count(tab)).to_have_text(f"{ROWS} rows")
    return tab_a, tab_b


def test_a_sort_and_filter_are_one_tabs_and_keep_an_edited_row_in_place(new_user):
    tab_a, tab_b = two_tabs(new_user)
    values = amounts()

    # Z → A: the largest first, in this tab only.
    tab_a.menu_command(0, AMOUNT, "Sort Z → A")
    tab_a.expect_cell(0, AMOUNT, "395")
    tab_a.expect_cell(1, AMOUNT, "385")
    bar = view_bar(tab_a)
    expect(bar.get_by_role("listitem")).to_have_text(["Sorted by Amount ↓×"])
    expect(view_bar(tab_b)).to_be_hidden()
    tab_b.expect_cell(0, AMOUNT, str(values[0]))
    tab_b.expect_cell(1, AMOUNT, str(values[1]))

    # Amount > 300: ten rows here, forty there.
    tab_a.menu_command(0, AMOUNT, "Filter…")
    dialog = filter_dialog(tab_a)
    expect(dialog).to_be_visible()
    dialog.get_by_label("Condition").select_option(">")
    dialog.get_by_label("Value (a number)").fill("300")
    assert_no_serious_violations(tab_a.page, "the filter form")
    dialog.get_by_role("button", name="Apply filter").click()
    expect(dialog).to_be_hidden()
    expect(row_count(tab_a)).to_have_text("10 of 40 shown")
    tab_a.expect_rows(10)
    tab_a.expect_cell(0, AMOUNT, "395")
    tab_a.expect_cell(9, AMOUNT, "305")
    expect(bar.get_by_role("listitem")).to_have_text(["Sorted by Amount ↓×", "Amount > 300×"])
    assert_no_serious_violations(tab_a.page, "the filter bar")
    tab_b.expect_rows(ROWS)
    expect(row_count(tab_b)).to_have_text(f"{ROWS} rows")

    # An edit takes the first row out of the filter: it stays, greyed, until Refresh view.
    refresh = bar.get_by_role("button", name="Refresh view")
    expect(refresh).to_be_hidden()
    tab_a.type_cell(0, AMOUNT, "1")
    tab_a.expect_saved()
    tab_a.expect_cell(0, AMOUNT, "1")
    expect(tab_a.cell(0, AMOUNT)).to_have_class(re.compile(r"\brow-outside-view\b"))
    expect(tab_a.cell(1, AMOUNT)).not_to_have_class(re.compile(r"\brow-outside-view\b"))
    tab_a.expect_rows(10)
    # The other tab has the new value where the row always was.
    tab_b.expect_cell(values.index(395), AMOUNT, "1")
    tab_b.expect_cell(0, AMOUNT, str(values[0]))

    refresh.click()
    expect(row_count(tab_a)).to_have_text("9 of 40 shown")
    tab_a.expect_rows(9)
    tab_a.expect_cell(0, AMOUNT, "385")
    expect(refresh).to_be_hidden()

    # Clear one filter, then Clear all: the sheet's own order.
    bar.get_by_role("button", name="Clear filter: Amount > 300").click()
    expect(row_count(tab_a)).to_have_text("40 of 40 shown")
    tab_a.expect_cell(0, AMOUNT, "385")
    bar.get_by_role("button", name="Clear all").click()
    expect(bar).to_be_hidden()
    expect(row_count(tab_a)).to_have_text(f"{ROWS} rows")
    tab_a.expect_rows(ROWS)
    tab_a.expect_cell(0, AMOUNT, str(values[0]))
    tab_a.expect_cell(values.index(395), AMOUNT, "1")


def test_a_filter_value_that_is_no_number_is_told_and_changes_nothing(new_user):
    tab_a, _ = two_tabs(new_user)
    asked: list[str] = []
    tab_a.page.on("request", lambda r: asked.append(r.url) if "view=" in r.url else None)

    tab_a.menu_command(0, AMOUNT, "Filter…")
    dialog = filter_dialog(tab_a)
    dialog.get_by_label("Condition").select_option(">")
    value = dialog.get_by_label("Value (a number)")
    value.fill("lots")
    dialog.get_by_role("button", name="Apply filter").click()
    expect(dialog.get_by_role("alert")).to_have_text("“lots” is not a number.")
    expect(value).to_have_attribute("aria-invalid", "true")
    expect(dialog).to_be_visible()

    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(view_bar(tab_a)).to_be_hidden()
    expect(row_count(tab_a)).to_have_text(f"{ROWS} rows")
    tab_a.expect_rows(ROWS)
    tab_a.expect_cell(0, AMOUNT, str(amounts()[0]))
    # A positive sync point first: a filter that reads does reach the server.
    tab_a.menu_command(0, AMOUNT, "Filter…")
    dialog.get_by_label("Condition").select_option("<")
    value.fill("20")
    dialog.get_by_role("button", name="Apply filter").click()
    expect(row_count(tab_a)).to_have_text("2 of 40 shown")
    assert len(asked) >= 1
    assert all("lots" not in url for url in asked)


def test_rows_added_under_a_view_show_where_inserted_and_others_mark_it_out_of_date(new_user):
    tab_a, tab_b = two_tabs(new_user)
    tab_a.menu_command(0, AMOUNT, "Sort Z → A")
    tab_a.expect_cell(0, AMOUNT, "395")
    expect(row_count(tab_a)).to_have_text("40 of 40 shown")

    # A's own row shows where A put it, under the largest amount.
    tab_a.insert_row_below(0)
    tab_a.expect_saved()
    tab_a.expect_rows(ROWS + 1)
    tab_a.expect_cell(0, AMOUNT, "395")
    tab_a.expect_cell(1, AMOUNT, "")
    tab_a.expect_cell(2, AMOUNT, "385")
    expect(row_count(tab_a)).to_have_text("41 of 41 shown")
    refresh = view_bar(tab_a).get_by_role("button", name="Refresh view")
    expect(refresh).to_be_hidden()
    tab_b.expect_rows(ROWS + 1)

    # B's row does not move into A's view: the view is out of date until refreshed.
    tab_b.add_row()
    tab_b.expect_saved()
    expect(refresh).to_be_visible()
    expect(row_count(tab_a)).to_have_text("41 of 42 shown")
    tab_a.expect_rows(ROWS + 1)
    refresh.click()
    tab_a.expect_rows(ROWS + 2)
    expect(row_count(tab_a)).to_have_text("42 of 42 shown")
    tab_a.expect_cell(1, AMOUNT, "385")  # empty cells go last
    tab_a.expect_cell(ROWS + 1, AMOUNT, "")

    # The view is the tab's: a reload keeps it, the other tab never had it.
    tab_a.reload()
    expect(view_bar(tab_a).get_by_role("listitem")).to_have_text(["Sorted by Amount ↓×"])
    tab_a.expect_cell(0, AMOUNT, "395")
    expect(view_bar(tab_b)).to_be_hidden()

"""A column's number format set in one tab is every tab's: 1299.50 typed into
a number column shows as 1,299.50 once the column has 2 decimals and a
thousands separator; the cell editor still edits the stored 1299.5; a reload
keeps the format."""

from __future__ import annotations

from playwright.sync_api import expect

from e2e.axe import assert_no_serious_violations
from e2e.pages import SheetPage, create_sheet

COL = 1


def open_sheet(user, sheet_id: int) -> SheetPage:
    return SheetPage(user.new_page(), sheet_id).open()


def stored_format(tab: SheetPage, col: int) -> dict | None:
    return tab.page.evaluate(
        "(col) => window.gridroom.store.columns[col].numberFormat ?? null", col
    )


def test_a_number_format_is_every_tabs_and_leaves_the_value_alone(new_user):
    ann = new_user("ann", locale="en-US")
    sheet_id = create_sheet(ann.new_page(), "Prices")
    tab_a, tab_b = open_sheet(ann, sheet_id), open_sheet(ann, sheet_id)
    tab_a.set_column_type(COL, "Number")
    tab_a.type_cell(0, COL, "1299.50")
    tab_a.expect_saved()
    tab_b.expect_cell(0, COL, "1299.5")  # as stored: no format yet

    # The column header's menu opens the column dialog at its number format.
    tab_a.menu_command(0, COL, "Number format…")
    dialog = tab_a.page.get_by_role("dialog")
    decimals = dialog.get_by_label("Decimal places")
    expect(decimals).to_be_focused()
    decimals.select_option("2")
    dialog.get_by_label("Thousands separator (1,234)").check()
    expect(dialog.get_by_text("1234.5 is shown as 1,234.50")).to_be_visible()
    currency = dialog.get_by_label("Currency", exact=True)
    expect(currency).to_be_hidden()
    # Currency asks for its code; every field is named (axe), then back to a plain number.
    dialog.get_by_label("Show as").select_option(label="Currency")
    expect(currency).to_be_visible()
    currency.select_option("EUR")
    expect(dialog.get_by_text("1234.5 is shown as €1,234.50")).to_be_visible()
    assert_no_serious_violations(tab_a.page, "the column dialog's number format")
    dialog.get_by_label("Show as").select_option(label="Number")
    expect(currency).to_be_hidden()
    with tab_a.page.expect_response(lambda r: r.url.endswith("/columns/update")) as answer:
        dialog.get_by_role("button", name="Save column").click()
    assert answer.value.status == 200
    assert answer.value.request.post_data_json["number_format"] == {
        "decimals": 2,
        "thousands": True,
        "style": "plain",
        "currency": None,
    }
    expect(dialog).to_be_hidden()

    tab_a.expect_cell(0, COL, "1,299.50")
    tab_b.expect_cell(0, COL, "1,299.50")
    assert tab_b.cell_value(0, COL) == 1299.5  # the data the grid holds: as stored

    # Editing the cell shows, and edits, the stored value.
    tab_b.select_cell(0, COL)
    tab_b.page.keyboard.press("Enter")
    tab_b.page.wait_for_function(
        "() => { const e = window.gridroom.hot.getActiveEditor();"
        " return !!e && e.isOpened() && e.getValue() === '1299.5'; }"
    )
    tab_b.page.keyboard.press("Escape")
    tab_b.wait_editor_closed()
    tab_b.expect_cell(0, COL, "1,299.50")

    tab_b.reload()
    tab_b.expect_cell(0, COL, "1,299.50")
    assert stored_format(tab_b, COL)["decimals"] == 2

    # A new value typed in tab B is drawn in the format in tab A.
    tab_b.type_cell(1, COL, "1234567")
    tab_a.expect_cell(1, COL, "1,234,567.00")

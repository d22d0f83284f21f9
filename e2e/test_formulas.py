"""Formula columns and column totals in the grid (docs/formulas.md): made in
the column dialog, computed by the server, shown read-only in every tab, kept
up to date with their totals, renamed with the columns they read."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, expect

from e2e.pages import SheetPage, create_sheet

PRICE, QTY, PER_UNIT, TOTAL = 1, 2, 3, 5


def header_cell(tab: SheetPage, col: int) -> Locator:
    """The <th> of a column (its title says the formula)."""
    return tab.column_header(col).locator("xpath=ancestor::th")


def total_of(tab: SheetPage, col: int) -> Locator:
    """The footer's total under column `col`."""
    totals = tab.page.get_by_role("list", name="Column totals")
    return totals.get_by_role("listitem").nth(col)


def add_formula_column(tab: SheetPage, name: str) -> None:
    """Add column → Formula, written with the column-name buttons: =[Price] * [Qty]."""
    page = tab.page
    page.get_by_role("button", name="Add column", exact=True).click()
    dialog = page.get_by_role("dialog", name="Add column")
    dialog.get_by_label("Column name").fill(name)
    dialog.get_by_label("Column type").select_option(label="Formula")
    formula = dialog.get_by_label("Formula", exact=True)
    check = dialog.locator("#column-formula-check")
    dialog.get_by_role("button", name="Insert [Price]").click()
    page.keyboard.type(" * ")
    expect(formula).to_have_value("=[Price] * ")
    # The server's verdict on what is typed, as it is typed.
    expect(check).to_have_text("Expected a value after '*' at position 11")
    expect(formula).to_have_attribute("aria-invalid", "true")
    dialog.get_by_role("button", name="Insert [Qty]").click()
    expect(formula).to_have_value("=[Price] * [Qty]")
    expect(check).to_have_text("The formula is valid; it gives a number.")
    dialog.get_by_role("button", name="Create column").click()
    expect(dialog).to_be_hidden()


def set_footer_total(tab: SheetPage, col: int, label: str) -> None:
    dialog = tab.open_column_dialog(col)
    dialog.get_by_label("Footer total").select_option(label=label)
    dialog.get_by_role("button", name="Save column").click()
    expect(dialog).to_be_hidden()


def test_formula_column_and_total_live_in_two_tabs(new_user):
    ann, bob = new_user("ann"), new_user("bob")
    sheet_id = create_sheet(ann.new_page(), "Order")
    a = SheetPage(ann.new_page(), sheet_id).open()
    a.share_with(bob.username, "Editor")
    b = SheetPage(bob.new_page(), sheet_id).open()
    a.rename_column(0, "Item")
    for col, name in ((PRICE, "Price"), (QTY, "Qty")):
        a.rename_column(col, name)
        a.set_column_type(col, "Number")
    for row, (price, qty) in enumerate(((2.5, 4), (3, 2))):
        a.type_cell(row, PRICE, str(price))
        a.type_cell(row, QTY, str(qty))
    a.expect_saved()

    add_formula_column(a, "Total")
    set_footer_total(a, QTY, "Sum")
    for tab in (a, b):
        tab.expect_column_name(TOTAL, "Total")
        expect(header_cell(tab, TOTAL)).to_have_attribute(
            "title", "Formula column: =[Price] * [Qty]"
        )
        tab.expect_cell(0, TOTAL, "10")
        tab.expect_cell(1, TOTAL, "6")
        expect(total_of(tab, QTY)).to_have_text("Qty: Sum 6")

    # Tab B edits a Qty: the product and the total follow in both tabs.
    b.type_cell(1, QTY, "5")
    for tab in (a, b):
        tab.expect_cell(1, TOTAL, "15")
        expect(total_of(tab, QTY)).to_have_text("Qty: Sum 9")

    # A renames Qty: the formula reads the new name in both tabs, header and dialog.
    a.rename_column(QTY, "Quantity")
    for tab in (a, b):
        expect(header_cell(tab, TOTAL)).to_have_attribute(
            "title", "Formula column: =[Price] * [Quantity]"
        )
        expect(total_of(tab, QTY)).to_have_text("Quantity: Sum 9")
    dialog = b.open_column_dialog(TOTAL)
    expect(dialog.get_by_label("Column type")).to_have_value("formula")
    expect(dialog.get_by_label("Formula", exact=True)).to_have_value("=[Price] * [Quantity]")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()

    # A column turned into a formula that divides by an empty Quantity: the error, and why.
    dialog = a.open_column_dialog(PER_UNIT)
    dialog.get_by_label("Column name").fill("Per unit")
    dialog.get_by_label("Column type").select_option(label="Formula")
    dialog.get_by_label("Formula", exact=True).fill("=[Price] / [Quantity]")
    expect(dialog.locator("#column-formula-check")).to_have_text(re.compile("valid"))
    dialog.get_by_role("button", name="Save column").click()
    expect(dialog).to_be_hidden()
    for tab in (a, b):
        tab.expect_cell(0, PER_UNIT, "0.625")
        broken = tab.cell(2, PER_UNIT)
        expect(broken).to_have_text("#DIV/0!")
        expect(broken).to_have_class(re.compile(r"\bcell-formula-error\b"))
        broken.hover()
        expect(broken).to_have_attribute(
            "title", re.compile(r"^#DIV/0!: \[Quantity\] is blank: division by zero(\n|$)")
        )
        expect(broken).to_have_attribute("aria-invalid", "true")


def test_a_formula_cell_refuses_typing_and_equals_in_a_plain_cell_is_text(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Readonly formulas")
    tab = SheetPage(ann.new_page(), sheet_id).open()
    tab.rename_column(PRICE, "Price")
    tab.set_column_type(PRICE, "Number")
    tab.rename_column(QTY, "Qty")
    tab.set_column_type(QTY, "Number")
    tab.type_cell(0, PRICE, "2")
    tab.type_cell(0, QTY, "3")
    add_formula_column(tab, "Total")
    tab.expect_cell(0, TOTAL, "6")
    tab.expect_saved()

    cell_posts: list[str] = []
    tab.page.on(
        "request",
        lambda r: cell_posts.append(r.post_data or "") if r.url.endswith("/cells") else None,
    )
    tab.select_cell(0, TOTAL)
    tab.page.keyboard.type("99")
    tab.page.keyboard.press("Enter")
    tab.page.keyboard.press("Delete")
    assert not tab.editor_open()
    # The sync point: a plain cell typed afterwards is saved; it is the only cells op sent.
    # "=" at its start keeps it text, and the tab says once how to make a formula column.
    hint = tab.page.locator("#formula-hint")
    expect(hint).to_be_hidden()
    tab.type_cell(3, 0, "=SUM(B1:B5)")
    tab.expect_saved()
    tab.expect_cell(3, 0, "=SUM(B1:B5)")
    tab.expect_cell(0, TOTAL, "6")
    assert len(cell_posts) == 1 and "SUM" in cell_posts[0], cell_posts
    expect(hint).to_be_visible()
    expect(hint).to_have_attribute("role", "status")
    expect(hint).to_contain_text("add a column of type Formula")

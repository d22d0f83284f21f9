"""Shared views: Ann saves her sort and filter as a shared view; Bob (an
editor, another browser) chooses it and sees the same rows in the same
order; Ann changes its sort and Bob's tab re-sorts live; a sort of Ann's own
in a third tab moves nothing in the others; Cat, a viewer, sees the view,
and her change of its sort makes a copy of her own. Then sort adds a second
key, listed in the bar and removable."""

from __future__ import annotations

from playwright.sync_api import expect

from e2e.axe import assert_no_serious_violations
from e2e.pages import SheetPage, create_sheet
from e2e.test_views import AMOUNT, ROWS, amounts, seed

VIEW = "Top payments"
B = 2  # the default column "B", after Amount and A

# Whether the grid hides column `col` (a plugin never switched on hides none).
SHOWS_HIDDEN = (
    "(col) => { const p = window.gridroom.hot.getPlugin('hiddenColumns');"
    " return !!p && p.isEnabled() && p.isHidden(col); }"
)


def is_hidden(tab: SheetPage, col: int) -> bool:
    return tab.page.evaluate(f"(col) => ({SHOWS_HIDDEN})(col)", col)


def wait_hidden(tab: SheetPage, col: int, hidden: bool) -> None:
    tab.page.wait_for_function(
        f"([col, want]) => ({SHOWS_HIDDEN})(col) === want",
        arg=[col, hidden],
    )


def open_sheet(user, sheet_id: int) -> SheetPage:
    return SheetPage(user.new_page(), sheet_id).open()


def menu(tab: SheetPage, col: int, name: str) -> None:
    """The grid's context menu item named exactly `name` ("Sort A → Z" is
    also in "Then sort A → Z")."""
    tab.cell(0, col).click(button="right")
    tab.page.get_by_role("menuitem", name=name, exact=True).click()


def bar(tab: SheetPage):
    return tab.page.locator("#view-bar")


def heading(tab: SheetPage):
    return tab.page.locator("#view-bar-label")


def switcher(tab: SheetPage):
    return tab.page.get_by_label("View", exact=True)


def first_amounts(tab: SheetPage, *texts: str) -> None:
    for row, text in enumerate(texts):
        tab.expect_cell(row, AMOUNT, text)


def filter_over(tab: SheetPage, value: int) -> None:
    menu(tab, AMOUNT, "Filter…")
    dialog = tab.page.get_by_role("dialog", name="Filter Amount")
    dialog.get_by_label("Condition").select_option(">")
    dialog.get_by_label("Value (a number)").fill(str(value))
    dialog.get_by_role("button", name="Apply filter").click()
    expect(dialog).to_be_hidden()


def test_a_shared_view_is_chosen_by_others_and_its_changes_are_live(new_user):
    ann = new_user("ann", locale="en-US")
    bob = new_user("bob", locale="en-US")
    cat = new_user("cat", locale="en-US")
    sheet_id = create_sheet(ann.new_page(), "Payments")
    tab_a = open_sheet(ann, sheet_id)
    seed(tab_a)
    tab_a.expect_rows(ROWS)
    tab_a.share_with(bob.username, "Editor")
    tab_a.share_with(cat.username, "Viewer")

    # Ann: Z → A, over 300, saved as a shared view.
    menu(tab_a, AMOUNT, "Sort Z → A")
    filter_over(tab_a, 300)
    tab_a.expect_rows(10)
    first_amounts(tab_a, "395", "385")
    bar(tab_a).get_by_role("button", name="Save as shared view…").click()
    dialog = tab_a.page.get_by_role("dialog", name="Save as shared view")
    dialog.get_by_label("View name").fill("")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_have_text("Enter a name.")
    dialog.get_by_label("View name").fill(VIEW)
    assert_no_serious_violations(tab_a.page, "the shared view form")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(heading(tab_a)).to_contain_text(f"Shared view: {VIEW}")
    expect(switcher(tab_a)).to_have_value(
        tab_a.page.evaluate("() => window.gridroom.store.sharedViews.list[0].id")
    )

    # Bob: the sheet's order until he chooses the view, then the same rows as Ann's.
    tab_b = open_sheet(bob, sheet_id)
    tab_b.expect_rows(ROWS)
    first_amounts(tab_b, str(amounts()[0]))
    switcher(tab_b).select_option(label=VIEW)
    expect(heading(tab_b)).to_contain_text(f"Shared view: {VIEW}")
    tab_b.expect_rows(10)
    first_amounts(tab_b, "395", "385")
    expect(bar(tab_b).get_by_role("listitem")).to_have_text(
        ["Sorted by Amount ↓×", "Amount > 300×"]
    )
    assert_no_serious_violations(tab_b.page, "the view bar on a shared view")

    # A third tab of Ann's, on her own view: its sort moves nothing elsewhere.
    tab_c = open_sheet(ann, sheet_id)
    expect(heading(tab_c)).to_contain_text("Your view")
    menu(tab_c, AMOUNT, "Sort A → Z")
    tab_c.expect_rows(ROWS)
    first_amounts(tab_c, "5", "15")
    first_amounts(tab_a, "395", "385")
    first_amounts(tab_b, "395", "385")
    expect(heading(tab_a)).to_contain_text(f"Shared view: {VIEW}")
    assert tab_b.messages("view.saved") == []  # nothing was sent for it

    # Ann sorts the shared view A → Z: Bob's tab follows, live.
    menu(tab_a, AMOUNT, "Sort A → Z")
    first_amounts(tab_a, "305", "315")
    first_amounts(tab_b, "305", "315")
    expect(bar(tab_b).get_by_role("listitem")).to_have_text(
        ["Sorted by Amount ↑×", "Amount > 300×"]
    )
    assert len(tab_b.messages("view.saved")) == 1  # it came as the view's event
    # Ann's own tab stayed as it was.
    first_amounts(tab_c, "5", "15")
    tab_c.expect_rows(ROWS)

    # Then sort: a second key, listed after the first, removable; Bob sees it too.
    menu(tab_a, 1, "Then sort Z → A")
    expect(bar(tab_a).get_by_role("listitem")).to_have_text(
        ["Sorted by Amount ↑×", "then by A ↓×", "Amount > 300×"]
    )
    expect(bar(tab_b).get_by_role("listitem")).to_have_text(
        ["Sorted by Amount ↑×", "then by A ↓×", "Amount > 300×"]
    )
    bar(tab_a).get_by_role("button", name="Clear sort: then by A ↓").click()
    expect(bar(tab_b).get_by_role("listitem")).to_have_text(
        ["Sorted by Amount ↑×", "Amount > 300×"]
    )
    first_amounts(tab_b, "305", "315")

    # Ann hides column B in the shared view: hidden in Bob's tab, not in her own tab's view.
    menu(tab_a, B, "Hide column (this view)")
    expect(bar(tab_a).get_by_role("listitem")).to_contain_text(["B hidden×"])
    wait_hidden(tab_b, B, True)
    assert not is_hidden(tab_c, B)
    # Bob, an editor on it too, shows it again: for Ann as well.
    bar(tab_b).get_by_role("button", name="Show column: B").click()
    wait_hidden(tab_a, B, False)
    wait_hidden(tab_b, B, False)

    # Cat, a viewer: sees the view, cannot save one; her sort makes her own copy.
    tab_v = open_sheet(cat, sheet_id)
    expect(bar(tab_v)).to_be_visible()
    expect(bar(tab_v).get_by_role("button", name="Save as shared view…")).to_be_hidden()
    switcher(tab_v).select_option(label=VIEW)
    tab_v.expect_rows(10)
    first_amounts(tab_v, "305", "315")
    menu(tab_v, AMOUNT, "Sort Z → A")
    expect(heading(tab_v)).to_contain_text(f"Your copy of {VIEW}")
    first_amounts(tab_v, "395", "385")
    first_amounts(tab_a, "305")
    first_amounts(tab_b, "305")

    # Back to his own view, Bob has the sheet's order again.
    switcher(tab_b).select_option(label="My view (this tab)")
    expect(heading(tab_b)).to_contain_text("Your view")
    tab_b.expect_rows(ROWS)
    first_amounts(tab_b, str(amounts()[0]))


def test_a_shared_views_column_order_is_shown_live_and_edits_reach_the_right_column(
    new_user,
):
    """Ann moves Amount right in her view and saves it as a shared view; Bob,
    on it, sees her next move live; his typing in the moved column is saved to
    Amount (Ann's own tab, in the sheet's order, shows it); resetting the order
    gives the sheet's order back to both."""
    ann = new_user("ann", locale="en-US")
    bob = new_user("bob", locale="en-US")
    sheet_id = create_sheet(ann.new_page(), "Payments")
    tab_a = open_sheet(ann, sheet_id)
    seed(tab_a)
    tab_a.expect_rows(ROWS)
    tab_a.share_with(bob.username, "Editor")
    tab_a.expect_column_name(AMOUNT, "Amount")
    tab_a.expect_column_name(1, "A")

    menu(tab_a, AMOUNT, "Move column right (this view)")
    tab_a.expect_column_name(0, "A")
    tab_a.expect_column_name(1, "Amount")
    tab_a.expect_cell(0, 1, str(amounts()[0]))
    expect(bar(tab_a).get_by_role("listitem")).to_have_text(["Columns reordered×"])
    bar(tab_a).get_by_role("button", name="Save as shared view…").click()
    dialog = tab_a.page.get_by_role("dialog", name="Save as shared view")
    dialog.get_by_label("View name").fill("Reordered")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(heading(tab_a)).to_contain_text("Shared view: Reordered")

    tab_b = open_sheet(bob, sheet_id)
    tab_b.expect_column_name(AMOUNT, "Amount")
    switcher(tab_b).select_option(label="Reordered")
    tab_b.expect_column_name(0, "A")
    tab_b.expect_column_name(1, "Amount")

    # Ann moves it once more: Bob's tab follows, live.
    menu(tab_a, 1, "Move column right (this view)")
    tab_a.expect_column_name(2, "Amount")
    tab_b.expect_column_name(1, "B")
    tab_b.expect_column_name(2, "Amount")
    tab_b.expect_cell(0, 2, str(amounts()[0]))
    assert_no_serious_violations(tab_b.page, "the view bar with a column order")

    # Bob types in the moved column: the value is Amount's, in the sheet's own order too.
    tab_c = open_sheet(ann, sheet_id)
    expect(heading(tab_c)).to_contain_text("Your view")
    tab_c.expect_column_name(AMOUNT, "Amount")
    tab_b.type_cell(0, 2, "777")
    tab_b.expect_saved()
    tab_c.expect_cell(0, AMOUNT, "777")
    tab_a.expect_cell(0, 2, "777")
    tab_c.expect_cell(0, 1, "")

    # Bob resets the order: the sheet's order again, for Ann as well.
    bar(tab_b).get_by_role("button", name="Reset column order").click()
    tab_b.expect_column_name(AMOUNT, "Amount")
    tab_a.expect_column_name(AMOUNT, "Amount")
    tab_a.expect_cell(0, AMOUNT, "777")

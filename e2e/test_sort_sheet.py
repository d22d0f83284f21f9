"""Sort the sheet for everyone: one tab sorts the rows from the column menu,
another tab sees the new order live; Ctrl+Z puts the rows back in both."""

from __future__ import annotations

from e2e.pages import SheetPage, create_sheet


def open_sheet(user, sheet_id: int) -> SheetPage:
    return SheetPage(user.new_page(), sheet_id).open()


def expect_column(tabs: tuple[SheetPage, ...], texts: list[str]) -> None:
    for tab in tabs:
        for row, text in enumerate(texts):
            tab.expect_cell(row, 0, text)


def test_sorting_the_sheet_reaches_another_tab_and_undo_restores_it(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Sort for everyone")
    tab_a, tab_b = open_sheet(ann, sheet_id), open_sheet(ann, sheet_id)
    for row, text in enumerate(["pear", "apple", "fig"]):
        tab_a.type_cell(row, 0, text)
    expect_column((tab_a, tab_b), ["pear", "apple", "fig"])
    tab_a.expect_saved()

    tab_a.menu_command(0, 0, "Sort sheet A → Z (for everyone)")
    expect_column((tab_a, tab_b), ["apple", "fig", "pear"])

    tab_a.select_cell(0, 1)
    tab_a.undo()
    expect_column((tab_a, tab_b), ["pear", "apple", "fig"])
    tab_a.redo()
    expect_column((tab_a, tab_b), ["apple", "fig", "pear"])

    tab_b.menu_command(0, 0, "Sort sheet Z → A (for everyone)")
    expect_column((tab_a, tab_b), ["pear", "fig", "apple"])
    # The empty cells stay below the sorted ones, in both directions.
    tab_a.expect_cell(3, 0, "")


def test_a_tab_with_its_own_sort_keeps_it_when_the_sheet_is_sorted(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Own view")
    tab_a, tab_b = open_sheet(ann, sheet_id), open_sheet(ann, sheet_id)
    for row, text in enumerate(["pear", "apple", "fig"]):
        tab_a.type_cell(row, 0, text)
    expect_column((tab_b,), ["pear", "apple", "fig"])
    tab_a.expect_saved()
    tab_b.menu_command(0, 0, "Sort Z → A")  # tab B's own view
    expect_column((tab_b,), ["pear", "fig", "apple"])

    tab_a.menu_command(0, 0, "Sort sheet A → Z (for everyone)")
    expect_column((tab_a,), ["apple", "fig", "pear"])
    # Tab B has the sorted sheet (its store reloaded) and still shows its own order.
    tab_b.page.wait_for_function(
        "(seq) => window.gridroom.store.lastSeq >= seq",
        arg=tab_a.page.evaluate("() => window.gridroom.store.lastSeq"),
    )
    expect_column((tab_b,), ["pear", "fig", "apple"])
    tab_b.type_cell(0, 1, "still editable")
    tab_a.expect_cell(2, 1, "still editable")

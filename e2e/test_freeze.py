"""Frozen columns: chosen from the grid's menu in one tab, every tab keeps
those columns in place while it scrolls sideways; a reload keeps them, Undo
takes them back, and "Unfreeze columns" lets them go."""

from __future__ import annotations

from e2e.pages import SheetPage, create_sheet


def open_sheet(user, sheet_id: int) -> SheetPage:
    return SheetPage(user.new_page(), sheet_id).open()


def expect_frozen(tab: SheetPage, count: int) -> None:
    """Handsontable keeps the first `count` columns' headers in its frozen overlay."""
    tab.page.wait_for_function(
        """(n) => {
            const hot = window.gridroom.hot;
            if (hot.getSettings().fixedColumnsStart !== n) return false;
            const names = window.gridroom.store.columns.slice(0, n).map((c) => c.name);
            const overlay = hot.rootElement.querySelector('.ht_clone_inline_start thead');
            const shown = [...overlay.querySelectorAll('.colHeader')]
                .map((el) => el.textContent.trim()).filter((text) => text);
            return n === 0 || JSON.stringify(shown) === JSON.stringify(names);
        }""",
        arg=count,
    )


def test_frozen_columns_are_every_tabs_kept_and_undone(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Frozen")
    tab_a, tab_b = open_sheet(ann, sheet_id), open_sheet(ann, sheet_id)

    with tab_a.page.expect_response(lambda r: r.url.endswith("/freeze")) as answer:
        tab_a.menu_command(0, 1, "Freeze first 2 columns")
    assert answer.value.status == 200
    expect_frozen(tab_a, 2)
    expect_frozen(tab_b, 2)

    tab_b.reload()
    expect_frozen(tab_b, 2)

    tab_a.page.get_by_role("button", name="Undo", exact=True).click()
    expect_frozen(tab_b, 0)
    expect_frozen(tab_a, 0)

    tab_b.menu_command(0, 0, "Freeze first column")
    expect_frozen(tab_a, 1)
    tab_a.menu_command(0, 3, "Unfreeze columns")
    expect_frozen(tab_b, 0)
    expect_frozen(tab_a, 0)

"""Grid basics: a column's width dragged in one tab is every tab's, kept on
reload and undone; a viewer has no resize handle; a column's header shows
its type; the status line counts the rows; a long text shows whole on hover."""

from __future__ import annotations

from playwright.sync_api import expect

from e2e.pages import SheetPage, create_sheet

DRAG_PX = 150


def open_sheet(user, sheet_id: int) -> SheetPage:
    return SheetPage(user.new_page(), sheet_id).open()


def header_cell(tab: SheetPage, col: int):
    """The <th> of visual column `col` in the header row."""
    return tab.column_header(col).locator("xpath=ancestor::th[1]")


def drawn_width(tab: SheetPage, col: int) -> int:
    return tab.hot("hot.getColWidth(arg)", col)


def stored_width(tab: SheetPage, col: int) -> int | None:
    return tab.page.evaluate("(col) => window.gridroom.store.columns[col].width ?? null", col)


def expect_width(tab: SheetPage, col: int, width: int) -> None:
    """The column is drawn `width` pixels wide (its header cell too)."""
    tab.page.wait_for_function(
        "([col, width]) => window.gridroom.hot.getColWidth(col) === width", arg=[col, width]
    )
    box = header_cell(tab, col).bounding_box()
    assert box is not None and abs(box["width"] - width) <= 1, box


def drag_right_border(tab: SheetPage, col: int, by: int) -> None:
    """Drag the right border of column `col`'s header `by` pixels, with the real mouse."""
    th = header_cell(tab, col)
    box = th.bounding_box()
    assert box is not None
    mouse = tab.page.mouse
    mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    handle = tab.page.locator(".manualColumnResizer")
    expect(handle).to_have_count(1)
    grip = handle.bounding_box()
    assert grip is not None
    x, y = grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2
    mouse.move(x, y)
    mouse.down()
    mouse.move(x + by / 2, y, steps=4)
    mouse.move(x + by, y, steps=4)
    mouse.up()


def test_a_dragged_width_is_every_tabs_kept_and_undone(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Widths")
    tab_a, tab_b = open_sheet(ann, sheet_id), open_sheet(ann, sheet_id)
    before = drawn_width(tab_a, 0)  # the default, stretched to share the page's width
    assert stored_width(tab_a, 0) is None

    with tab_a.page.expect_response(lambda r: r.url.endswith("/columns/update")) as answer:
        drag_right_border(tab_a, 0, DRAG_PX)
    assert answer.value.status == 200
    wanted = answer.value.request.post_data_json["width"]
    assert abs(wanted - (before + DRAG_PX)) <= 2, (before, wanted)

    expect_width(tab_a, 0, wanted)
    expect_width(tab_b, 0, wanted)
    assert stored_width(tab_b, 0) == wanted

    tab_b.reload()
    expect_width(tab_b, 0, wanted)

    tab_a.page.get_by_role("button", name="Undo", exact=True).click()
    tab_b.page.wait_for_function("() => window.gridroom.store.columns[0].width === null")
    expect_width(tab_b, 0, before)
    expect_width(tab_a, 0, before)


def test_a_viewer_sees_the_width_but_has_no_resize_handle(new_user):
    ann, cat = new_user("ann"), new_user("cat")
    sheet_id = create_sheet(ann.new_page(), "Widths for a viewer")
    owner = open_sheet(ann, sheet_id)
    owner.share_with(cat.username, "Viewer")
    viewer = open_sheet(cat, sheet_id)

    drag_right_border(owner, 1, DRAG_PX)
    owner.page.wait_for_function("() => window.gridroom.store.columns[1].width !== null")
    wanted = stored_width(owner, 1)
    expect_width(viewer, 1, wanted)

    th = header_cell(viewer, 1)
    th.hover()
    box = th.bounding_box()
    assert box is not None
    viewer.page.mouse.move(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)
    expect(viewer.page.locator(".manualColumnResizer")).to_have_count(0)
    assert viewer.hot("hot.getPlugin('manualColumnResize').enabled") is False


def test_headers_show_the_column_type_and_the_status_line_the_rows(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Types and rows")
    tab_a, tab_b = open_sheet(ann, sheet_id), open_sheet(ann, sheet_id)

    first = header_cell(tab_a, 0)
    expect(first.get_by_role("img", name="Text column")).to_have_text("Aa")
    tab_a.set_column_type(1, "Number")
    for tab in (tab_a, tab_b):
        mark = header_cell(tab, 1).get_by_role("img", name="Number column")
        expect(mark).to_have_text("#")
        expect(tab.column_header(1)).to_have_text("B")  # the name itself is unchanged

    rows = tab_b.page.locator("#sheet-rows")
    expect(rows).to_have_text("20 rows")
    tab_a.add_row()
    expect(rows).to_have_text("21 rows")
    expect(tab_a.page.locator("#sheet-rows")).to_have_text("21 rows")


def test_a_long_text_is_shown_whole_on_hover(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Long text")
    tab = open_sheet(ann, sheet_id)
    long = "A note far too long to be seen whole in a column of the default width"
    tab.type_cell(0, 0, long)
    tab.type_cell(1, 0, "Short")
    expect(tab.cell(0, 0)).to_have_attribute("title", long)
    expect(tab.cell(1, 0)).not_to_have_attribute("title", "Short")

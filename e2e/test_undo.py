"""Undo and redo go through the server: every tab sees them, and an undo never
overwrites what someone else changed since."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e.pages import SheetPage, create_sheet


def open_sheet(user, sheet_id: int) -> SheetPage:
    return SheetPage(user.new_page(), sheet_id).open()


def two_tabs(new_user, title: str) -> tuple[SheetPage, SheetPage]:
    """One user with a new sheet open in two tabs."""
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), title)
    return open_sheet(ann, sheet_id), open_sheet(ann, sheet_id)


def shared(new_user, title: str, role: str) -> tuple[SheetPage, str, SheetPage]:
    """Ann's new sheet shared with a second user as `role`: Ann's tab, their
    username and their tab."""
    ann, other = new_user("ann"), new_user("bob" if role == "Editor" else "cat")
    sheet_id = create_sheet(ann.new_page(), title)
    owner = open_sheet(ann, sheet_id)
    owner.share_with(other.username, role)
    return owner, other.username, open_sheet(other, sheet_id)


def posts_to(tab: SheetPage, endpoint: str) -> list[str]:
    """Every POST the tab sends to the sheet's `endpoint` op URL, from now on."""
    seen: list[str] = []

    def on_request(request) -> None:
        if request.method == "POST" and request.url.endswith(
            f"/api/sheets/{tab.sheet_id}/{endpoint}"
        ):
            seen.append(request.url)

    tab.page.on("request", on_request)
    return seen


def test_undo_and_redo_of_cell_edits_reach_every_tab(new_user):
    tab_a, tab_b = two_tabs(new_user, "Undo cells")
    tab_a.type_cell(0, 0, "Rent")
    tab_a.type_cell(0, 0, "Food")
    tab_b.expect_cell(0, 0, "Food")

    tab_a.undo()
    for tab in (tab_a, tab_b):
        tab.expect_cell(0, 0, "Rent")
    tab_a.undo()
    for tab in (tab_a, tab_b):
        tab.expect_cell(0, 0, "")
    tab_a.redo()
    for tab in (tab_a, tab_b):
        tab.expect_cell(0, 0, "Rent")
    # Ctrl+Shift+Z redoes too.
    tab_a.page.keyboard.press("ControlOrMeta+Shift+z")
    for tab in (tab_a, tab_b):
        tab.expect_cell(0, 0, "Food")
    tab_a.expect_saved()

    # Inside an open cell editor Ctrl+Z belongs to the text being typed: nothing is sent.
    undos = posts_to(tab_a, "undo")
    tab_a.select_cell(2, 0)
    tab_a.page.keyboard.type("draft")
    tab_a.page.wait_for_function(
        "() => { const e = window.gridroom.hot.getActiveEditor(); return !!e && e.isOpened(); }"
    )
    tab_a.page.keyboard.press("ControlOrMeta+z")
    assert tab_a.editor_open()
    tab_a.page.keyboard.press("Escape")
    tab_a.wait_editor_closed()
    # A later edit reaching tab B is the sync point: an undo would have been sent before it.
    tab_a.type_cell(3, 0, "later")
    tab_b.expect_cell(3, 0, "later")
    assert undos == []
    for tab in (tab_a, tab_b):
        tab.expect_cell(0, 0, "Food")
        tab.expect_cell(2, 0, "")

    # What the database holds: a fresh page agrees.
    tab_b.reload()
    tab_b.expect_cell(0, 0, "Food")


def test_undoing_an_inserted_row_removes_it_from_every_tab(new_user):
    tab_a, tab_b = two_tabs(new_user, "Undo rows")
    rows = tab_a.count_rows()
    tab_a.type_cell(0, 0, "Top")
    tab_a.type_cell(1, 0, "Below")
    tab_a.insert_row_below(0)
    tab_a.type_cell(1, 0, "Inserted")
    for tab in (tab_a, tab_b):
        tab.expect_rows(rows + 1)
        tab.expect_cell(1, 0, "Inserted")

    tab_a.undo()  # the value typed into the new row
    for tab in (tab_a, tab_b):
        tab.expect_cell(1, 0, "")
        tab.expect_rows(rows + 1)
    tab_a.undo()  # the row itself
    for tab in (tab_a, tab_b):
        tab.expect_rows(rows)
        tab.expect_cell(0, 0, "Top")
        tab.expect_cell(1, 0, "Below")

    # Redo brings it back where it was.
    tab_a.redo()
    tab_a.redo()
    for tab in (tab_a, tab_b):
        tab.expect_rows(rows + 1)
        tab.expect_cell(1, 0, "Inserted")
        tab.expect_cell(2, 0, "Below")
    tab_a.expect_saved()


def test_undoing_a_column_delete_brings_its_values_back_in_every_tab(new_user):
    tab_a, tab_b = two_tabs(new_user, "Undo columns")
    cols = tab_a.count_cols()
    tab_a.rename_column(1, "Amount")
    tab_a.type_cell(0, 1, "42")
    tab_a.type_cell(1, 1, "43")
    tab_b.expect_cell(1, 1, "43")

    tab_a.menu_command(0, 1, "Remove column")
    tab_b.page.wait_for_function("(n) => window.gridroom.hot.countCols() === n", arg=cols - 1)
    tab_a.undo()
    for tab in (tab_a, tab_b):
        tab.page.wait_for_function("(n) => window.gridroom.hot.countCols() === n", arg=cols)
        tab.expect_column_name(1, "Amount")
        tab.expect_cell(0, 1, "42")
        tab.expect_cell(1, 1, "43")


def test_undo_of_a_cell_someone_changed_since_is_refused_with_who(new_user):
    tab_a, bob, tab_b = shared(new_user, "Undo conflict", "Editor")

    tab_a.type_cell(0, 0, "X")
    tab_b.expect_cell(0, 0, "X")
    tab_b.type_cell(0, 0, "Y")
    tab_a.expect_cell(0, 0, "Y")

    tab_a.undo()
    status = tab_a.status()
    expect(status).to_have_attribute("data-state", "rejected")
    expect(status).to_contain_text(re.compile(r"changed since", re.IGNORECASE))
    expect(status).to_contain_text(bob)
    # The refused change left Ann's undo stack: there is nothing before it.
    tab_a.undo()
    expect(status).to_contain_text(re.compile(r"nothing\b.*\bto undo", re.IGNORECASE))

    # Nothing was overwritten: a later edit of Bob's is the sync point.
    tab_b.type_cell(1, 0, "later")
    tab_a.expect_cell(1, 0, "later")
    for tab in (tab_a, tab_b):
        tab.expect_cell(0, 0, "Y")


def test_undo_buttons_and_menu_items_work_and_viewers_cannot_undo(new_user):
    owner, _, viewer = shared(new_user, "Undo buttons", "Viewer")
    for name in ("Undo", "Redo"):
        expect(owner.page.get_by_role("button", name=name, exact=True)).to_be_enabled()
        expect(viewer.page.get_by_role("button", name=name, exact=True)).to_be_disabled()

    owner.type_cell(0, 0, "kept")
    viewer.expect_cell(0, 0, "kept")
    owner.page.get_by_role("button", name="Undo", exact=True).click()
    for tab in (owner, viewer):
        tab.expect_cell(0, 0, "")
    owner.menu_command(0, 0, "Redo")
    for tab in (owner, viewer):
        tab.expect_cell(0, 0, "kept")
    owner.menu_command(0, 0, "Undo")
    for tab in (owner, viewer):
        tab.expect_cell(0, 0, "")
    owner.page.get_by_role("button", name="Redo", exact=True).click()
    for tab in (owner, viewer):
        tab.expect_cell(0, 0, "kept")

    # The viewer's Ctrl+Z sends nothing.
    undos = posts_to(viewer, "undo")
    viewer.select_cell(0, 0)
    viewer.undo()
    owner.type_cell(1, 0, "sync")
    viewer.expect_cell(1, 0, "sync")
    assert undos == []
    viewer.expect_cell(0, 0, "kept")

"""The history panel tells the story: each change with its cells (column and
row) and old → new values, live without a click, and a change reverted from
there, in a second tab, as an op the reverting user can undo."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, expect

from e2e.pages import SheetPage, create_sheet


def open_sheet(user, sheet_id: int) -> SheetPage:
    return SheetPage(user.new_page(), sheet_id).open()


def ann_and_bob(new_user, title: str) -> tuple[SheetPage, SheetPage]:
    """Ann's new sheet, shared with Bob as an editor: Ann's tab and Bob's."""
    ann, bob = new_user("ann"), new_user("bob")
    sheet_id = create_sheet(ann.new_page(), title)
    tab_a = open_sheet(ann, sheet_id)
    tab_a.share_with(bob.username, "Editor")
    return tab_a, open_sheet(bob, sheet_id)


def entry(panel: Locator, text: str) -> Locator:
    """The history entry (a top-level item of the list) whose text has `text`."""
    return panel.locator("li.history-entry").filter(has_text=text)


def test_history_shows_another_tabs_change_live_with_old_and_new(new_user):
    tab_a, tab_b = ann_and_bob(new_user, "Live history")
    tab_a.type_cell(1, 0, "Rent")
    tab_b.expect_cell(1, 0, "Rent")
    panel = tab_b.open_history_panel()
    expect(panel.get_by_text(re.compile(r"A, row 2: \(empty\) → Rent"))).to_be_visible()

    # Tab A edits; tab B's open panel shows it with no click.
    requests: list[str] = []
    tab_b.page.on("request", lambda r: requests.append(r.url) if "/history/" in r.url else None)
    tab_a.type_cell(1, 0, "Food")
    newest = panel.locator("li.history-entry").first
    expect(newest).to_contain_text("edited 1 cell")
    expect(newest.locator(".history-cells")).to_have_text(re.compile(r"A, row 2: Rent → Food"))
    assert requests, "the panel fetched itself again"


def test_revert_from_history_reaches_the_other_tab_and_is_undone_with_ctrl_z(new_user):
    tab_a, tab_b = ann_and_bob(new_user, "Revert history")
    tab_a.type_cell(0, 1, "Rent")
    tab_a.type_cell(0, 1, "Food")
    tab_b.expect_cell(0, 1, "Food")
    panel = tab_b.open_history_panel()
    food = entry(panel, "Rent → Food")
    expect(food).to_have_count(1)

    # Bob reverts Ann's change from the panel: Ann's grid shows the old value.
    food.get_by_role("button", name=re.compile(r"^Revert change #\d+ by ")).click()
    tab_a.expect_cell(0, 1, "Rent")
    tab_b.expect_cell(0, 1, "Rent")
    # The revert is in the history, and the change it reverted says so.
    newest = panel.locator("li.history-entry").first
    expect(newest).to_contain_text(re.compile(r"reverted #\d+"))
    expect(newest.locator(".history-cells")).to_have_text(re.compile(r"B, row 1: Food → Rent"))
    expect(entry(panel, "Rent → Food").locator(".history-reverted")).to_have_text("Reverted")
    tab_b.expect_saved()

    # Bob's Ctrl+Z takes his revert back, in every tab.
    tab_b.select_cell(3, 3)
    tab_b.undo()
    tab_a.expect_cell(0, 1, "Food")
    tab_b.expect_cell(0, 1, "Food")
    expect(panel.locator("li.history-entry").first).to_contain_text(re.compile(r"undid #\d+"))


def test_a_refused_revert_says_who_and_when(new_user):
    tab_a, tab_b = ann_and_bob(new_user, "Refused revert")
    tab_a.type_cell(0, 0, "Ann's")
    tab_b.expect_cell(0, 0, "Ann's")
    panel = tab_b.open_history_panel()
    anns = entry(panel, "(empty) → Ann's")
    expect(anns).to_have_count(1)
    tab_a.type_cell(0, 0, "Later")
    expect(entry(panel, "Ann's → Later")).to_have_count(1)

    anns.get_by_role("button", name=re.compile(r"^Revert change")).click()
    expect(tab_b.status()).to_have_text(
        re.compile(r"Can't revert: a cell it changed was changed since by \S+ at \d\d:\d\d\.")
    )
    tab_a.expect_cell(0, 0, "Later")
    # Nothing changed: the button is back for a later try.
    expect(anns.get_by_role("button", name=re.compile(r"^Revert change"))).to_be_enabled()

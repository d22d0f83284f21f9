"""axe-core over every page (e2e/axe.py): no serious or critical violation.
Each test names its page; a failure lists every violation with its elements."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.axe import assert_no_serious_violations
from e2e.pages import SheetPage, create_sheet, expect_live, goto_list, update_profile

CSV = b"Item,Amount,Due\r\nRent,900,2027-01-31\r\nFood,120.5,2027-02-01\r\n"


def sheet_with_data(user) -> SheetPage:
    sheet_id = create_sheet(user.new_page(), "Household")
    tab = SheetPage(user.new_page(), sheet_id).open()
    tab.type_cell(0, 0, "Rent")
    tab.type_cell(0, 1, "900")
    tab.expect_saved()
    return tab


@pytest.mark.parametrize(
    ("path", "heading"),
    [("/accounts/login/", "Log in"), ("/accounts/signup/", "Sign up"), ("/", "Gridroom")],
)
def test_signed_out_pages(new_context, base_url, path, heading):
    page = new_context().new_page()
    page.goto(base_url + path)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    assert_no_serious_violations(page, f"the page {path}")


def test_sheet_list(new_user):
    ann = new_user("ann")
    page = ann.new_page()
    create_sheet(page, "Household")
    goto_list(page)
    expect_live(page)
    expect(page.get_by_role("link", name="Household", exact=True)).to_be_visible()
    assert_no_serious_violations(page, "the sheet list")


def test_sheet_page_with_its_column_dialog(new_user):
    tab = sheet_with_data(new_user("ann"))
    tab.select_cell(1, 1)
    assert_no_serious_violations(tab.page, "the sheet page")
    tab.page.get_by_role("button", name="Add column").click()
    dialog = tab.page.get_by_role("dialog", name="Add column")
    expect(dialog).to_be_visible()
    assert_no_serious_violations(tab.page, "the sheet page's Add column dialog")
    # Its formula field: the column names to insert and the server's check.
    dialog.get_by_label("Column type").select_option(label="Formula")
    dialog.get_by_label("Formula", exact=True).fill("=[A] *")
    expect(dialog.get_by_role("status")).to_contain_text("position")
    assert_no_serious_violations(tab.page, "the Add column dialog writing a formula")


def test_sheet_page_with_a_formula_column_and_totals(new_user):
    tab = sheet_with_data(new_user("ann"))
    dialog = tab.open_column_dialog(2)
    dialog.get_by_label("Column type").select_option(label="Formula")
    dialog.get_by_label("Formula", exact=True).fill("=1/[B]")
    dialog.get_by_label("Footer total").select_option(label="Count")
    dialog.get_by_role("button", name="Save column").click()
    expect(dialog).to_be_hidden()
    expect(tab.cell(1, 2)).to_have_text("#DIV/0!")
    expect(tab.page.get_by_role("list", name="Column totals")).to_be_visible()
    assert_no_serious_violations(tab.page, "the sheet page with a formula column and totals")


def test_sheet_page_editing_a_cell(new_user):
    tab = sheet_with_data(new_user("ann"))
    tab.select_cell(1, 0)
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_function("() => window.gridroom.hot.getActiveEditor().isOpened()")
    editor = tab.page.get_by_role("textbox", name=re.compile(r"^Edit cell"))
    expect(editor).to_be_focused()
    assert_no_serious_violations(tab.page, "the sheet page with the cell editor open")


def test_context_menu_is_named_and_reachable_by_keyboard(new_user):
    tab = sheet_with_data(new_user("ann"))
    tab.select_cell(0, 0)
    # The keyboard way in: Shift+F10 opens the menu on the selected cell.
    tab.page.keyboard.press("Shift+F10")
    menu = tab.page.get_by_role("menu")
    expect(menu).to_be_visible()
    items = menu.get_by_role("menuitem")
    expect(items.first).to_be_visible()
    names = [name.strip() for name in items.all_inner_texts()]
    assert "Insert row below" in names and "Column settings…" in names, names
    assert all(re.search(r"\w", name) for name in names), f"an item without a name: {names}"
    expect(menu.get_by_role("separator")).to_have_count(3)
    assert_no_serious_violations(tab.page, "the sheet page's context menu")
    # Down to "Insert row below" and Enter: the row is there.
    rows = tab.count_rows()
    for _ in range(50):
        focused = tab.page.evaluate("() => document.activeElement.textContent")
        if focused.strip() == "Insert row below":
            break
        tab.page.keyboard.press("ArrowDown")
    else:
        pytest.fail("the arrow keys never reached “Insert row below”")
    # Moving through the menu repaints it: the separators stay separators.
    expect(menu.get_by_role("separator")).to_have_count(3)
    tab.page.keyboard.press("Enter")
    tab.expect_rows(rows + 1)


def test_share_panel(new_user):
    tab = sheet_with_data(new_user("ann"))
    tab.open_share_panel()
    assert_no_serious_violations(tab.page, "the sheet page's Share panel")


def test_history_panel(new_user):
    tab = sheet_with_data(new_user("ann"))
    tab.page.get_by_role("link", name="History", exact=True).click()
    expect(tab.side_panel().get_by_role("heading").first).to_be_visible()
    assert_no_serious_violations(tab.page, "the sheet page's History panel")


def test_import_page_and_preview(new_user, tmp_path):
    tab = sheet_with_data(new_user("ann"))
    page: Page = tab.page
    page.get_by_role("link", name="Import…").click()
    expect(page.get_by_role("heading", name=re.compile("Import into"))).to_be_visible()
    assert_no_serious_violations(page, "the import page")
    source = tmp_path / "household.csv"
    source.write_bytes(CSV)
    page.get_by_label("File", exact=True).set_input_files(str(source))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("region", name="Import of household.csv")).to_be_visible()
    assert_no_serious_violations(page, "the import preview")


def test_profile_page(new_user):
    page = new_user("ann").new_page()
    page.goto("/accounts/profile/")
    expect_live(page)
    assert_no_serious_violations(page, "the profile page")


@pytest.mark.parametrize("panel", ["share", "history"])
def test_share_and_history_as_pages_of_their_own(new_user, panel):
    # What the toolbar links open without JavaScript (or in a new tab).
    tab = sheet_with_data(new_user("ann"))
    tab.page.goto(f"/sheets/{tab.sheet_id}/{panel}/")
    expect(tab.page.get_by_role("link", name=re.compile("Back to Household"))).to_be_visible()
    expect_live(tab.page)
    assert_no_serious_violations(tab.page, f"the {panel} page")


def test_header_name_stays_readable_whatever_colour_the_user_picks(new_user):
    page = new_user("ann").new_page()
    name = page.locator("#user-name")
    for colour, text in (("#fde047", "rgb(0, 0, 0)"), ("#1e3a8a", "rgb(255, 255, 255)")):
        update_profile(page, display_name="Ann Example", colour=colour)
        expect(name).to_have_css("color", text)
        assert_no_serious_violations(page, f"the header with the colour {colour}")

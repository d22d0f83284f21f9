"""Sheets come to you: creating one opens it (once, however often the button is
clicked), it is renamed from its own title, and "Add column" asks for the new
column's name and type."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e.pages import SheetPage, expect_live, goto_list


def sheet_links(page: Page, title: str):
    return page.get_by_role("region", name="Sheets").get_by_role("link", name=title, exact=True)


def opened_sheet(page: Page) -> SheetPage:
    expect(page).to_have_url(re.compile(r"/sheets/\d+/$"))
    sheet_id = int(re.search(r"/sheets/(\d+)/$", page.url).group(1))
    tab = SheetPage(page, sheet_id)
    tab.wait_ready()
    return tab


def test_creating_a_sheet_opens_it_and_a_double_click_makes_one(new_user):
    ann = new_user("ann")
    page = ann.new_page()
    goto_list(page)
    expect_live(page)
    page.get_by_label("Sheet title").fill("Trip to Lisbon")
    page.get_by_role("button", name="Create sheet").dblclick()

    tab = opened_sheet(page)
    expect(page.get_by_role("heading", name="Trip to Lisbon")).to_be_visible()
    tab.type_cell(0, 0, "Flights")
    tab.expect_saved()

    # Back on the list: one sheet of that name, and the title box is empty.
    page.go_back()
    expect(page.get_by_role("heading", name="Your sheets")).to_be_visible()
    expect(page.get_by_label("Sheet title")).to_have_value("")
    expect(sheet_links(page, "Trip to Lisbon")).to_have_count(1)


def test_the_same_create_form_sent_twice_at_once_makes_one_sheet(new_user):
    ann = new_user("ann")
    page = ann.new_page()
    goto_list(page)
    # Two posts of the very same form racing each other (what a double submit
    # without JavaScript sends): the server makes one sheet and opens it for both.
    locations = page.evaluate(
        """async () => {
            const form = document.getElementById('create-sheet');
            form.querySelector('[name=title]').value = 'Twice';
            const send = () => fetch(form.action, {
                method: 'POST', body: new FormData(form), redirect: 'manual',
                credentials: 'same-origin', headers: {'HX-Request': 'true'},
            }).then((r) => r.headers.get('HX-Redirect'));
            return Promise.all([send(), send()]);
        }"""
    )
    assert locations[0] and locations[0] == locations[1], locations
    goto_list(page)
    expect(sheet_links(page, "Twice")).to_have_count(1)


def created_and_open_twice(user, title: str) -> tuple[SheetPage, SheetPage]:
    """A sheet made from the list (which opens it), and a second tab on it."""
    page = user.new_page()
    goto_list(page)
    page.get_by_label("Sheet title").fill(title)
    page.get_by_role("button", name="Create sheet").click()
    tab = opened_sheet(page)
    return tab, SheetPage(user.new_page(), tab.sheet_id).open()


def rename_from_title(tab: SheetPage, title: str) -> None:
    tab.page.get_by_role("button", name=tab.page.locator("#sheet-title").inner_text()).click()
    box = tab.page.get_by_label("Sheet title")
    expect(box).to_be_focused()
    box.fill(title)
    tab.page.get_by_role("button", name="Save title").click()


def test_rename_by_clicking_the_title_is_seen_live_in_another_tab(new_user):
    tab, other = created_and_open_twice(new_user("ann"), "Draft")

    # An empty title is refused in place and changes nothing; Escape leaves the form.
    rename_from_title(tab, "   ")
    expect(tab.page.get_by_role("alert")).to_have_text("A sheet needs a title.")
    tab.page.get_by_label("Sheet title").press("Escape")
    expect(tab.page.get_by_role("heading", name="Draft")).to_be_visible()

    rename_from_title(tab, "Budget 2027")
    expect(tab.page.get_by_role("heading", name="Budget 2027")).to_be_visible()
    expect(tab.page.get_by_label("Sheet title")).to_be_hidden()
    expect(other.page.get_by_role("heading", name="Budget 2027")).to_be_visible()
    expect(other.page).to_have_title("Budget 2027 · Gridroom")
    tab.reload()
    expect(tab.page.get_by_role("heading", name="Budget 2027")).to_be_visible()


def test_add_column_asks_for_name_and_type(new_user):
    tab, other = created_and_open_twice(new_user("ann"), "Tasks")
    page = tab.page
    assert tab.count_cols() == 5

    page.get_by_role("button", name="Add column").click()
    dialog = page.get_by_role("dialog", name="Add column")
    expect(dialog.get_by_label("Column name")).to_be_focused()
    # No name: the form asks for one, nothing is added.
    dialog.get_by_role("button", name="Create column").click()
    name = dialog.get_by_label("Column name")
    assert name.evaluate("(el) => el.validity.valueMissing")
    expect(dialog).to_be_visible()
    assert tab.count_cols() == 5

    dialog.get_by_label("Column name").fill("Due")
    dialog.get_by_label("Column type").select_option(label="Date")
    dialog.get_by_role("button", name="Create column").click()
    expect(dialog).to_be_hidden()
    tab.expect_column_name(5, "Due")
    # The new column is selected (scrolled into view however far right it lands).
    tab.page.wait_for_function("() => window.gridroom.hot.getSelectedLast()?.[1] === 5")
    tab.expect_saved()
    other.expect_column_name(5, "Due")
    tab.reload()
    assert tab.page.evaluate("() => window.gridroom.store.columns.map((c) => [c.name, c.type])")[
        5
    ] == ["Due", "date"]
    tab.type_cell(0, 5, "2027-03-15")
    tab.expect_saved()
    other.expect_cell(0, 5, "2027-03-15")

    # The context menu's "Insert column left" asks the same; Cancel adds nothing.
    tab.menu_command(0, 0, "Insert column left")
    expect(dialog.get_by_label("Column name")).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert tab.count_cols() == 6

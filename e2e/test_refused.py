"""What a user typed stays in sight: a value the server refuses is kept in its
cell with the reason, survives a reload, never lets the status line say all is
saved, and goes only when the user corrects or discards it. Numbers and dates
are read as the user writes them (the browser's language, or the profile)."""

import re

from playwright.sync_api import Page, expect

from e2e.pages import SheetPage, create_sheet, expect_live

NUMBER, DATE = 1, 2


def typed_sheet(user, title: str) -> SheetPage:
    """A sheet whose column B holds numbers and column C dates, open in a new tab."""
    sheet_id = create_sheet(user.new_page(), title)
    tab = SheetPage(user.new_page(), sheet_id).open()
    tab.set_column_type(NUMBER, "Number")
    tab.set_column_type(DATE, "Date")
    tab.expect_saved()
    return tab


def watch_status(tab: SheetPage) -> None:
    """From now on, remember every state the status line takes (see `status_states`)."""
    tab.page.evaluate(
        """() => {
            const el = document.getElementById('sheet-status');
            window.__e2eStates = [el.dataset.state];
            new MutationObserver(() => window.__e2eStates.push(el.dataset.state))
                .observe(el, {attributes: true, attributeFilter: ['data-state']});
        }"""
    )


def status_states(tab: SheetPage) -> list[str]:
    return tab.page.evaluate("() => window.__e2eStates")


def expect_refused(tab: SheetPage, row: int, col: int, text: str, reason: str) -> None:
    """The cell shows `text`, marked, with the reason on hover; the status line is not green."""
    cell = tab.cell(row, col)
    expect(cell).to_have_text(text)
    expect(cell).to_have_class(re.compile(r"\bcell-refused\b"))
    expect(cell).to_have_attribute("title", re.compile(re.escape(reason)))
    expect(tab.status()).to_have_attribute("data-state", "rejected")


def expect_plain(tab: SheetPage, row: int, col: int, text: str) -> None:
    cell = tab.cell(row, col)
    expect(cell).to_have_text(text)
    expect(cell).not_to_have_class(re.compile(r"\bcell-(refused|error)\b"))


def committed(tab: SheetPage, row: int, col: int):
    """The value the tab holds as committed for the cell (what the server said)."""
    return tab.page.evaluate(
        """([r, c]) => { const g = window.gridroom; const row = g.store.rows[r];
                         return row.values[g.store.columns[c].id] ?? null; }""",
        [row, col],
    )


def test_refused_text_stays_after_enter_and_reload_and_goes_with_escape(new_user):
    ann = new_user("ann", locale="en-US")
    tab = typed_sheet(ann, "Kept in sight")
    page = tab.page

    tab.type_cell(0, NUMBER, "abc")
    expect_refused(tab, 0, NUMBER, "abc", "“abc” is not a number.")
    expect(tab.status()).to_have_text("1 cell rejected: “abc” is not a number.")

    # A good edit elsewhere is saved, and the status line still speaks of the refusal.
    watch_status(tab)
    tab.type_cell(1, 0, "fine")
    page.wait_for_function("() => window.gridroom.pending.pendingCount() === 0")
    expect(tab.status()).to_have_attribute("data-state", "rejected")
    assert "saved" not in status_states(tab), status_states(tab)
    expect_refused(tab, 0, NUMBER, "abc", "“abc” is not a number.")

    # A reload shows it again, with the reason.
    tab.reload()
    expect_refused(tab, 0, NUMBER, "abc", "“abc” is not a number.")
    expect(tab.status()).to_have_text("1 cell rejected: “abc” is not a number.")
    tab.expect_cell(1, 0, "fine")

    # Enter reopens the editor with the text; Escape there only closes it.
    tab.select_cell(0, NUMBER)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => { const e = window.gridroom.hot.getActiveEditor();"
        " return !!e && e.isOpened() && e.getValue() === 'abc'; }"
    )
    page.keyboard.press("Escape")
    tab.wait_editor_closed()
    expect_refused(tab, 0, NUMBER, "abc", "“abc” is not a number.")

    # Escape on the selected cell discards it: the committed value (empty) shows again.
    page.keyboard.press("Escape")
    expect_plain(tab, 0, NUMBER, "")
    tab.expect_saved()
    tab.reload()
    expect_plain(tab, 0, NUMBER, "")
    tab.expect_saved()


def test_correcting_a_refused_value_saves_it(new_user):
    ann = new_user("ann", locale="en-US")
    tab = typed_sheet(ann, "Corrected")
    tab.type_cell(0, DATE, "15/03/2027")  # month first here: no 15th month
    expect_refused(tab, 0, DATE, "15/03/2027", "is not a date")
    tab.type_cell(0, DATE, "03/15/2027")
    expect_plain(tab, 0, DATE, "2027-03-15")
    tab.expect_saved()
    assert committed(tab, 0, DATE) == "2027-03-15"
    tab.reload()
    expect_plain(tab, 0, DATE, "2027-03-15")


def test_discard_from_the_status_line_and_the_context_menu(new_user):
    ann = new_user("ann", locale="en-US")
    tab = typed_sheet(ann, "Discard them")
    tab.type_cell(0, NUMBER, "7")
    tab.expect_saved()
    tab.type_cell(0, NUMBER, "seven")
    tab.type_cell(1, NUMBER, "3,50")  # a point writer: a comma is no decimal mark
    expect_refused(tab, 1, NUMBER, "3,50", "“3,50” is not a number.")
    expect_refused(tab, 0, NUMBER, "seven", "“seven” is not a number.")
    expect(tab.status()).to_have_text("2 cells rejected (latest: “3,50” is not a number.)")

    tab.menu_command(0, NUMBER, "Discard rejected value (Escape)")
    expect_plain(tab, 0, NUMBER, "7")
    expect(tab.status()).to_have_text(re.compile(r"^1 cell rejected: “3,50” is not a number\."))

    tab.type_cell(2, DATE, "31/02/2027")
    expect_refused(tab, 2, DATE, "31/02/2027", "is not a date")
    tab.page.get_by_role("button", name="Discard rejected values").click()
    expect_plain(tab, 1, NUMBER, "")
    expect_plain(tab, 2, DATE, "")
    tab.expect_saved()
    expect(tab.page.get_by_role("button", name="Discard rejected values")).to_have_count(0)


def test_day_first_dates_and_decimal_comma_from_the_browser_language(new_user):
    ann = new_user("ann", locale="de-DE")
    tab = typed_sheet(ann, "Deutsch")
    tab.type_cell(0, NUMBER, "3,50")
    tab.type_cell(1, NUMBER, "1.234,5")
    tab.type_cell(0, DATE, "15.03.2027")
    tab.type_cell(1, DATE, "15/03/2027")
    tab.expect_saved()
    assert [committed(tab, r, c) for r, c in [(0, NUMBER), (1, NUMBER), (0, DATE), (1, DATE)]] == [
        3.5,
        1234.5,
        "2027-03-15",
        "2027-03-15",
    ]
    # Pasted (through Handsontable's paste, as Ctrl+V does): the same reading.
    tab.select_cell(3, NUMBER)
    tab.hot("hot.getPlugin('CopyPaste').paste(arg)", "7,25\t01.02.2027")
    tab.expect_cell(3, DATE, "2027-02-01")
    tab.expect_saved()
    assert [committed(tab, 3, NUMBER), committed(tab, 3, DATE)] == [7.25, "2027-02-01"]
    # What cannot be read is kept and refused: the server says why.
    tab.type_cell(2, NUMBER, "1,234.50")
    expect_refused(tab, 2, NUMBER, "1,234.50", "is not a number")
    tab.reload()
    tab.expect_cell(1, DATE, "2027-03-15")
    expect_refused(tab, 2, NUMBER, "1,234.50", "is not a number")


def test_the_profile_overrides_the_browser_and_offers_its_time_zone(new_user):
    ann = new_user("ann", locale="en-US", timezone_id="Europe/Berlin")
    page: Page = ann.new_page()
    page.goto("/accounts/profile/")
    expect_live(page)
    # What "as my browser's language" means here is said.
    expect(page.locator("#input-auto-hint")).to_have_text(
        "This browser (en-US) writes dates month first (03/15/2027)"
        " and numbers with a decimal point (3.50)."
    )
    page.get_by_label("Dates in cells").select_option("DMY")
    page.get_by_label("Decimal mark in cells").select_option("comma")
    # The browser's zone is offered first, and by a button.
    first = page.locator("#time-zones option").first
    expect(first).to_have_attribute("value", "Europe/Berlin")
    page.get_by_role("button", name="Use this browser's zone (Europe/Berlin)").click()
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Berlin")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status").filter(has_text="Profile saved")).to_be_visible()
    # The form came back from the server: the button is there again, hidden (nothing to do).
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Berlin")
    expect(page.get_by_role("button", name=re.compile("Use this browser's zone"))).to_be_hidden()

    tab = typed_sheet(ann, "Profile says")
    tab.type_cell(0, NUMBER, "3,50")
    tab.type_cell(0, DATE, "03/04/2027")  # day first, as the profile says
    tab.expect_saved()
    assert committed(tab, 0, NUMBER) == 3.5
    assert committed(tab, 0, DATE) == "2027-04-03"


def test_day_first_with_a_decimal_point_in_british_english(new_user):
    ann = new_user("ann", locale="en-GB")
    tab = typed_sheet(ann, "British")
    tab.type_cell(0, DATE, "15/03/2027")
    tab.type_cell(0, NUMBER, "1,234.50")
    tab.expect_saved()
    assert committed(tab, 0, DATE) == "2027-03-15"
    assert committed(tab, 0, NUMBER) == 1234.5
    tab.type_cell(1, NUMBER, "3,50")
    expect_refused(tab, 1, NUMBER, "3,50", "“3,50” is not a number.")


def test_a_time_zone_that_is_not_one_is_refused_with_words(new_user):
    ann = new_user("ann")
    page: Page = ann.new_page()
    page.goto("/accounts/profile/")
    page.get_by_label("Time zone").fill("Mars/Olympus_Mons")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Choose a time zone from the list")).to_be_visible()
    page.get_by_label("Time zone").fill("europe/paris")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status").filter(has_text="Profile saved")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Paris")

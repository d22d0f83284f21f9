"""No edit is ever lost: a tab cut off from the server keeps working and catches
up, a tab closed while offline sends its edits from the next tab of the sheet,
and two people typing into one cell at once end on the same value."""

import re

from playwright.sync_api import Page, expect

from e2e.pages import SheetPage, banner, create_sheet
from e2e.test_reconnect import SocketCutter

BACK_ONLINE_MS = 45_000  # socket reconnect backoff (≤ 10 s) plus a retry round


class Offline:
    """Cuts a page off from the server: its API requests fail at the network
    level and its sheet socket is closed (new attempts refused)."""

    def __init__(self, page: Page, sheet_id: int):
        self.page = page
        self.socket = SocketCutter(page, sheet_id)  # before the page loads

    @staticmethod
    def _refuse(route) -> None:
        route.abort("internetdisconnected")

    def cut(self) -> None:
        self.page.route("**/api/**", self._refuse)
        self.socket.cut()

    def restore(self) -> None:
        self.page.unroute("**/api/**", self._refuse)
        self.socket.restore()


def waiting(count: int) -> str:
    return f"offline — {count} change{'' if count == 1 else 's'} waiting"


def database(page: Page, sheet_id: int) -> list[list]:
    """The sheet as the server has it (GET /api/sheets/<id>/ from the page):
    rows of cell values in column order, "" for empty."""
    snap = page.evaluate(
        """async (url) => {
            const answer = await fetch(url, {credentials: 'same-origin',
                                             headers: {Accept: 'application/json'}});
            return answer.json();
        }""",
        f"/api/sheets/{sheet_id}/",
    )
    cols = [c["id"] for c in snap["columns"]]
    return [[row["values"].get(c, "") for c in cols] for row in snap["rows"]]


def saved_queues(page: Page) -> list[str]:
    return page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('gridroom.outbox.v1.'))"
    )


def test_a_tab_cut_off_keeps_editing_and_both_tabs_end_equal(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Offline edits")
    page1 = ann.new_page()
    network = Offline(page1, sheet_id)
    tab1 = SheetPage(page1, sheet_id).open()
    tab2 = SheetPage(ann.new_page(), sheet_id).open()
    tab1.type_cell(0, 0, "before")
    tab2.expect_cell(0, 0, "before")
    rows = tab1.count_rows()

    network.cut()
    tab1.type_cell(0, 1, "offline A")
    # The tab noticed: the edit waits, and it says so.
    expect(tab1.status()).to_have_text(waiting(1))
    expect(tab1.status()).to_have_attribute("data-state", "offline")
    tab1.insert_row_below(1)
    tab1.expect_rows(rows + 1)
    tab1.type_cell(2, 0, "offline new row")
    tab1.type_cell(3, 1, "offline C")  # the row that was third
    expect(tab1.status()).to_have_text(waiting(4))  # three cells and a row
    tab1.expect_cell(2, 0, "offline new row")

    # Meanwhile the other tab edits other cells, and they are saved.
    tab2.type_cell(0, 2, "online X")
    tab2.type_cell(1, 0, "online Y")
    tab2.type_cell(5, 3, "online Z")
    tab2.expect_saved()
    tab2.expect_rows(rows)
    expect(tab1.status()).to_have_text(waiting(4))
    tab1.expect_cell(0, 2, "")
    # Tab 2's selection (Enter moved it below "online Z"), by row id.
    selected = tab2.hot("[hot.getSelectedLast()[0], hot.getSelectedLast()[1]]")
    selected_row_id = tab2.page.evaluate("(r) => window.gridroom.store.rows[r].id", selected[0])

    network.restore()
    expect(tab1.status()).to_have_text("All changes saved", timeout=BACK_ONLINE_MS)
    expected = {
        (0, 0): "before",
        (0, 1): "offline A",
        (0, 2): "online X",
        (1, 0): "online Y",
        (2, 0): "offline new row",
        (3, 1): "offline C",
        (6, 3): "online Z",  # row 5 before the insert above it
    }
    for tab in (tab1, tab2):
        tab.expect_rows(rows + 1)
        for (row, col), text in expected.items():
            tab.expect_cell(row, col, text)
        tab.expect_saved()
    # The row inserted above it did not move tab 2's selection to another cell.
    tab2.page.wait_for_function(
        """([rowId, col]) => {
            const s = window.gridroom.hot.getSelectedLast();
            const store = window.gridroom.store;
            return !!s && s[1] === col && store.rows[s[0]] && store.rows[s[0]].id === rowId;
        }""",
        arg=[selected_row_id, selected[1]],
    )
    assert tab2.hot("hot.getSelectedLast()[0]") == selected[0] + 1
    stored = database(page1, sheet_id)
    assert len(stored) == rows + 1
    for (row, col), text in expected.items():
        assert stored[row][col] == text, (row, col, stored[row])
    assert saved_queues(page1) == []


def test_edits_of_a_tab_closed_while_offline_are_sent_by_the_next_tab(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Closed offline")
    page1 = ann.new_page()
    network = Offline(page1, sheet_id)
    tab1 = SheetPage(page1, sheet_id).open()
    rows = tab1.count_rows()

    network.cut()
    tab1.type_cell(0, 0, "typed offline")
    tab1.insert_row_below(0)
    tab1.expect_rows(rows + 1)
    tab1.type_cell(1, 0, "offline row")
    tab1.type_cell(2, 1, "second row")
    expect(tab1.status()).to_have_text(waiting(4))
    assert len(saved_queues(page1)) == 1, "the waiting edits are kept on the device"
    page1.close()

    # The sheet opened again (same browser): the edits are shown and sent.
    tab2 = SheetPage(ann.new_page(), sheet_id).open()
    expect(tab2.status()).to_have_text("All changes saved", timeout=BACK_ONLINE_MS)
    tab2.expect_rows(rows + 1)
    tab2.expect_cell(0, 0, "typed offline")
    tab2.expect_cell(1, 0, "offline row")
    tab2.expect_cell(2, 1, "second row")
    stored = database(tab2.page, sheet_id)
    assert len(stored) == rows + 1
    assert stored[0][0] == "typed offline"
    assert stored[1][0] == "offline row"
    assert stored[2][1] == "second row"
    assert saved_queues(tab2.page) == []
    # And a fresh tab agrees (nothing was only local).
    tab3 = SheetPage(ann.new_page(), sheet_id).open()
    tab3.expect_cell(1, 0, "offline row")
    tab3.expect_rows(rows + 1)


def watch_conflicts(tab: SheetPage) -> None:
    """From now on, remember the title of every cell marked as overwritten by someone else."""
    tab.page.evaluate(
        """() => {
            window.__e2eConflicts = [];
            const root = window.gridroom.hot.rootElement;
            const check = () => root.querySelectorAll('td.cell-conflict')
                .forEach((td) => window.__e2eConflicts.push(td.title));
            new MutationObserver(check).observe(root, {
                subtree: true, childList: true, attributes: true, attributeFilter: ['class'],
            });
        }"""
    )


def test_two_people_typing_into_one_cell_at_once_end_on_the_same_value(new_user):
    ann, bob = new_user("ann"), new_user("bob")
    sheet_id = create_sheet(ann.new_page(), "Same cell")
    tab_a = SheetPage(ann.new_page(), sheet_id).open()
    tab_a.share_with(bob.username, "Editor")
    tab_b = SheetPage(bob.new_page(), sheet_id).open()
    typed = {tab_a: "from ann", tab_b: "from bob"}
    for tab in typed:
        watch_conflicts(tab)
    # Both open the editor on the same cell and type; then both press Enter.
    for tab, text in typed.items():
        tab.select_cell(2, 1)
        tab.page.keyboard.type(text)
        tab.page.wait_for_function(
            "(text) => { const e = window.gridroom.hot.getActiveEditor();"
            " return !!e && e.isOpened() && e.getValue() === text; }",
            arg=text,
        )
    for tab in typed:
        tab.page.keyboard.press("Enter")
    for tab in typed:
        tab.wait_editor_closed()
        tab.expect_saved()

    final = database(tab_a.page, sheet_id)[2][1]
    assert final in typed.values()
    for tab in typed:
        tab.expect_cell(2, 1, final)
    # The one whose value was overwritten is shown who did it.
    loser = next(tab for tab, text in typed.items() if text != final)
    winner_name = ann.username if final == typed[tab_a] else bob.username
    loser.page.wait_for_function("() => window.__e2eConflicts.length > 0")
    titles = loser.page.evaluate("() => window.__e2eConflicts")
    assert any(winner_name in title for title in titles), titles
    expect(loser.cell(2, 1)).not_to_have_class(re.compile(r"\bcell-conflict\b"), timeout=10_000)


def test_edits_made_after_the_session_ended_are_sent_once_logged_in_again(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Session ends")
    tab = SheetPage(ann.new_page(), sheet_id).open()
    tab.type_cell(0, 0, "saved first")
    tab.expect_saved()

    ann.context.clear_cookies()  # the session is gone, as if it had expired
    tab.type_cell(1, 0, "typed after")
    # Kept, and the user is asked to log in again (not dropped, not retried forever).
    expect(tab.status()).to_have_text("1 change not saved — log in again to send it")
    link = banner(tab.page).get_by_role("link", name="Log in again")
    expect(link).to_be_visible()
    tab.expect_cell(1, 0, "typed after")
    assert len(saved_queues(tab.page)) == 1

    link.click()
    tab.page.get_by_label("Username").fill(ann.username)
    tab.page.get_by_label("Password").fill(ann.password)
    tab.page.get_by_role("button", name="Log in").click()
    expect(tab.page).to_have_url(re.compile(rf"/sheets/{sheet_id}/$"))
    tab.wait_ready()
    tab.expect_cell(1, 0, "typed after")
    tab.expect_saved()
    stored = database(tab.page, sheet_id)
    assert stored[0][0] == "saved first"
    assert stored[1][0] == "typed after"
    assert saved_queues(tab.page) == []

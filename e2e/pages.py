"""Page helpers: what a user does, in one place, so tests read as behaviour.

Typing goes through real keyboard and mouse events. Reading may use the grid's
`window.gridroom.hot` (the Handsontable instance) or the rendered cell text.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from playwright.sync_api import Locator, Page, Response, WebSocket, expect

from e2e.people import PeopleOnSheet

XSS = "<img src=x onerror=alert(1)>"
LIVE_STATES_DOWN = ("reconnecting", "offline")


def unique_username(prefix: str = "user") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def signup(page: Page, base_url: str, username: str) -> str:
    """Sign up through the form (which logs in); returns the password."""
    password = f"Grid-{uuid.uuid4().hex[:12]}-room"
    page.goto(f"{base_url}/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label(re.compile(r"^Password:?$")).fill(password)
    page.get_by_label("Password confirmation").fill(password)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/sheets/$"))
    expect(page.locator("#user-name")).to_have_text(username)
    return password


def goto_list(page: Page) -> None:
    page.goto("/sheets/")
    expect(page.get_by_role("heading", name="Your sheets")).to_be_visible()


def create_sheet(page: Page, title: str) -> int:
    """Create a sheet from the list page; returns its id. The app then opens the
    new sheet in that page."""
    if not re.search(r"/sheets/$", page.url):
        goto_list(page)
    page.get_by_label("Sheet title").fill(title)
    with page.expect_response(
        lambda r: r.url.endswith("/sheets/new/") and r.request.method == "POST"
    ) as answer:
        page.get_by_role("button", name="Create sheet").click()
    sheet_id = _created_sheet_id(answer.value)
    # The page goes to the sheet: a goto meanwhile would abort that navigation (or be aborted).
    page.wait_for_url(re.compile(rf"/sheets/{sheet_id}/$"))
    return sheet_id


def _created_sheet_id(response: Response) -> int:
    # With HTMX: 200 + HX-Redirect /sheets/N/; without: 302 to /sheets/N/.
    location = response.header_value("hx-redirect") or response.header_value("location") or ""
    match = re.search(r"/sheets/(\d+)/", location)
    assert match, f"sheet creation answered {response.status} without an id"
    return int(match.group(1))


def live_status(page: Page) -> Locator:
    return page.locator("#live-status")


def expect_live(page: Page) -> None:
    """The page's socket is up (the header says so)."""
    expect(live_status(page)).to_have_attribute("data-state", "live")


def banner(page: Page) -> Locator:
    return page.locator("#live-banner")


def csrf_token(page: Page) -> str:
    """The token the page carries (for a request made as that page would)."""
    return page.evaluate(
        "() => JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']"
    )


def post_from_page(page: Page, url: str, body: dict) -> int:
    """A JSON POST with the page's CSRF token, sent by the page's own `fetch`; the status."""
    return page.evaluate(
        """async ([url, body, token]) => {
            const answer = await fetch(url, {
                method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
                headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
            });
            return answer.status;
        }""",
        [url, body, csrf_token(page)],
    )


def update_profile(page: Page, *, display_name: str, colour: str | None = None) -> None:
    """Save a new display name (and colour, `#rrggbb`) on the profile page."""
    page.goto("/accounts/profile/")
    expect_live(page)
    page.get_by_label("Display name").fill(display_name)
    if colour is not None:
        page.get_by_label("Colour").fill(colour)
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status").filter(has_text="Profile saved")).to_be_visible()


def fail_on_dialog(page: Page, seen: list[str]) -> None:
    """Record every JS dialog (Playwright would dismiss it silently) and dismiss it;
    the test asserts `seen` is empty."""

    def on_dialog(dialog: Any) -> None:
        seen.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)


def is_json_frame(payload: str | bytes, message_type: str) -> bool:
    if isinstance(payload, bytes):
        return False
    try:
        message = json.loads(payload)
    except ValueError:
        return False
    return isinstance(message, dict) and message.get("type") == message_type


def next_message(ws: WebSocket, message_type: str, timeout: float = 15_000) -> dict:
    """Wait for the next frame of that type on a socket the page opened."""
    with ws.expect_event(
        "framereceived", lambda payload: is_json_frame(payload, message_type), timeout=timeout
    ) as frame:
        pass
    return json.loads(frame.value)


class SheetPage(PeopleOnSheet):
    """One tab showing one sheet."""

    def __init__(self, page: Page, sheet_id: int):
        self.page = page
        self.sheet_id = sheet_id
        # Every frame the tab's sockets received, in order (JSON text).
        self.frames: list[str] = []
        page.on("websocket", self._record_frames)

    def _record_frames(self, ws: WebSocket) -> None:
        ws.on("framereceived", lambda payload: self.frames.append(payload))

    def messages(self, message_type: str) -> list[dict]:
        return [json.loads(f) for f in self.frames if is_json_frame(f, message_type)]

    @property
    def url(self) -> str:
        return f"/sheets/{self.sheet_id}/"

    # --- Loading

    def open(self) -> SheetPage:
        self.page.goto(self.url)
        self.wait_ready()
        return self

    def reload(self) -> SheetPage:
        self.page.reload()
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        """Grid rendered with cells, no license overlay, socket live."""
        self.page.wait_for_function(
            "() => { const g = window.gridroom; return !!(g && g.hot && g.hot.countRows() > 0); }"
        )
        expect(self.page.locator(".ht_master td").first).to_be_visible()
        expect(self.page.locator(".ht-license-lock")).to_have_count(0)
        expect_live(self.page)

    # --- Reading

    def hot(self, expression: str, arg: Any = None) -> Any:
        """Evaluate `expression` with `hot` (Handsontable) and `arg` in scope."""
        return self.page.evaluate(
            f"([arg]) => {{ const hot = window.gridroom.hot; return ({expression}); }}", [arg]
        )

    def count_rows(self) -> int:
        return self.hot("hot.countRows()")

    def count_cols(self) -> int:
        return self.hot("hot.countCols()")

    def cell(self, row: int, col: int) -> Locator:
        """The rendered <td> at visual (row, col), scrolled into the viewport."""
        index = self.page.wait_for_function(
            """([r, c]) => {
                const hot = window.gridroom && window.gridroom.hot;
                if (!hot || r >= hot.countRows() || c >= hot.countCols()) return null;
                let td = hot.getCell(r, c, true);
                if (!td) {
                    hot.scrollViewportTo({row: r, col: c});
                    hot.render();
                    td = hot.getCell(r, c, true);
                }
                if (!td) return null;
                return [td.parentElement.getAttribute('aria-rowindex'),
                        td.getAttribute('aria-colindex')];
            }""",
            arg=[row, col],
        ).json_value()
        row_index, col_index = index
        return self.page.locator(
            f'.ht_master table.htCore tbody tr[aria-rowindex="{row_index}"] '
            f'td[aria-colindex="{col_index}"]'
        )

    def cell_text(self, row: int, col: int) -> str:
        """What the tab shows in the cell."""
        return self.cell(row, col).inner_text()

    def cell_value(self, row: int, col: int) -> Any:
        return self.hot("hot.getDataAtCell(arg[0], arg[1])", [row, col])

    def expect_cell(self, row: int, col: int, text: str) -> None:
        expect(self.cell(row, col)).to_have_text(text)

    def expect_rows(self, count: int) -> None:
        self.page.wait_for_function("(n) => window.gridroom.hot.countRows() === n", arg=count)

    def row_header(self, row: int) -> Locator:
        """The header (the row's number) of visual row `row`, scrolled into view."""
        self.cell(row, 0)  # scrolls the row into view
        row_index = self.hot(
            "hot.getCell(arg, 0, true).parentElement.getAttribute('aria-rowindex')", row
        )
        return self.page.locator(
            f'.ht_clone_inline_start table.htCore tbody tr[aria-rowindex="{row_index}"] th'
        )

    def column_header(self, col: int) -> Locator:
        self.cell(0, col)  # scrolls the column into view
        col_index = self.hot("hot.getCell(0, arg, true).getAttribute('aria-colindex')", col)
        return self.page.locator(
            f'.ht_clone_top table.htCore thead th[aria-colindex="{col_index}"] .colHeader'
        )

    def expect_column_name(self, col: int, name: str) -> None:
        expect(self.column_header(col)).to_have_text(name)

    def watch_for_text(self, text: str) -> None:
        """From now on, remember if the grid ever renders `text` (see `saw_text`)."""
        self.page.evaluate(
            """(text) => {
                window.__e2eSeen = window.__e2eSeen || {};
                window.__e2eSeen[text] = false;
                const root = window.gridroom.hot.rootElement;
                const check = () => {
                    if (root.textContent.includes(text)) window.__e2eSeen[text] = true;
                };
                new MutationObserver(check).observe(
                    root, {subtree: true, childList: true, characterData: true});
                check();
            }""",
            text,
        )

    def saw_text(self, text: str) -> bool:
        return self.page.evaluate("(text) => window.__e2eSeen[text]", text)

    def status(self) -> Locator:
        return self.page.locator("#sheet-status")

    def grid_cells(self) -> Locator:
        """Every cell the grid shows (none once the sheet is gone for this user)."""
        return self.page.locator("#grid td")

    def gone_notice(self) -> Locator:
        """What the page says once the sheet is gone for this user, with the way back."""
        return self.page.locator("#sheet-gone")

    def outbox_keys(self) -> list[str]:
        """The entries of this sheet kept in localStorage for unsent changes."""
        return self.page.evaluate(
            """(sheetId) => Object.keys(localStorage).filter((key) =>
                key.startsWith('gridroom.outbox.v1.') && key.split('.')[4] === String(sheetId))""",
            self.sheet_id,
        )

    def expect_saved(self) -> None:
        """Every edit of this tab is committed (the header says so)."""
        expect(self.status()).to_have_attribute("data-state", "saved")

    # --- Editing (real keyboard and mouse)

    def select_cell(self, row: int, col: int) -> None:
        self.cell(row, col).click()
        self.page.wait_for_function(
            """([r, c]) => { const s = window.gridroom.hot.getSelectedLast();
                            return !!s && s[0] === r && s[1] === c; }""",
            arg=[row, col],
        )
        # Handsontable takes two clicks on one cell within 500 ms (a quick test
        # clicking the cell it just edited) as a double click, which opens the
        # editor on the old value. Escape closes it, as a user would.
        if self.editor_open():
            self.page.keyboard.press("Escape")
            self.wait_editor_closed()

    def editor_open(self) -> bool:
        return self.page.evaluate(
            "() => { const e = window.gridroom.hot.getActiveEditor(); return !!e && e.isOpened(); }"
        )

    def wait_editor_closed(self) -> None:
        # The editor's textarea stays in the DOM (moved off-screen) once closed.
        # No grid any more (the sheet went away meanwhile) is closed too.
        self.page.wait_for_function(
            "() => { const hot = window.gridroom.hot; const e = hot && hot.getActiveEditor();"
            " return !(e && e.isOpened()); }"
        )

    def type_cell(self, row: int, col: int, text: str) -> None:
        """Select the cell, type (which opens the editor), Enter to commit."""
        self.select_cell(row, col)
        self.page.keyboard.type(text)
        self.page.wait_for_function(
            "(text) => { const e = window.gridroom.hot.getActiveEditor();"
            " return !!e && e.isOpened() && e.getValue() === text; }",
            arg=text,
        )
        self.page.keyboard.press("Enter")
        self.wait_editor_closed()

    def insert_row_below(self, row: int) -> None:
        """Context menu on the row: "Insert row below"."""
        self.menu_command(row, 0, "Insert row below")

    def menu_command(self, row: int, col: int, name: str) -> None:
        """Right-click the cell and pick `name` from the grid's context menu."""
        self.cell(row, col).click(button="right")
        self.page.get_by_role("menuitem", name=name).click()

    def add_row(self) -> None:
        # exact: the sheet's title is a button too (click to rename), and may say "Add rows".
        self.page.get_by_role("button", name="Add row", exact=True).click()

    def undo(self) -> None:
        """Ctrl+Z (Cmd+Z on a Mac) in the grid: the user's last change is undone."""
        self.wait_editor_closed()
        self.page.keyboard.press("ControlOrMeta+z")

    def redo(self) -> None:
        """Ctrl+Y (Cmd+Y on a Mac) in the grid: what the user undid is done again."""
        self.wait_editor_closed()
        self.page.keyboard.press("ControlOrMeta+y")

    def open_column_dialog(self, col: int) -> Locator:
        """The column dialog for a column (from its header)."""
        self.column_header(col).dblclick()
        dialog = self.page.get_by_role("dialog")
        expect(dialog.get_by_label("Column name")).to_be_visible()
        return dialog

    def rename_column(self, col: int, name: str) -> None:
        dialog = self.open_column_dialog(col)
        dialog.get_by_label("Column name").fill(name)
        dialog.get_by_role("button", name="Save column").click()
        expect(dialog).to_be_hidden()

    def set_column_type(self, col: int, label: str) -> None:
        dialog = self.open_column_dialog(col)
        dialog.get_by_label("Column type").select_option(label=label)
        dialog.get_by_role("button", name="Save column").click()
        expect(dialog).to_be_hidden()

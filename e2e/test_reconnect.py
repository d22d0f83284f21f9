"""A tab whose socket drops says so, reconnects by itself and catches up."""

import re

from playwright.sync_api import Page, WebSocketRoute, expect

from e2e.pages import LIVE_STATES_DOWN, SheetPage, create_sheet, live_status


class SocketCutter:
    """Routes a page's sheet socket through the test so the test can cut it,
    keep it down (new attempts are refused) and let it back up."""

    def __init__(self, page: Page, sheet_id: int):
        self.down = False
        self.routes: list[WebSocketRoute] = []
        self.refused = 0
        page.route_web_socket(re.compile(rf"/ws/sheet/{sheet_id}/$"), self._handle)

    def _handle(self, ws: WebSocketRoute) -> None:
        # Playwright's sync callbacks all run on the test's thread: no locking.
        if self.down:
            self.refused += 1
            ws.close(code=1011, reason="network down (test)")
            return
        ws.connect_to_server()
        self.routes.append(ws)

    def cut(self) -> None:
        self.down = True
        routes, self.routes = self.routes, []
        for ws in routes:
            # Closing the page side also closes the server side.
            ws.close(code=1011, reason="network down (test)")

    def restore(self) -> None:
        self.down = False


def test_cut_socket_shows_indicator_then_reconnects_and_catches_up(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Flaky network")
    page1 = ann.new_page()
    cutter = SocketCutter(page1, sheet_id)
    tab1 = SheetPage(page1, sheet_id).open()
    tab2 = SheetPage(ann.new_page(), sheet_id).open()

    tab2.type_cell(0, 0, "before")
    tab1.expect_cell(0, 0, "before")
    # No reload may happen from here on: this marker would be gone.
    page1.evaluate("() => { window.__e2eNoReload = true; }")
    loads = []
    page1.on("load", lambda page: loads.append(page.url))

    cutter.cut()
    expect(live_status(page1)).to_have_attribute(
        "data-state", re.compile("^(" + "|".join(LIVE_STATES_DOWN) + ")$")
    )

    # Tab 2 keeps working while tab 1 is cut off.
    tab2.type_cell(0, 0, "during")
    tab2.type_cell(1, 0, "also during")
    tab2.insert_row_below(1)
    tab2.type_cell(2, 0, "new row")
    tab2.expect_cell(0, 0, "during")
    tab2.expect_saved()
    # Still cut off: tab 1 has not heard of any of it.
    expect(live_status(page1)).not_to_have_attribute("data-state", "live")
    tab1.expect_cell(0, 0, "before")
    tab1.expect_cell(2, 0, "")

    cutter.restore()
    expect(live_status(page1)).to_have_attribute("data-state", "live", timeout=30_000)
    tab1.expect_cell(0, 0, "during")
    tab1.expect_cell(1, 0, "also during")
    tab1.expect_cell(2, 0, "new row")
    assert tab1.count_rows() == tab2.count_rows()
    assert page1.evaluate("() => window.__e2eNoReload === true"), "tab 1 reloaded"
    assert loads == []

    # Live again both ways.
    tab1.type_cell(3, 0, "after")
    tab2.expect_cell(3, 0, "after")

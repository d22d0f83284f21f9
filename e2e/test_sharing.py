"""Sharing a sheet: who is here, what they have selected, who may edit, and
access taken away while the tab is open."""

from __future__ import annotations

import json
import re
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from e2e.pages import (
    XSS,
    SheetPage,
    banner,
    create_sheet,
    fail_on_dialog,
    live_status,
    post_from_page,
    update_profile,
)

# The app fixture runs with GRIDROOM_PRESENCE_TTL_SECONDS=6 and GRIDROOM_HEARTBEAT_SECONDS=2.
PRESENCE_TTL_S = 6
HEARTBEAT_S = 2
# A clean close is seen at once: well inside the expiry window.
AT_ONCE_MS = (PRESENCE_TTL_S - 2) * 1000
# A vanished tab is gone once its entry expired and the next heartbeat noticed.
AFTER_EXPIRY_MS = (PRESENCE_TTL_S + 3 * HEARTBEAT_S + 4) * 1000


@dataclass
class Team:
    owner: SheetPage
    editor: SheetPage
    viewer: SheetPage
    names: tuple[str, str, str]  # display names = usernames until someone renames
    users: tuple


def open_sheet(user, sheet_id: int) -> SheetPage:
    return SheetPage(user.new_page(), sheet_id).open()


def colour_of(page: Page) -> str:
    """The signed-in user's colour, as the API tells it."""
    return page.request.get("/api/initial_state").json()["user"]["colour"]


def rgb(colour: str) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def api_writes(tab: SheetPage) -> list[str]:
    """The `client_id` of every write the tab sends to the API, from now on."""
    seen: list[str] = []

    def on_request(request) -> None:
        if request.method == "POST" and "/api/sheets/" in request.url:
            seen.append(json.loads(request.post_data or "{}").get("client_id", "?"))

    tab.page.on("request", on_request)
    return seen


@pytest.fixture
def team(new_user) -> Team:
    """Ann owns a sheet and shares it, through the Share panel, with Bob as
    editor and Cat as viewer; all three have it open."""
    ann, bob, cat = new_user("ann"), new_user("bob"), new_user("cat")
    sheet_id = create_sheet(ann.new_page(), "Shared budget")
    owner = open_sheet(ann, sheet_id)
    expect(owner.role_badge()).to_have_text("Owner")
    owner.share_with(bob.username, "Editor")
    owner.share_with(cat.username, "Viewer")
    editor = open_sheet(bob, sheet_id)
    viewer = open_sheet(cat, sheet_id)
    return Team(
        owner=owner,
        editor=editor,
        viewer=viewer,
        names=(ann.username, bob.username, cat.username),
        users=(ann, bob, cat),
    )


def test_shared_sheet_shows_everyone_here_and_edits_reach_all(team: Team):
    ann, bob, cat = team.names
    for tab in (team.owner, team.editor, team.viewer):
        tab.expect_present(ann, bob, cat)
    # Each tab marks its own user.
    for tab, me in ((team.owner, ann), (team.editor, bob), (team.viewer, cat)):
        mine = tab.presence().get_by_role("listitem").filter(has_text="(you)")
        expect(mine).to_have_count(1)
        expect(mine.locator(".presence-name")).to_have_text(me)

    # One entry per user, not per tab.
    second = open_sheet(team.users[1], team.owner.sheet_id)
    for tab in (team.owner, second):
        tab.expect_present(ann, bob, cat)

    team.editor.type_cell(0, 0, "Rent")
    team.owner.expect_cell(0, 0, "Rent")
    team.viewer.expect_cell(0, 0, "Rent")
    team.owner.type_cell(1, 0, "Food")
    team.editor.expect_cell(1, 0, "Food")
    team.viewer.expect_cell(1, 0, "Food")
    expect(team.editor.role_badge()).to_have_text("Editor")


def test_viewer_grid_is_read_only_and_the_server_refuses_a_forged_write(team: Team):
    viewer = team.viewer
    writes = api_writes(viewer)
    expect(viewer.role_badge()).to_have_text("View only")
    expect(viewer.page.get_by_role("button", name="Add row")).to_be_disabled()
    expect(viewer.page.get_by_role("button", name="Add column")).to_be_disabled()
    expect(viewer.page.get_by_role("link", name="Share", exact=True)).to_have_count(0)

    # Typing opens no editor and changes nothing; Delete clears nothing.
    team.editor.type_cell(0, 0, "kept")
    viewer.expect_cell(0, 0, "kept")
    viewer.select_cell(0, 0)
    viewer.page.keyboard.type("nope")
    viewer.page.keyboard.press("Enter")
    assert not viewer.editor_open()
    viewer.page.keyboard.press("Delete")
    # No context menu with editing items either.
    viewer.cell(1, 1).click(button="right")
    expect(viewer.page.get_by_role("menuitem", name="Insert row below")).to_have_count(0)
    viewer.page.keyboard.press("Escape")

    assert writes == [], f"the viewer's tab sent writes: {writes}"

    # The server refuses the viewer's write even when the page is bypassed.
    snapshot = viewer.page.request.get(f"/api/sheets/{viewer.sheet_id}/").json()
    row, col = snapshot["rows"][0]["id"], snapshot["columns"][0]["id"]
    status = post_from_page(
        viewer.page,
        f"/api/sheets/{viewer.sheet_id}/cells",
        {
            "client_id": "forged",
            "op_id": str(uuid.uuid4()),
            "changes": [{"row": row, "col": col, "value": "forged"}],
        },
    )
    assert status == 403
    # An edit after all that still shows "kept" was never overwritten anywhere.
    team.editor.type_cell(1, 0, "after")
    for tab in (team.owner, viewer):
        tab.expect_cell(1, 0, "after")
        tab.expect_cell(0, 0, "kept")
    assert writes == ["forged"], f"the viewer's tab sent writes: {writes}"
    assert viewer.cell_value(0, 0) == "kept"

    # A viewer may read the history, in the side panel.
    viewer.page.get_by_role("link", name="History").click()
    history = viewer.side_panel()
    expect(history.get_by_role("heading", name="Recent changes")).to_be_visible()
    expect(history.get_by_role("listitem").filter(has_text=team.names[1]).first).to_be_visible()


def test_selection_is_outlined_in_the_users_colour_and_follows_rows_and_renames(team: Team):
    owner, editor, viewer = team.owner, team.editor, team.viewer
    bob = team.names[1]
    bob_colour = colour_of(editor.page)

    editor.select_cell(1, 1)
    for tab in (owner, viewer):
        outlined = tab.outlined_by(bob)
        expect(outlined).to_have_count(1)
        expect(tab.cell(1, 1)).to_have_attribute("data-selected-by", bob)
        expect(tab.cell(1, 1)).to_have_attribute("title", bob)
        expect(tab.cell(1, 1)).to_have_attribute("data-selected-colour", bob_colour)
        expect(tab.cell(1, 1)).to_have_css("box-shadow", re.compile(re.escape(rgb(bob_colour))))
    # Nobody outlines their own selection.
    expect(editor.page.locator(".ht_master td[data-selected-by]")).to_have_count(0)

    # It moves as Bob moves: a 2 x 2 range now.
    editor.select_cell(2, 0)
    editor.cell(3, 1).click(modifiers=["Shift"])
    for tab in (owner, viewer):
        expect(tab.outlined_by(bob)).to_have_count(4)
        expect(tab.cell(1, 1)).not_to_have_attribute("data-selected-by", bob)
        for r, c in ((2, 0), (2, 1), (3, 0), (3, 1)):
            expect(tab.cell(r, c)).to_have_attribute("data-selected-by", bob)

    # Outlines move while Ann is typing, without closing her editor or losing her text.
    owner.select_cell(5, 2)
    owner.page.keyboard.type("half typed")
    editor.select_cell(4, 2)
    expect(owner.cell(4, 2)).to_have_attribute("data-selected-by", bob)
    assert owner.editor_open()
    owner.page.keyboard.type(" and done")
    owner.page.keyboard.press("Enter")
    owner.wait_editor_closed()
    editor.expect_cell(5, 2, "half typed and done")

    # A row inserted above (by Ann) keeps the outline on the same logical cells.
    editor.select_cell(1, 1)
    expect(owner.cell(1, 1)).to_have_attribute("data-selected-by", bob)
    rows = owner.count_rows()
    owner.cell(0, 0).click(button="right")
    owner.page.get_by_role("menuitem", name="Insert row above").click()
    for tab in (owner, viewer):
        tab.expect_rows(rows + 1)
        expect(tab.cell(2, 1)).to_have_attribute("data-selected-by", bob)
        expect(tab.outlined_by(bob)).to_have_count(1)
    # Bob's own cursor stayed on that cell too.
    editor.expect_rows(rows + 1)
    editor.page.wait_for_function(
        "() => JSON.stringify(window.gridroom.hot.getSelectedLast()) === '[2,1,2,1]'"
    )

    # Bob renames himself and picks a colour: the list and the outline follow.
    profile = team.users[1].new_page()
    update_profile(profile, display_name="Bobby Tables", colour="#0a7e50")
    for tab in (owner, viewer):
        tab.expect_present(team.names[0], "Bobby Tables", team.names[2])
        item = tab.presence().get_by_role("listitem").filter(has_text="Bobby Tables")
        expect(item).to_have_attribute("data-colour", "#0a7e50")
        expect(tab.outlined_by("Bobby Tables")).to_have_count(1)
        expect(tab.outlined_by(bob)).to_have_count(0)
        expect(tab.cell(2, 1)).to_have_css("box-shadow", re.compile(re.escape(rgb("#0a7e50"))))

    # A name that looks like markup is shown as text, in the list and on hover.
    dialogs: list[str] = []
    fail_on_dialog(owner.page, dialogs)
    update_profile(profile, display_name=XSS)
    owner.expect_present(team.names[0], XSS, team.names[2])
    expect(owner.outlined_by(XSS)).to_have_count(1)
    expect(owner.cell(2, 1)).to_have_attribute("title", XSS)
    expect(owner.page.locator('img[src="x"]')).to_have_count(0)
    assert dialogs == []


def test_revoked_viewer_loses_the_sheet_without_a_reload(team: Team):
    owner, viewer = team.owner, team.viewer
    ann, bob, cat = team.names
    viewer.page.evaluate("() => { window.__e2eNotReloaded = true; }")
    owner.remove_share(cat)

    expect(banner(viewer.page)).to_be_visible()
    expect(banner(viewer.page)).to_contain_text("no longer have access")
    expect(live_status(viewer.page)).to_have_attribute("data-state", "closed")
    expect(viewer.role_badge()).to_have_text("No access")
    expect(viewer.presence().get_by_role("listitem")).to_have_count(0)
    assert viewer.page.evaluate("() => window.__e2eNotReloaded === true")
    # Nothing of the sheet is left on her screen (e2e/test_revoked.py has the details).
    expect(viewer.gone_notice()).to_contain_text("You no longer have access to this sheet.")
    expect(viewer.grid_cells()).to_have_count(0)
    # The others no longer list Cat.
    owner.expect_present(ann, bob)
    team.editor.expect_present(ann, bob)
    # And the sheet is gone for Cat on the server too.
    assert viewer.page.request.get(f"/api/sheets/{viewer.sheet_id}/").status == 404


def test_role_change_switches_the_grid_live(team: Team):
    viewer = team.viewer
    cat = team.names[2]
    expect(viewer.role_badge()).to_have_text("View only")
    team.owner.set_share_role(cat, "Editor")
    expect(viewer.role_badge()).to_have_text("Editor")
    expect(viewer.page.get_by_role("button", name="Add row")).to_be_enabled()
    viewer.type_cell(0, 0, "Cat can type")
    team.owner.expect_cell(0, 0, "Cat can type")
    rows = viewer.count_rows()
    viewer.insert_row_below(0)  # the context menu is there now
    team.owner.expect_rows(rows + 1)

    team.owner.set_share_role(cat, "Viewer")
    expect(viewer.role_badge()).to_have_text("View only")
    expect(viewer.page.get_by_role("button", name="Add row")).to_be_disabled()
    viewer.select_cell(1, 0)
    viewer.page.keyboard.type("x")
    assert not viewer.editor_open()
    team.editor.type_cell(1, 0, "still Bob's")
    viewer.expect_cell(1, 0, "still Bob's")
    assert viewer.cell_value(0, 0) == "Cat can type"


def test_ownership_transfer_moves_the_share_button(team: Team):
    owner, editor = team.owner, team.editor
    bob = team.names[1]
    expect(editor.page.get_by_role("link", name="Share", exact=True)).to_have_count(0)
    panel = owner.open_share_panel()
    owner.page.once("dialog", lambda dialog: dialog.accept())
    panel.get_by_text("Transfer ownership").first.click()
    panel.get_by_label("New owner (username or email)").fill(bob)
    panel.get_by_role("button", name="Transfer ownership").click()

    expect(editor.role_badge()).to_have_text("Owner")
    expect(editor.page.get_by_role("link", name="Share", exact=True)).to_be_visible()
    expect(owner.role_badge()).to_have_text("Editor")
    expect(owner.page.get_by_role("link", name="Share", exact=True)).to_have_count(0)
    # The panel Ann had open is not hers to use any more.
    expect(owner.side_panel().get_by_label("Username or email", exact=True)).to_have_count(0)
    # Both still edit.
    owner.type_cell(0, 0, "Ann edits")
    editor.expect_cell(0, 0, "Ann edits")


def test_closed_tab_leaves_at_once(team: Team):
    ann, bob, cat = team.names
    team.editor.select_cell(0, 0)
    expect(team.owner.outlined_by(bob)).to_have_count(1)
    team.editor.page.close()
    expect(team.owner.presence().get_by_role("listitem")).to_have_count(2, timeout=AT_ONCE_MS)
    team.owner.expect_present(ann, cat)
    expect(team.owner.outlined_by(bob)).to_have_count(0)
    team.viewer.expect_present(ann, cat)


# --- A tab that vanishes without closing its socket


class FreezableRelay:
    """A TCP relay to the app. `freeze()` stops moving bytes but keeps every
    connection open: to the server the tab is there and silent, as when a
    laptop's lid shuts or its network drops."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.frozen = threading.Event()
        self.stopped = threading.Event()
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while not self.frozen.is_set():
                data = src.recv(65536)
                if not data or self.frozen.is_set():
                    break
                dst.sendall(data)
        except OSError:
            return
        if not self.frozen.is_set():
            # A real close passes through; a frozen connection just goes quiet.
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def freeze(self) -> None:
        self.frozen.set()

    def close(self) -> None:
        self.stopped.set()
        self.listener.close()
        for sock in self.sockets:
            sock.close()


@pytest.fixture
def relay(base_url: str) -> Iterator[FreezableRelay]:
    parts = urlsplit(base_url)
    proxy = FreezableRelay((parts.hostname, parts.port))
    yield proxy
    proxy.close()


def test_vanished_tab_drops_out_after_the_expiry_window(new_user, relay: FreezableRelay):
    ann, bob = new_user("ann"), new_user("bob")
    sheet_id = create_sheet(ann.new_page(), "Vanishing")
    owner = open_sheet(ann, sheet_id)
    owner.share_with(bob.username, "Editor")

    # Bob reaches the app through the relay (cookies do not care about the port).
    gone = SheetPage(bob.new_page(), sheet_id)
    gone.page.goto(f"http://127.0.0.1:{relay.port}{gone.url}")
    gone.wait_ready()
    owner.expect_present(ann.username, bob.username)
    gone.select_cell(0, 0)
    expect(owner.outlined_by(bob.username)).to_have_count(1)

    relay.freeze()
    # Still listed while the entry lives...
    owner.expect_present(ann.username, bob.username)
    # ...and gone once it expired, with the outline.
    expect(owner.presence().get_by_role("listitem")).to_have_count(1, timeout=AFTER_EXPIRY_MS)
    owner.expect_present(ann.username)
    expect(owner.outlined_by(bob.username)).to_have_count(0)

"""A daphne process killed with SIGKILL: supervisor restarts it, its tabs
reconnect and catch up, nothing typed is lost, and the other process's tabs
never notice."""

import os
import signal

from playwright.sync_api import expect

from deploy.stack import wait_for
from e2e.pages import create_sheet, live_status
from e2e.stack.tabs import (
    DAPHNE,
    accepting,
    daphne_pids,
    expect_agreement,
    expect_each_op_applied_once,
    program_state,
    snapshot_values,
    tabs_on_each_process,
    wait_until,
)

RECOVERY_S = 60


def test_sigkill_of_a_daphne_process_loses_nothing(stack, new_user):
    killed, survivor = DAPHNE
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Kill -9")
    by_process = tabs_on_each_process(ann, sheet_id, stack, per_process=2)
    cut, cut_watcher = by_process[killed]
    other, other_watcher = by_process[survivor]
    cut_tabs, other_tabs = [cut, cut_watcher], [other, other_watcher]
    every_tab = cut_tabs + other_tabs

    cut.type_cell(0, 0, "before on 0")
    other.type_cell(0, 1, "before on 1")
    for tab in every_tab:
        tab.expect_cell(0, 0, "before on 0")
        tab.expect_cell(0, 1, "before on 1")

    old_pid = stack.pid(killed)
    assert {tab.server_pid() for tab in cut_tabs} == {old_pid}
    assert {tab.server_pid() for tab in other_tabs} == {stack.pid(survivor)}
    hellos = {id(tab): len(tab.hellos()) for tab in cut_tabs}
    daphne_socket = str(stack.prefix / "run" / f"daphne-{killed[-1]}.sock")

    # The first edit is typed with the process alive and committed (Enter)
    # as soon as it is gone: nothing listens on its socket, and a new daphne
    # takes over a second to start.
    cut.select_cell(1, 0)
    cut.page.keyboard.type("during on 0, first")
    os.kill(old_pid, signal.SIGKILL)
    wait_for(lambda: not accepting(daphne_socket), 10, "the killed daphne to be gone", 0.01)
    cut.page.keyboard.press("Enter")
    cut.wait_editor_closed()
    assert not accepting(daphne_socket), "the killed daphne was back before the edit"
    other.type_cell(1, 1, "during on 1")
    cut.type_cell(2, 0, "during on 0, second")
    other.type_cell(2, 1, "during on 1, second")
    cut.type_cell(3, 0, "during on 0, third")

    # The killed process's tabs noticed: their status left "live".
    for tab in cut_tabs:
        wait_until(
            tab.page,
            lambda tab=tab: any(state != "live" for state in tab.live_states()),
            "the cut-off tab to notice its socket closed",
            RECOVERY_S,
        )
    # Supervisor brought the process back under a new pid.
    wait_until(
        cut.page,
        lambda: program_state(stack, killed) == "RUNNING" and stack.pid(killed) != old_pid,
        f"supervisor to restart {killed}",
        RECOVERY_S,
    )
    new_pid = stack.pid(killed)
    assert new_pid not in (0, old_pid)
    wait_until(cut.page, lambda: accepting(daphne_socket), "the new daphne's socket", RECOVERY_S)
    # The tabs reconnected (to the new process or to the survivor) and resynced.
    for tab in cut_tabs:
        expect(live_status(tab.page)).to_have_attribute(
            "data-state", "live", timeout=RECOVERY_S * 1000
        )
        tab.wait_hellos(hellos[id(tab)] + 1, RECOVERY_S)
        assert tab.server_pid() in daphne_pids(stack), tab.hellos()[-1]

    typed = {
        "before on 0",
        "before on 1",
        "during on 0, first",
        "during on 1",
        "during on 0, second",
        "during on 1, second",
        "during on 0, third",
    }
    snapshot = expect_agreement(every_tab, RECOVERY_S)
    assert snapshot_values(snapshot) == typed
    expect_each_op_applied_once(every_tab, snapshot)
    cut_watcher.expect_cell(1, 0, "during on 0, first")
    cut_watcher.expect_cell(2, 1, "during on 1, second")
    other_watcher.expect_cell(3, 0, "during on 0, third")

    # The other process's tabs never noticed: one socket, one hello, live all
    # along, and every edit reached them as a pushed event.
    for tab in other_tabs:
        assert len(tab.hellos()) == 1, tab.hellos()
        assert tab.closed_sockets() == []
        assert set(tab.live_states()) == {"live"}, tab.live_states()
        assert typed <= tab.broadcast_values()
    for tab in every_tab:
        assert not tab.reloaded()

    # Live again both ways, on whichever processes serve them now.
    cut.type_cell(4, 0, "after on 0")
    for tab in every_tab:
        tab.expect_cell(4, 0, "after on 0")
    other.type_cell(4, 1, "after on 1")
    for tab in every_tab:
        tab.expect_cell(4, 1, "after on 1")

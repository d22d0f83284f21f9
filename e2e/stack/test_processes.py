"""Tabs served by different daphne processes are one room: Redis carries the events."""

from e2e.pages import create_sheet
from e2e.stack.tabs import (
    DAPHNE,
    expect_agreement,
    expect_each_op_applied_once,
    snapshot_values,
    tabs_on_each_process,
)


def test_tabs_on_different_daphne_processes_see_each_others_edits(stack, new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Across processes")
    tabs = tabs_on_each_process(ann, sheet_id, stack)
    first, second = tabs[DAPHNE[0]][0], tabs[DAPHNE[1]][0]
    assert first.server_pid() != second.server_pid()

    first.type_cell(0, 0, "from daphne-0")
    second.expect_cell(0, 0, "from daphne-0")
    second.type_cell(1, 1, "from daphne-1")
    first.expect_cell(1, 1, "from daphne-1")

    # Each edit reached the other process's tab as a pushed event, not a reload.
    assert "from daphne-0" in second.broadcast_values()
    assert "from daphne-1" in first.broadcast_values()
    snapshot = expect_agreement([first, second])
    assert snapshot_values(snapshot) == {"from daphne-0", "from daphne-1"}
    assert expect_each_op_applied_once([first, second], snapshot) == 0
    for tab in (first, second):
        assert len(tab.hellos()) == 1 and not tab.reloaded()

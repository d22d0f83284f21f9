"""Formula columns and totals on the live channel: what an op computed rides
in its event to every tab, and the daily refresh reaches them as one event."""

import pytest
from channels.db import database_sync_to_async

from sheets import services
from sheets.tests.formula_sheets import add_formula, priced_sheet, set_summary
from sheets.tests.helpers import new_id, row_ids

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def _prepare(sheet, user) -> dict:
    cols = priced_sheet(sheet, user)
    cols["Total"] = add_formula(sheet, user, "Total", "=[Price] * [Qty]")["id"]
    set_summary(sheet, user, cols["Total"], "sum")
    cols["first"] = row_ids(sheet)[0]
    return cols


async def test_an_edit_sends_the_computed_cells_and_the_total_to_every_tab(ws_connect, user, sheet):
    cols = await _prepare(sheet, user)
    socket = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    await socket.receive_type("hello")
    change = [{"row": cols["first"], "col": cols["Qty"], "value": 10}]
    await database_sync_to_async(services.cells_update)(
        sheet=sheet, user=user, client_id="other-tab", op_id=new_id(), changes=change
    )
    event = await socket.receive_type("cells.changed")
    assert {"row": cols["first"], "col": cols["Total"], "value": 20} in event["changes"]
    assert event["totals"] == {cols["Total"]: 26}
    await socket.disconnect()


async def test_the_date_refresh_reaches_tabs_as_one_event(ws_connect, user, sheet, settings):
    # The refresh is called here; the hub's clock would run it when it starts.
    settings.CLOCK_IN_PROCESS = False
    cols = await _prepare(sheet, user)
    today = await database_sync_to_async(add_formula)(sheet, user, "Day", "=TODAY()")
    socket = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    await socket.receive_type("hello")
    done = await database_sync_to_async(services.refresh_volatile_formulas)()
    assert done == {"sheets": 1, "refreshed": 1, "failed": 0}
    event = await socket.receive_type("columns.recomputed")
    assert event["columns"] == [today["id"]]
    assert event["user"] is None
    assert cols["Total"] not in event["columns"]
    await socket.disconnect()

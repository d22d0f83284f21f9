"""Sort the sheet: the rows reordered for everyone in a view's order, its
event, its undo and redo, and every refusal changing nothing."""

import pytest
from channels.db import database_sync_to_async

from sheets import services
from sheets.history import recent_changes
from sheets.models import Change, Row
from sheets.services import OpError
from sheets.tests.helpers import (
    assert_json_error,
    col_ids,
    fill_column,
    insert_rows,
    logged_in_client,
    new_id,
    post,
    row_ids,
    sheet_state,
    sheet_tabs,
    update,
)

pytestmark = pytest.mark.django_db


def sort(sheet, user, keys, op_id=None):
    return services.rows_sort(
        sheet=sheet, user=user, client_id="tab-1", op_id=op_id or new_id(), sort=keys
    )


def undo(sheet, user):
    return services.sheet_undo(sheet=sheet, user=user, client_id="tab-1", op_id=new_id())


def redo(sheet, user):
    return services.sheet_redo(sheet=sheet, user=user, client_id="tab-1", op_id=new_id())


def column_texts(sheet, col) -> list:
    return [Row.objects.get(pk=r).values.get(col) for r in row_ids(sheet)]


@pytest.fixture
def shared_sheet(sheet, user, other_user):
    services.sheet_share(sheet=sheet, user=user, who=other_user.username, role="editor")
    return sheet


def test_sort_orders_rows_like_a_view_for_everyone(typed_sheet, user):
    text, number = col_ids(typed_sheet)[:2]
    rows = row_ids(typed_sheet)
    update(
        typed_sheet,
        user,
        [
            {"row": rows[0], "col": text, "value": "pear"},
            {"row": rows[1], "col": text, "value": "Apple"},
            {"row": rows[2], "col": text, "value": "fig"},
            {"row": rows[3], "col": text, "value": "apple"},
            {"row": rows[1], "col": number, "value": 2},
            {"row": rows[3], "col": number, "value": 1},
        ],
    )
    answer = sort(typed_sheet, user, [{"column": text}, {"column": number, "descending": True}])
    assert answer["applied"]
    # Case-blind text, the number breaking the tie, empty cells last (the rows'
    # old order among them).
    assert row_ids(typed_sheet)[:4] == [rows[1], rows[3], rows[2], rows[0]]
    assert row_ids(typed_sheet)[4:] == rows[4:]
    event = answer["event"]
    assert event["type"] == "rows.sorted"
    assert event["sort"] == [
        {"column": text, "descending": False},
        {"column": number, "descending": True},
    ]
    assert event["rows"] == len(rows)
    assert "orders" not in event  # no row list on the wire
    change = Change.objects.get(sheet=typed_sheet, seq=answer["version"])
    assert change.undo["kind"] == "rows_sort"
    assert len(change.undo["orders"]) == len(rows)


def test_sort_descending_puts_empty_cells_last_too(sheet, user):
    col = col_ids(sheet)[0]
    rows = fill_column(sheet, user, col, ["b", "c", "a"])
    sort(sheet, user, [{"column": col, "descending": True}])
    assert row_ids(sheet)[:3] == [rows[1], rows[0], rows[2]]


def test_undo_puts_rows_back_and_redo_sorts_again(sheet, user):
    col = col_ids(sheet)[0]
    fill_column(sheet, user, col, ["c", "a", "b"])
    before = row_ids(sheet)
    orders = list(Row.objects.filter(sheet=sheet).order_by("order").values_list("order", flat=True))
    sort(sheet, user, [{"column": col}])
    sorted_rows = row_ids(sheet)
    assert sorted_rows != before
    answer = undo(sheet, user)
    assert answer["event"]["type"] == "rows.sorted"
    assert answer["event"]["kind"] == "undo"
    assert answer["event"]["sort"] == []
    assert row_ids(sheet) == before
    assert sorted(Row.objects.filter(sheet=sheet).values_list("order", flat=True)) == orders
    answer = redo(sheet, user)
    assert answer["event"]["kind"] == "redo"
    assert row_ids(sheet) == sorted_rows
    undo(sheet, user)
    assert row_ids(sheet) == before


def test_undo_after_a_row_inserted_since_is_refused_and_changes_nothing(
    shared_sheet, user, other_user
):
    col = col_ids(shared_sheet)[0]
    fill_column(shared_sheet, user, col, ["c", "a", "b"])
    sort(shared_sheet, user, [{"column": col}])
    insert_rows(shared_sheet, other_user, [{"id": new_id(), "after": row_ids(shared_sheet)[0]}])
    state = row_ids(shared_sheet)
    with pytest.raises(OpError) as exc:
        undo(shared_sheet, user)
    assert exc.value.error == "undo_conflict"
    assert "bob" in exc.value.message
    assert row_ids(shared_sheet) == state


def test_undo_after_a_row_deleted_since_is_refused(shared_sheet, user, other_user):
    col = col_ids(shared_sheet)[0]
    fill_column(shared_sheet, user, col, ["c", "a", "b"])
    sort(shared_sheet, user, [{"column": col}])
    services.rows_delete(
        sheet=shared_sheet,
        user=other_user,
        client_id="tab-2",
        op_id=new_id(),
        rows=[row_ids(shared_sheet)[-1]],
    )
    state = row_ids(shared_sheet)
    with pytest.raises(OpError) as exc:
        undo(shared_sheet, user)
    assert exc.value.error == "undo_conflict"
    assert row_ids(shared_sheet) == state


def test_undo_after_another_sort_is_refused(shared_sheet, user, other_user):
    a, b = col_ids(shared_sheet)[:2]
    fill_column(shared_sheet, user, a, ["c", "a", "b"])
    fill_column(shared_sheet, user, b, ["x", "z", "y"])
    sort(shared_sheet, user, [{"column": a}])
    sort(shared_sheet, other_user, [{"column": b}])
    state = row_ids(shared_sheet)
    with pytest.raises(OpError) as exc:
        undo(shared_sheet, user)
    assert "bob" in exc.value.message
    assert row_ids(shared_sheet) == state


def test_undo_keeps_cell_edits_made_since(shared_sheet, user, other_user):
    col = col_ids(shared_sheet)[0]
    fill_column(shared_sheet, user, col, ["c", "a", "b"])
    before = row_ids(shared_sheet)
    sort(shared_sheet, user, [{"column": col}])
    update(shared_sheet, other_user, [{"row": before[0], "col": col, "value": "zz"}])
    undo(shared_sheet, user)
    assert row_ids(shared_sheet) == before
    assert column_texts(shared_sheet, col)[:3] == ["zz", "a", "b"]


def test_redo_after_its_column_was_deleted_is_refused(shared_sheet, user, other_user):
    col = col_ids(shared_sheet)[0]
    fill_column(shared_sheet, user, col, ["c", "a", "b"])
    sort(shared_sheet, user, [{"column": col}])
    undo(shared_sheet, user)
    services.columns_delete(
        sheet=shared_sheet, user=other_user, client_id="t", op_id=new_id(), columns=[col]
    )
    before = row_ids(shared_sheet)
    with pytest.raises(OpError) as exc:
        redo(shared_sheet, user)
    assert exc.value.error == "undo_conflict"
    assert "column" in exc.value.message
    assert row_ids(shared_sheet) == before


def test_history_lists_the_sort_and_reverts_it(shared_sheet, user, other_user):
    col = col_ids(shared_sheet)[0]
    fill_column(shared_sheet, user, col, ["c", "a", "b"])
    before = row_ids(shared_sheet)
    seq = sort(shared_sheet, user, [{"column": col}])["version"]
    listed = [c for c in recent_changes(sheet=shared_sheet) if c["seq"] == seq]
    assert listed and listed[0]["what"] == "sorted the sheet by 1 column"
    assert listed[0]["can_revert"] is True
    answer = services.change_revert(
        sheet=shared_sheet, user=other_user, client_id="t", op_id=new_id(), change=seq
    )
    assert (answer["event"]["type"], answer["event"]["kind"]) == ("rows.sorted", "revert")
    assert row_ids(shared_sheet) == before
    # The revert is bob's change: his undo sorts again.
    services.sheet_undo(sheet=shared_sheet, user=other_user, client_id="t", op_id=new_id())
    assert row_ids(shared_sheet) != before


@pytest.mark.parametrize(
    ("keys", "error"),
    [
        ([], "invalid_sort"),
        (None, "invalid_sort"),
        ("name", "invalid_sort"),
        ([{"column": "x"}] * 6, "invalid_sort"),
        ([{"column": 5}], "invalid_sort"),
        ([{"column": "COL", "descending": "yes"}], "invalid_sort"),
        ([{"column": "COL", "dir": "asc"}], "invalid_sort"),
        ([{"column": new_id()}], "unknown_column"),
        ([{"column": "COL"}, {"column": "COL"}], "invalid_sort"),
    ],
)
def test_bad_sort_keys_are_refused_and_change_nothing(sheet, user, keys, error):
    col = col_ids(sheet)[0]
    fill_column(sheet, user, col, ["c", "a", "b"])
    if isinstance(keys, list):
        keys = [{**k, "column": col} if k.get("column") == "COL" else k for k in keys]
    state = sheet_state(sheet)
    with pytest.raises(OpError) as exc:
        sort(sheet, user, keys)
    assert exc.value.error == error
    assert exc.value.message
    assert sheet_state(sheet) == state


def test_a_sheet_over_the_sort_limit_is_refused_and_changes_nothing(sheet, user, settings):
    col = col_ids(sheet)[0]
    fill_column(sheet, user, col, ["c", "a", "b"])
    sheet.refresh_from_db()
    settings.SORT_SHEET_MAX_ROWS = sheet.row_count - 1
    state = sheet_state(sheet)
    with pytest.raises(OpError) as exc:
        sort(sheet, user, [{"column": col}])
    assert exc.value.error == "sheet_too_big_to_sort"
    assert "your own view" in exc.value.message
    assert sheet_state(sheet) == state
    settings.SORT_SHEET_MAX_ROWS = sheet.row_count  # at the limit: sorted
    sort(sheet, user, [{"column": col}])
    assert sheet_state(sheet) != state


def test_viewer_cannot_sort_the_sheet(sheet, user, other_user):
    services.sheet_share(sheet=sheet, user=user, who=other_user.username, role="viewer")
    state = sheet_state(sheet)
    with pytest.raises(OpError) as exc:
        sort(sheet, other_user, [{"column": col_ids(sheet)[0]}])
    assert exc.value.status == 403
    assert sheet_state(sheet) == state


# --- Through the API


def test_api_sort_and_its_refusals(client_for, sheet, user, other_user, foreign_sheet):
    col = col_ids(sheet)[0]
    rows = fill_column(sheet, user, col, ["b", "a"])
    url = f"/api/sheets/{sheet.id}/rows/sort"
    client = client_for(user)
    state = sheet_state(sheet)
    assert_json_error(post(client, url, "{not json"), 400, "invalid_json")
    assert_json_error(post(client, url, {"op_id": new_id()}), 400, "missing_field")
    body = {"client_id": "tab-1", "op_id": new_id(), "sort": []}
    assert_json_error(post(client, url, body), 400, "invalid_sort")
    body["sort"] = [{"column": new_id()}]
    assert_json_error(post(client, url, body), 400, "unknown_column")
    body["sort"] = [{"column": col}] * 6
    assert_json_error(post(client, url, body), 400, "invalid_sort")
    foreign = f"/api/sheets/{foreign_sheet.id}/rows/sort"
    body["sort"] = [{"column": col_ids(foreign_sheet)[0]}]
    assert_json_error(post(client, foreign, body), 404, "not_found")
    services.sheet_share(sheet=sheet, user=user, who=other_user.username, role="viewer")
    body["sort"] = [{"column": col}]
    assert_json_error(post(client_for(other_user), url, body), 403, "forbidden")
    assert sheet_state(sheet) == state

    answer = post(client, url, {**body, "base_version": state["snapshot"]["version"]})
    assert answer.status_code == 200
    assert answer.json()["event"]["type"] == "rows.sorted"
    assert row_ids(sheet)[:2] == [rows[1], rows[0]]


# --- On the live channel


@pytest.mark.django_db(transaction=True)
async def test_sort_reaches_another_tab(ws_connect, user, sheet):
    tabs = await sheet_tabs(ws_connect, user, sheet)
    col = (await database_sync_to_async(col_ids)(sheet))[0]
    client = await logged_in_client(user)
    response = await database_sync_to_async(post)(
        client,
        f"/api/sheets/{sheet.id}/rows/sort",
        {"client_id": "tab-1", "op_id": new_id(), "sort": [{"column": col, "descending": True}]},
    )
    assert response.status_code == 200
    for tab in tabs:
        event = await tab.receive_type("rows.sorted")
        assert event == response.json()["event"]
        assert event["sort"] == [{"column": col, "descending": True}]
    undone = await database_sync_to_async(undo)(sheet, user)
    for tab in tabs:
        event = await tab.receive_type("rows.sorted")
        assert event["kind"] == "undo"
        assert event["seq"] == undone["version"]
        await tab.disconnect()

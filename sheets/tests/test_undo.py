"""Per-user undo and redo through the server: every kind of change reverted as a
new op, refusals when someone else changed the same thing since, idempotent
retries, and the API's answers."""

import json
import uuid

import pytest

from sheets import services
from sheets.models import Change, Row, Sheet
from sheets.services import OpError
from sheets.tests.helpers import col_ids, insert_columns, insert_rows, new_id, row_ids

pytestmark = pytest.mark.django_db


def grid(sheet: Sheet) -> list[list]:
    """The sheet as the user sees it: rows in order, cells in column order."""
    cols = col_ids(sheet)
    return [[r.values.get(c) for c in cols] for r in sheet.rows.order_by("order")]


def set_cell(sheet, user, row, col, value, client_id="tab-1"):
    return services.cells_update(
        sheet=sheet,
        user=user,
        client_id=client_id,
        op_id=new_id(),
        changes=[{"row": row, "col": col, "value": value}],
    )


def undo(sheet, user, op_id=None):
    return services.sheet_undo(sheet=sheet, user=user, client_id="tab-1", op_id=op_id or new_id())


def redo(sheet, user, op_id=None):
    return services.sheet_redo(sheet=sheet, user=user, client_id="tab-1", op_id=op_id or new_id())


@pytest.fixture
def shared_sheet(sheet, user, other_user):
    services.sheet_share(sheet=sheet, user=user, who=other_user.username, role="editor")
    return sheet


# --- Cells


def test_undo_puts_the_cell_back_and_redo_again(sheet, user):
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    set_cell(sheet, user, row, col, "first")
    set_cell(sheet, user, row, col, "second")

    answer = undo(sheet, user)
    assert answer["applied"]
    assert answer["event"]["type"] == "cells.changed"
    assert answer["event"]["kind"] == "undo"
    assert answer["event"]["changes"] == [{"row": row, "col": col, "value": "first"}]
    assert Row.objects.get(pk=row).values[col] == "first"

    undo(sheet, user)
    assert col not in Row.objects.get(pk=row).values

    assert redo(sheet, user)["event"]["kind"] == "redo"
    assert Row.objects.get(pk=row).values[col] == "first"
    redo(sheet, user)
    assert Row.objects.get(pk=row).values[col] == "second"
    with pytest.raises(OpError) as exc:
        redo(sheet, user)
    assert exc.value.error == "nothing_to_redo"


def test_each_undo_is_a_change_every_tab_gets(sheet, user):
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    set_cell(sheet, user, row, col, "x")
    answer = undo(sheet, user)
    change = Change.objects.get(sheet=sheet, seq=answer["version"])
    assert change.kind == "undo"
    assert change.payload == answer["event"]
    assert Sheet.objects.get(pk=sheet.pk).version == answer["version"]


def test_nothing_to_undo_is_refused(sheet, user):
    with pytest.raises(OpError) as exc:
        undo(sheet, user)
    assert (exc.value.error, exc.value.status) == ("nothing_to_undo", 409)


def test_undo_is_per_user(shared_sheet, user, other_user):
    row, cols = row_ids(shared_sheet)[0], col_ids(shared_sheet)
    set_cell(shared_sheet, user, row, cols[0], "ann's")
    set_cell(shared_sheet, other_user, row, cols[1], "bob's")
    undo(shared_sheet, user)
    values = Row.objects.get(pk=row).values
    assert cols[0] not in values
    assert values[cols[1]] == "bob's"


def test_undo_of_a_cell_someone_changed_since_is_refused_by_name(shared_sheet, user, other_user):
    row, cols = row_ids(shared_sheet)[0], col_ids(shared_sheet)
    set_cell(shared_sheet, user, row, cols[1], "mine, earlier")
    set_cell(shared_sheet, user, row, cols[0], "mine")
    set_cell(shared_sheet, other_user, row, cols[0], "bob's")
    version = Sheet.objects.get(pk=shared_sheet.pk).version

    with pytest.raises(OpError) as exc:
        undo(shared_sheet, user)
    assert (exc.value.error, exc.value.status) == ("undo_conflict", 409)
    assert "bob" in exc.value.message
    assert Row.objects.get(pk=row).values[cols[0]] == "bob's"
    assert Sheet.objects.get(pk=shared_sheet.pk).version == version

    # The refused change left the stack: the next undo reaches the one before.
    undo(shared_sheet, user)
    assert cols[1] not in Row.objects.get(pk=row).values
    assert Row.objects.get(pk=row).values[cols[0]] == "bob's"


def test_undo_of_a_cell_in_a_deleted_row_is_refused(shared_sheet, user, other_user):
    row, col = row_ids(shared_sheet)[0], col_ids(shared_sheet)[0]
    set_cell(shared_sheet, user, row, col, "x")
    services.rows_delete(
        sheet=shared_sheet, user=other_user, client_id="", op_id=new_id(), rows=[row]
    )
    with pytest.raises(OpError) as exc:
        undo(shared_sheet, user)
    assert exc.value.error == "undo_conflict"
    assert "bob" in exc.value.message
    assert not Row.objects.filter(pk=row).exists()


def test_a_new_change_ends_redo(sheet, user):
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    set_cell(sheet, user, row, col, "a")
    undo(sheet, user)
    set_cell(sheet, user, row, col, "b")
    with pytest.raises(OpError) as exc:
        redo(sheet, user)
    assert exc.value.error == "nothing_to_redo"


def test_undo_retried_with_its_op_id_is_applied_once(sheet, user):
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    set_cell(sheet, user, row, col, "a")
    set_cell(sheet, user, row, col, "b")
    op_id = new_id()
    first = undo(sheet, user, op_id)
    again = undo(sheet, user, op_id)
    assert again["replayed"]
    assert again["version"] == first["version"]
    assert Row.objects.get(pk=row).values[col] == "a"
    assert Change.objects.filter(sheet=sheet, kind="undo").count() == 1


def test_refused_undo_retried_is_refused_again_and_undoes_nothing_else(
    shared_sheet, user, other_user
):
    row, cols = row_ids(shared_sheet)[0], col_ids(shared_sheet)
    set_cell(shared_sheet, user, row, cols[1], "earlier")
    set_cell(shared_sheet, user, row, cols[0], "mine")
    set_cell(shared_sheet, other_user, row, cols[0], "bob's")
    op_id = new_id()
    for _ in range(2):
        with pytest.raises(OpError) as exc:
            undo(shared_sheet, user, op_id)
        assert exc.value.error == "undo_conflict"
    assert Row.objects.get(pk=row).values[cols[1]] == "earlier"


def test_viewer_cannot_undo(sheet, user, other_user):
    services.sheet_share(sheet=sheet, user=user, who=other_user.username, role="viewer")
    with pytest.raises(OpError) as exc:
        undo(sheet, other_user)
    assert exc.value.status == 403


# --- Rows


def test_undo_of_a_row_insert_removes_it_and_redo_brings_it_back(sheet, user):
    before = grid(sheet)
    first, col = row_ids(sheet)[0], col_ids(sheet)[0]
    new = new_id()
    insert_rows(sheet, user, [{"id": new, "after": first, "values": {col: "typed"}}])
    after = grid(sheet)
    answer = undo(sheet, user)
    assert answer["event"]["type"] == "rows.deleted"
    assert answer["event"]["rows"] == [new]
    assert grid(sheet) == before

    answer = redo(sheet, user)
    assert answer["event"]["type"] == "rows.inserted"
    position = Row.objects.get(pk=new).order
    assert answer["event"]["rows"] == [
        {"id": new, "after": first, "values": {col: "typed"}, "position": position}
    ]
    assert grid(sheet) == after


def test_undo_of_a_row_insert_someone_typed_into_is_refused(shared_sheet, user, other_user):
    new, col = new_id(), col_ids(shared_sheet)[0]
    insert_rows(shared_sheet, user, [{"id": new}])
    set_cell(shared_sheet, other_user, new, col, "bob was here")
    with pytest.raises(OpError) as exc:
        undo(shared_sheet, user)
    assert exc.value.error == "undo_conflict"
    assert "bob" in exc.value.message
    assert Row.objects.get(pk=new).values == {col: "bob was here"}


def test_undo_of_a_row_delete_restores_rows_values_and_places(sheet, user):
    rows, col = row_ids(sheet), col_ids(sheet)[0]
    for i, row in enumerate(rows):
        set_cell(sheet, user, row, col, f"r{i}")
    before = grid(sheet)
    services.rows_delete(
        sheet=sheet, user=user, client_id="", op_id=new_id(), rows=[rows[1], rows[3]]
    )
    answer = undo(sheet, user)
    assert answer["event"]["type"] == "rows.inserted"
    assert answer["event"]["rows"] == [
        {"id": rows[1], "after": rows[0], "values": {col: "r1"}, "position": 2048.0},
        {"id": rows[3], "after": rows[2], "values": {col: "r3"}, "position": 4096.0},
    ]
    assert grid(sheet) == before
    assert row_ids(sheet) == rows

    redo(sheet, user)
    assert row_ids(sheet) == [r for r in rows if r not in (rows[1], rows[3])]


def test_undone_row_delete_goes_before_a_row_inserted_on_its_old_key(
    shared_sheet, user, other_user
):
    """Delete the row between A and C, insert one after A (its key is the
    same midpoint the deleted row had), undo the delete: the rows must not
    share a key, and tabs place the restored row where the database has it."""
    rows = row_ids(shared_sheet)
    old_key = Row.objects.get(id=rows[1]).order
    services.rows_delete(
        sheet=shared_sheet, user=user, client_id="", op_id=new_id(), rows=[rows[1]]
    )
    newcomer = new_id()
    insert_rows(shared_sheet, other_user, [{"id": newcomer, "after": rows[0]}])
    assert Row.objects.get(id=newcomer).order == old_key

    answer = undo(shared_sheet, user)
    position = Row.objects.get(pk=rows[1]).order
    assert answer["event"]["rows"] == [
        {"id": rows[1], "after": rows[0], "values": {}, "position": position}
    ]
    assert row_ids(shared_sheet) == [rows[0], rows[1], newcomer, *rows[2:]]
    orders = list(shared_sheet.rows.values_list("order", flat=True))
    assert len(set(orders)) == len(orders)


# --- Columns


def test_undo_of_a_column_insert_and_its_redo(sheet, user):
    cols = col_ids(sheet)
    new = new_id()
    insert_columns(sheet, user, [{"id": new, "after": cols[0], "name": "Extra", "type": "number"}])
    answer = undo(sheet, user)
    assert answer["event"]["type"] == "columns.deleted"
    assert col_ids(sheet) == cols
    answer = redo(sheet, user)
    assert answer["event"]["type"] == "columns.inserted"
    assert answer["event"]["columns"] == [
        {
            "id": new,
            "after": cols[0],
            "name": "Extra",
            "type": "number",
            "formula": None,
            "result_type": None,
            "summary": None,
            "width": None,
            "number_format": None,
            "wrap": False,
        }
    ]
    assert col_ids(sheet) == [cols[0], new, *cols[1:]]


def test_undo_of_a_column_insert_someone_typed_into_is_refused(shared_sheet, user, other_user):
    new = new_id()
    insert_columns(shared_sheet, user, [{"id": new, "after": None, "name": "Extra"}])
    set_cell(shared_sheet, other_user, row_ids(shared_sheet)[0], new, "bob's")
    with pytest.raises(OpError) as exc:
        undo(shared_sheet, user)
    assert exc.value.error == "undo_conflict"
    assert new in col_ids(shared_sheet)


def test_undo_of_a_column_delete_restores_it_with_its_values(sheet, user):
    rows, cols = row_ids(sheet), col_ids(sheet)
    set_cell(sheet, user, rows[0], cols[1], "keep me")
    before = grid(sheet)
    services.columns_delete(sheet=sheet, user=user, client_id="", op_id=new_id(), columns=[cols[1]])
    answer = undo(sheet, user)
    event = answer["event"]
    assert event["type"] == "columns.inserted"
    assert [c["id"] for c in event["columns"]] == [cols[1]]
    assert event["columns"][0]["after"] == cols[0]
    assert event["values"] == [{"row": rows[0], "col": cols[1], "value": "keep me"}]
    assert col_ids(sheet) == cols
    assert grid(sheet) == before


def test_undo_of_a_type_change_restores_type_and_values(sheet, user):
    rows, col = row_ids(sheet), col_ids(sheet)[0]
    set_cell(sheet, user, rows[0], col, "12")
    services.column_update(
        sheet=sheet, user=user, client_id="", op_id=new_id(), column=col, type="number"
    )
    assert Row.objects.get(pk=rows[0]).values[col] == 12
    answer = undo(sheet, user)
    assert answer["event"]["type"] == "column.updated"
    assert answer["event"]["column"]["type"] == "text"
    assert answer["event"]["values"] == {rows[0]: "12"}
    assert Row.objects.get(pk=rows[0]).values[col] == "12"
    assert sheet.columns.get(pk=col).type == "text"


def test_undo_of_a_rename_someone_renamed_again_is_refused(shared_sheet, user, other_user):
    col = col_ids(shared_sheet)[0]
    services.column_update(
        sheet=shared_sheet, user=user, client_id="", op_id=new_id(), column=col, name="Mine"
    )
    services.column_update(
        sheet=shared_sheet, user=other_user, client_id="", op_id=new_id(), column=col, name="Bob's"
    )
    with pytest.raises(OpError) as exc:
        undo(shared_sheet, user)
    assert "bob" in exc.value.message
    assert shared_sheet.columns.get(pk=col).name == "Bob's"


# --- Through the API


def post(client, url, body):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data, content_type="application/json")


def test_api_undo_and_its_refusals(auth_client, sheet, user):
    url = f"/api/sheets/{sheet.id}/undo"
    answer = post(auth_client, url, {"client_id": "tab-1", "op_id": new_id()})
    assert answer.status_code == 409
    assert answer.json()["error"] == "nothing_to_undo"
    assert answer.json()["message"]

    set_cell(sheet, user, row_ids(sheet)[0], col_ids(sheet)[0], "x")
    answer = post(auth_client, url, {"client_id": "tab-1", "op_id": new_id()})
    assert answer.status_code == 200
    assert answer.json()["event"]["kind"] == "undo"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("{not json", "invalid_json"),
        ("[]", "invalid_json"),
        ({"client_id": "tab-1"}, "missing_field"),
        ({"op_id": "not-a-uuid"}, "invalid_id"),
        ({"op_id": str(uuid.uuid4()), "client_id": 5}, "invalid_client_id"),
        ({"op_id": str(uuid.uuid4()), "base_version": "x"}, "invalid_base_version"),
    ],
)
def test_api_undo_bad_bodies_are_400_and_change_nothing(auth_client, sheet, user, body, error):
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    set_cell(sheet, user, row, col, "x")
    version = Sheet.objects.get(pk=sheet.pk).version
    answer = post(auth_client, f"/api/sheets/{sheet.id}/redo", body)
    assert answer.status_code == 400
    assert answer.json()["error"] == error
    answer = post(auth_client, f"/api/sheets/{sheet.id}/undo", body)
    assert answer.status_code == 400
    assert Sheet.objects.get(pk=sheet.pk).version == version
    assert Row.objects.get(pk=row).values[col] == "x"


def test_api_undo_on_another_users_sheet_is_404(client_for, other_user, foreign_sheet, user):
    answer = post(client_for(user), f"/api/sheets/{foreign_sheet.id}/undo", {"op_id": new_id()})
    assert answer.status_code == 404


def test_pruned_changes_cannot_be_undone(sheet, user, settings):
    import datetime

    from django.utils import timezone

    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    set_cell(sheet, user, row, col, "old")
    settings.CHANGE_LOG_KEEP_COUNT = 0
    services.change_log_prune(now=timezone.now() + datetime.timedelta(days=400))
    with pytest.raises(OpError) as exc:
        undo(sheet, user)
    assert exc.value.error == "nothing_to_undo"

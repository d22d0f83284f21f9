"""The row count stored on the sheet (Sheet.row_count) follows every op that
inserts or deletes rows, their undo, redo and revert, and imports."""

import pytest

from sheets import services
from sheets.io.writer import sheet_import, sheet_import_new
from sheets.models import Change, Sheet
from sheets.services import OpError
from sheets.tests.helpers import col_ids, insert_columns, insert_rows, new_id, row_ids

pytestmark = pytest.mark.django_db


def assert_counted(sheet: Sheet, expected: int) -> None:
    fresh = Sheet.objects.get(pk=sheet.pk)
    assert fresh.rows.count() == expected
    assert fresh.row_count == expected


def undo(sheet, user):
    return services.sheet_undo(sheet=sheet, user=user, client_id="", op_id=new_id())


def redo(sheet, user):
    return services.sheet_redo(sheet=sheet, user=user, client_id="", op_id=new_id())


def delete_rows(sheet, user, ids):
    return services.rows_delete(sheet=sheet, user=user, client_id="", op_id=new_id(), rows=ids)


def test_a_new_sheet_counts_its_starting_rows(sheet):
    assert_counted(sheet, services.DEFAULT_ROWS)


def test_insert_its_undo_and_redo_keep_the_count(sheet, user):
    start = services.DEFAULT_ROWS
    first = row_ids(sheet)[0]
    a, b, c = new_id(), new_id(), new_id()
    insert_rows(sheet, user, [{"id": a, "after": None}, {"id": b, "after": first}])
    insert_rows(sheet, user, [{"id": c, "after": b}])
    assert_counted(sheet, start + 3)
    undo(sheet, user)
    assert_counted(sheet, start + 2)
    redo(sheet, user)
    assert_counted(sheet, start + 3)


def test_delete_its_undo_and_redo_keep_the_count(sheet, user):
    start = services.DEFAULT_ROWS
    ids = row_ids(sheet)
    delete_rows(sheet, user, ids[:3])
    assert_counted(sheet, start - 3)
    undo(sheet, user)
    assert_counted(sheet, start)
    redo(sheet, user)
    assert_counted(sheet, start - 3)


def test_a_delete_of_rows_partly_gone_counts_only_those_deleted(sheet, user):
    ids = row_ids(sheet)
    delete_rows(sheet, user, [ids[0]])
    delete_rows(sheet, user, [ids[0], ids[1]])
    assert_counted(sheet, services.DEFAULT_ROWS - 2)


def test_a_revert_from_history_keeps_the_count(sheet, user, other_user):
    services.sheet_share(sheet=sheet, user=user, who=other_user.username, role="editor")
    new = new_id()
    insert_rows(sheet, user, [{"id": new, "after": None}])
    delete_rows(sheet, other_user, row_ids(sheet)[-2:])
    deleted_seq = Change.objects.filter(sheet=sheet).order_by("-seq").first().seq
    services.change_revert(sheet=sheet, user=user, client_id="", op_id=new_id(), change=1)
    assert_counted(sheet, services.DEFAULT_ROWS - 2)
    services.change_revert(sheet=sheet, user=user, client_id="", op_id=new_id(), change=deleted_seq)
    assert_counted(sheet, services.DEFAULT_ROWS)


def test_cell_and_column_ops_leave_the_count(sheet, user):
    col = col_ids(sheet)[0]
    services.cells_update(
        sheet=sheet,
        user=user,
        client_id="",
        op_id=new_id(),
        changes=[{"row": row_ids(sheet)[0], "col": col, "value": "x"}],
    )
    services.columns_delete(sheet=sheet, user=user, client_id="", op_id=new_id(), columns=[col])
    undo(sheet, user)
    assert_counted(sheet, services.DEFAULT_ROWS)


def test_a_refused_op_leaves_the_count(sheet, user, settings):
    settings.MAX_ROWS_PER_SHEET = services.DEFAULT_ROWS
    with pytest.raises(OpError):
        insert_rows(sheet, user, [{"id": new_id(), "after": None}])
    with pytest.raises(OpError):
        delete_rows(sheet, user, [new_id()])
    assert_counted(sheet, services.DEFAULT_ROWS)


def _file_rows(count: int) -> list[tuple[int, list[str]]]:
    return [(n + 2, [f"r{n}"]) for n in range(count)]


def test_imports_keep_the_count(sheet, user):
    columns = [{"id": col_ids(sheet)[0]}]
    sheet_import(sheet=sheet, user=user, mode="append", columns=columns, rows=_file_rows(7))
    assert_counted(sheet, services.DEFAULT_ROWS + 7)
    sheet_import(sheet=sheet, user=user, mode="replace", columns=columns, rows=_file_rows(4))
    assert_counted(sheet, 4)
    # An import cannot be undone: the count stays with what the import wrote.
    with pytest.raises(OpError):
        undo(sheet, user)
    assert_counted(sheet, 4)


def test_an_import_with_skipped_rows_counts_the_rows_written(sheet, user):
    col = new_id()
    insert_columns(sheet, user, [{"id": col, "name": "N", "type": "number", "after": None}])
    rows = [(2, ["1"]), (3, ["not a number"]), (4, ["3"])]
    sheet_import(
        sheet=sheet, user=user, mode="replace", columns=[{"id": col}], rows=rows, on_error="skip"
    )
    assert_counted(sheet, 2)


def test_a_refused_import_leaves_the_count(sheet, user):
    col = new_id()
    insert_columns(sheet, user, [{"id": col, "name": "N", "type": "number", "after": None}])
    with pytest.raises(OpError):
        sheet_import(
            sheet=sheet, user=user, mode="replace", columns=[{"id": col}], rows=[(2, ["x"])]
        )
    assert_counted(sheet, services.DEFAULT_ROWS)


def test_an_import_into_a_new_sheet_counts_its_rows(user):
    made, _ = sheet_import_new(
        owner=user,
        title="Register",
        columns=[{"name": "Name", "type": "text"}],
        rows=_file_rows(5),
    )
    assert_counted(made, 5)

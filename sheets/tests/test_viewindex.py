"""A sorted view's index (sheets/viewindex.py, PostgreSQL): built when a
view of a big enough sheet first sorts by a column, walked by the view's
query once built, giving the same rows, and dropped with its sheet; and a
view's count, read once per version, follows the sheet's writes."""

import json

import pytest
from django.db import connection, transaction

from sheets import services, viewindex, viewquery, windows
from sheets.tests.helpers import col_ids, new_id, row_ids, update
from sheets.tests.test_windows import read
from sheets.viewspec import parse_view

only_on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the view indexes are PostgreSQL's"
)

NUMBERS = [5, None, -3, 12, "twelve", 0.5, 7, -3, None, 40]


@pytest.fixture
def numbered(typed_sheet, user):
    """The typed sheet's number column holding NUMBERS (a text value and empty cells among them)."""
    rows, cols = row_ids(typed_sheet), col_ids(typed_sheet)
    update(
        typed_sheet,
        user,
        [
            {"row": rows[i], "col": cols[1], "value": v}
            for i, v in enumerate(NUMBERS)
            if v is not None
        ],
    )
    return typed_sheet


def view(sheet, sort=(), filters=()) -> str:
    return json.dumps({"sort": list(sort), "filters": list(filters)})


def block(client, sheet, spec: str, at: int = 0) -> dict:
    return read(client.get(f"/api/sheets/{sheet.id}/rows", {"view": spec, "at": at}))


def explain(sheet, spec: str) -> str:
    """The plan of the view's block query, as a big sheet's block asks it.
    These sheets are small, so a plain sort is off too: the index can serve
    the order only if its expressions are exactly the query's."""
    checked = parse_view(spec, list(sheet.columns.all()))
    rows = viewquery.view_rows(sheet, checked).values_list("id", "order", "values")[:500]
    sql, params = rows.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE sheets_row")  # the planner knows how few rows the sheet has
        windows._prefer_index()
        cursor.execute("SELECT set_config('enable_sort', 'off', true)")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(r[0] for r in cursor.fetchall())


@only_on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_sort_builds_its_index_which_the_view_walks_with_the_same_rows(
    numbered, auth_client, settings
):
    settings.VIEW_INDEX_MIN_ROWS = 1
    number = col_ids(numbered)[1]
    for direction in ("asc", "desc"):
        spec = view(numbered, sort=[{"column": number, "dir": direction}])
        before = block(auth_client, numbered, spec)  # sorted without the index; builds it
        viewindex.settle()
        key = parse_view(spec, list(numbered.columns.all())).sort[0]
        assert viewindex.index_name(numbered.id, key) in viewindex.names(numbered.id)
        assert viewindex.index_name(numbered.id, key) in explain(numbered, spec)
        after = block(auth_client, numbered, spec)
        assert after["rows"] == before["rows"]
    assert len(viewindex.names(numbered.id)) == 2  # one per direction


@only_on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_index_serves_a_filtered_view_and_a_later_sort_key(numbered, auth_client, settings):
    settings.VIEW_INDEX_MIN_ROWS = 1
    number, text = col_ids(numbered)[1], col_ids(numbered)[0]
    block(auth_client, numbered, view(numbered, sort=[{"column": number}]))
    viewindex.settle()
    spec = view(
        numbered,
        sort=[{"column": number}, {"column": text, "dir": "desc"}],
        filters=[{"column": number, "op": ">", "value": 0}],
    )
    index = viewindex.names(numbered.id)[0]
    assert index in explain(numbered, spec)
    answer = block(auth_client, numbered, spec)
    assert [r[3] for r in answer["rows"]] == [0.5, 5, 7, 12, 40]
    assert answer["count"] == 5


@only_on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_indexes_go_with_their_sheet_or_column_type(numbered, auth_client, user, settings):
    settings.VIEW_INDEX_MIN_ROWS = 1
    number, text = col_ids(numbered)[1], col_ids(numbered)[0]
    block(auth_client, numbered, view(numbered, sort=[{"column": number}]))
    viewindex.settle()
    [as_number] = viewindex.names(numbered.id)
    services.column_update(
        sheet=numbered, user=user, client_id="", op_id=new_id(), column=number, type="text"
    )
    block(auth_client, numbered, view(numbered, sort=[{"column": text}]))
    viewindex.settle()
    assert as_number not in viewindex.names(numbered.id)  # its column sorts as text now
    assert len(viewindex.names(numbered.id)) == 1
    services.sheet_delete(sheet=numbered, user=user)
    viewindex.settle()
    assert viewindex.names(numbered.id) == []


@only_on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_small_sheet_gets_no_index(numbered, auth_client):
    block(auth_client, numbered, view(numbered, sort=[{"column": col_ids(numbered)[1]}]))
    viewindex.settle()
    assert viewindex.names(numbered.id) == []


@pytest.mark.django_db
def test_the_count_follows_the_writes(numbered, auth_client, user):
    number = col_ids(numbered)[1]
    spec = view(numbered, filters=[{"column": number, "op": ">", "value": 0}])
    assert block(auth_client, numbered, spec)["count"] == 5
    assert block(auth_client, numbered, spec)["count"] == 5  # from the cache
    update(numbered, user, [{"row": row_ids(numbered)[1], "col": number, "value": 9}])
    answer = block(auth_client, numbered, spec)
    assert answer["count"] == 6
    assert sorted(r[3] for r in answer["rows"]) == [0.5, 5, 7, 9, 12, 40]


@only_on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_indexes_go_when_the_sheet_goes_with_its_owner(numbered, auth_client, user, settings):
    settings.VIEW_INDEX_MIN_ROWS = 1
    block(auth_client, numbered, view(numbered, sort=[{"column": col_ids(numbered)[1]}]))
    viewindex.settle()
    assert len(viewindex.names(numbered.id)) == 1
    user.delete()  # the account goes, and its sheets with it (a cascade, not the delete op)
    viewindex.settle()
    assert viewindex.names(numbered.id) == []

"""Rows through sheets.services: inserts with client-made ids and order keys, deletes."""

import uuid

import pytest

from sheets import services
from sheets.models import Change, Column, Row
from sheets.services import OpError
from sheets.tests.helpers import col_ids, insert_columns, insert_rows, new_id, row_ids, version

pytestmark = pytest.mark.django_db


# --- Rows


def test_row_is_inserted_after_a_row(sheet, user):
    before = row_ids(sheet)
    new = new_id()
    answer = insert_rows(sheet, user, [{"id": new, "after": before[0], "values": {}}])
    assert row_ids(sheet) == [before[0], new, *before[1:]]
    assert answer["event"]["type"] == "rows.inserted"
    position = Row.objects.get(pk=new).order
    assert answer["event"]["rows"] == [
        {"id": new, "after": before[0], "values": {}, "position": position}
    ]
    assert answer["version"] == 1


def test_row_is_inserted_at_the_top_with_after_null(sheet, user):
    before = row_ids(sheet)
    new = new_id()
    insert_rows(sheet, user, [{"id": new, "after": None}])
    assert row_ids(sheet) == [new, *before]


def test_row_is_inserted_at_the_bottom_after_the_last_row(sheet, user):
    before = row_ids(sheet)
    new = new_id()
    insert_rows(sheet, user, [{"id": new, "after": before[-1]}])
    assert row_ids(sheet) == [*before, new]


def test_rows_of_one_op_may_follow_each_other(sheet, user):
    before = row_ids(sheet)
    a, b, c = new_id(), new_id(), new_id()
    answer = insert_rows(
        sheet,
        user,
        [{"id": a, "after": before[2]}, {"id": b, "after": a}, {"id": c, "after": b}],
    )
    assert row_ids(sheet) == [*before[:3], a, b, c, *before[3:]]
    assert answer["version"] == 1
    assert Change.objects.filter(sheet=sheet).count() == 1


def test_inserting_a_row_writes_only_that_row(sheet, user):
    orders = dict(sheet.rows.values_list("id", "order"))
    insert_rows(sheet, user, [{"id": new_id(), "after": row_ids(sheet)[5]}])
    assert dict(sheet.rows.filter(id__in=orders).values_list("id", "order")) == orders


def test_many_inserts_at_one_spot_keep_their_order(sheet, user, monkeypatch):
    """Halving the gap between two neighbours runs out of float precision after
    about 50 inserts; the order must survive that (the rows get renumbered)."""
    renumbered = []
    renumber = services.rows._renumber_rows
    monkeypatch.setattr(
        services.rows, "_renumber_rows", lambda locked: renumbered.append(1) or renumber(locked)
    )
    before = row_ids(sheet)
    anchor = before[0]
    inserted = []
    for _ in range(70):
        new = new_id()
        insert_rows(sheet, user, [{"id": new, "after": anchor}])
        inserted.append(new)
    # Each new row went right after the anchor, so they read newest first.
    assert row_ids(sheet) == [anchor, *reversed(inserted), *before[1:]]
    orders = list(sheet.rows.order_by("order").values_list("order", flat=True))
    assert len(set(orders)) == len(orders)
    assert renumbered, "the precision limit was never reached"


def test_many_chained_inserts_in_one_op_keep_their_order(sheet, user):
    before = row_ids(sheet)
    ids = [new_id() for _ in range(70)]
    rows = [{"id": ids[0], "after": before[0]}] + [
        {"id": ids[i], "after": before[0]} for i in range(1, 70)
    ]
    insert_rows(sheet, user, rows)
    assert row_ids(sheet) == [before[0], *reversed(ids), *before[1:]]


def test_inserted_row_values_are_validated_per_cell(typed_sheet, user):
    text, number = col_ids(typed_sheet)[:2]
    new = new_id()
    answer = insert_rows(
        typed_sheet, user, [{"id": new, "after": None, "values": {text: "a", number: "x"}}]
    )
    assert answer["event"]["rows"][0]["values"] == {text: "a"}
    assert [e["error"] for e in answer["errors"]] == ["not_a_number"]
    assert Row.objects.get(pk=new).values == {text: "a"}


@pytest.mark.parametrize(
    "rows",
    [
        [{"id": "not-a-uuid", "after": None}],
        [{"id": 12, "after": None}],
        [{"after": None}],
        [{"id": str(uuid.uuid4()), "after": "zzz"}],
        [{"id": str(uuid.uuid4()), "values": {"not-a-uuid": 1}}],
        [{"id": str(uuid.uuid4()), "values": ["a"]}],
        [],
        "rows",
    ],
)
def test_malformed_row_insert_is_400(sheet, user, rows):
    with pytest.raises(OpError) as info:
        insert_rows(sheet, user, rows)
    assert info.value.status == 400
    assert sheet.rows.count() == services.DEFAULT_ROWS


def test_row_id_already_taken_is_409(sheet, make_sheet, user):
    taken = row_ids(make_sheet(title="Other"))[0]
    with pytest.raises(OpError) as info:
        insert_rows(sheet, user, [{"id": taken, "after": None}])
    assert (info.value.status, info.value.error) == (409, "id_taken")
    assert version(sheet) == 0


def test_same_new_row_id_twice_in_one_op_is_409(sheet, user):
    twice = new_id()
    with pytest.raises(OpError) as info:
        insert_rows(sheet, user, [{"id": twice, "after": None}, {"id": twice, "after": None}])
    assert (info.value.status, info.value.error) == (409, "duplicate_id")
    assert not Row.objects.filter(pk=twice).exists()


def test_sheet_row_limit_is_enforced(sheet, user, settings):
    settings.MAX_ROWS_PER_SHEET = services.DEFAULT_ROWS + 1
    insert_rows(sheet, user, [{"id": new_id(), "after": None}])
    extra = new_id()
    with pytest.raises(OpError) as info:
        insert_rows(sheet, user, [{"id": extra, "after": None}])
    assert info.value.error == "too_many_rows"
    assert not Row.objects.filter(pk=extra).exists()
    assert version(sheet) == 1


def test_sheet_column_limit_is_enforced(sheet, user, settings):
    settings.MAX_COLUMNS_PER_SHEET = len(services.DEFAULT_COLUMNS)
    extra = new_id()
    with pytest.raises(OpError) as info:
        insert_columns(sheet, user, [{"id": extra, "name": "F"}])
    assert info.value.error == "too_many_columns"
    assert not Column.objects.filter(pk=extra).exists()


def test_failed_insert_midway_writes_nothing(sheet, user, sent, django_capture_on_commit_callbacks):
    first, second = new_id(), new_id()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(OpError) as info:
            insert_rows(
                sheet,
                user,
                [{"id": first, "after": None}, {"id": second, "after": new_id()}],
            )
    assert (info.value.status, info.value.error) == (409, "row_not_found")
    assert not Row.objects.filter(pk__in=[first, second]).exists()
    assert sheet.rows.count() == services.DEFAULT_ROWS
    assert version(sheet) == 0
    assert not Change.objects.filter(sheet=sheet).exists()
    assert callbacks == []
    assert sent == []


def test_rows_are_deleted(sheet, user):
    before = row_ids(sheet)
    answer = services.rows_delete(
        sheet=sheet, user=user, client_id="t", op_id=new_id(), rows=before[:2]
    )
    assert row_ids(sheet) == before[2:]
    assert answer["event"]["type"] == "rows.deleted"
    assert sorted(answer["event"]["rows"]) == sorted(before[:2])
    assert answer["version"] == 1


def test_deleting_rows_lists_only_those_that_existed(sheet, user):
    keep = row_ids(sheet)
    gone = new_id()
    answer = services.rows_delete(
        sheet=sheet, user=user, client_id="t", op_id=new_id(), rows=[keep[0], gone]
    )
    assert answer["event"]["rows"] == [keep[0]]


def test_deleting_only_missing_rows_is_409(sheet, user):
    with pytest.raises(OpError) as info:
        services.rows_delete(sheet=sheet, user=user, client_id="t", op_id=new_id(), rows=[new_id()])
    assert info.value.status == 409
    assert version(sheet) == 0


def test_rows_of_another_sheet_are_not_deleted(sheet, make_sheet, user):
    other = make_sheet(title="Other")
    foreign = row_ids(other)[0]
    with pytest.raises(OpError):
        services.rows_delete(sheet=sheet, user=user, client_id="t", op_id=new_id(), rows=[foreign])
    assert Row.objects.filter(pk=foreign).exists()


# --- Positions in row events (for tabs holding only some rows: row windows)


def test_row_events_carry_each_rows_position(sheet, user):
    ids = row_ids(sheet)
    a, b = new_id(), new_id()
    answer = insert_rows(sheet, user, [{"id": a, "after": ids[3]}, {"id": b, "after": a}])
    stored = dict(Row.objects.filter(pk__in=[a, b]).values_list("id", "order"))
    assert [r["position"] for r in answer["event"]["rows"]] == [
        stored[uuid.UUID(a)],
        stored[uuid.UUID(b)],
    ]
    assert "renumbered" not in answer["event"]
    gone = {str(i): o for i, o in Row.objects.filter(pk__in=ids[:2]).values_list("id", "order")}
    deleted = services.rows_delete(
        sheet=sheet, user=user, client_id="", op_id=new_id(), rows=ids[:2]
    )["event"]
    assert dict(zip(deleted["rows"], deleted["positions"], strict=True)) == gone


def test_an_insert_that_renumbers_the_rows_says_so(sheet, user):
    first = row_ids(sheet)[0]
    answer = None
    for _ in range(80):  # each new row halves the gap after `first`, until floats run out
        answer = insert_rows(sheet, user, [{"id": new_id(), "after": first}])
        if answer["event"].get("renumbered"):
            break
    assert answer["event"].get("renumbered") is True
    row = answer["event"]["rows"][0]
    assert row["position"] == Row.objects.get(pk=row["id"]).order
    orders = list(sheet.rows.order_by("order").values_list("order", flat=True))
    assert len(set(orders)) == len(orders)

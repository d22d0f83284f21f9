"""Every sheet write goes through sheets.services: validation, ids, order, the
change log, idempotent retries, permission, rollback and broadcast-after-commit."""

import uuid

import pytest

from sheets import realtime, selectors, services
from sheets.models import Change, Column, Row, Sheet
from sheets.services import OpError
from sheets.tests.helpers import col_ids, new_id, row_ids

pytestmark = pytest.mark.django_db


def cell(sheet: Sheet, row: str, col: str):
    return Row.objects.get(pk=row).values.get(col)


def version(sheet: Sheet) -> int:
    return Sheet.objects.get(pk=sheet.pk).version


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, dict]]:
    """Every group message the services hand to the channel layer."""
    messages: list[tuple[str, dict]] = []

    def record(group, event, close_code=None, **extra):
        messages.append((group, {"event": event, "close_code": close_code, **extra}))

    monkeypatch.setattr(realtime, "_group_send", record)
    return messages


@pytest.fixture
def typed_sheet(sheet, user):
    """The default sheet with its first four columns typed text, number, date, checkbox."""
    cols = col_ids(sheet)
    for col, column_type in zip(cols, ["text", "number", "date", "checkbox"], strict=False):
        services.column_update(
            sheet=sheet, user=user, client_id="", op_id=new_id(), column=col, type=column_type
        )
    return sheet


def update(sheet, user, changes, op_id=None, client_id="tab-1"):
    return services.cells_update(
        sheet=sheet, user=user, client_id=client_id, op_id=op_id or new_id(), changes=changes
    )


def insert_rows(sheet, user, rows, op_id=None):
    return services.rows_insert(
        sheet=sheet, user=user, client_id="tab-1", op_id=op_id or new_id(), rows=rows
    )


# --- Creating sheets


def test_new_sheet_has_text_columns_and_empty_rows(user):
    sheet = services.sheet_create(owner=user, title="  Budget  ")
    assert sheet.title == "Budget"
    assert sheet.version == 0
    assert list(sheet.columns.values_list("name", "type")) == [
        (name, "text") for name in services.DEFAULT_COLUMNS
    ]
    assert sheet.rows.count() == services.DEFAULT_ROWS
    assert not Change.objects.filter(sheet=sheet).exists()


@pytest.mark.parametrize("title", ["", "   ", None, "x" * 201])
def test_sheet_needs_a_sensible_title(user, title):
    with pytest.raises(OpError) as info:
        services.sheet_create(owner=user, title=title)
    assert info.value.error == "invalid_title"
    assert not Sheet.objects.exists()


# --- Cells: values per column type


@pytest.mark.parametrize(
    ("column", "raw", "committed"),
    [
        (0, "hello", "hello"),
        (0, 42, "42"),
        (0, "=1+1", "=1+1"),
        (1, "12", 12),
        (1, 2.5, 2.5),
        (1, "-1.5e3", -1500),
        (2, "2024-02-29", "2024-02-29"),
        (3, True, True),
        (3, "no", False),
    ],
)
def test_valid_value_is_committed_in_its_stored_form(typed_sheet, user, column, raw, committed):
    row = row_ids(typed_sheet)[0]
    col = col_ids(typed_sheet)[column]
    answer = update(typed_sheet, user, [{"row": row, "col": col, "value": raw}])
    assert answer["applied"] is True
    assert answer["errors"] == []
    assert answer["event"]["changes"] == [{"row": row, "col": col, "value": committed}]
    stored = cell(typed_sheet, row, col)
    assert stored == committed
    assert type(stored) is type(committed)


@pytest.mark.parametrize(
    ("column", "raw", "error"),
    [
        (0, "a\x00b", "invalid_text"),
        (0, "x" * 10_001, "too_long"),
        (1, "abc", "not_a_number"),
        (1, True, "not_a_number"),
        (1, float("nan"), "not_a_number"),
        (1, float("inf"), "not_a_number"),
        (2, "2023-02-29", "not_a_date"),
        (3, "maybe", "not_a_checkbox"),
    ],
)
def test_invalid_value_is_refused_and_nothing_changes(typed_sheet, user, column, raw, error):
    row = row_ids(typed_sheet)[0]
    col = col_ids(typed_sheet)[column]
    before = version(typed_sheet)
    answer = update(typed_sheet, user, [{"row": row, "col": col, "value": raw}])
    assert answer["applied"] is False
    assert answer["event"] is None
    assert answer["version"] == before
    assert [e["error"] for e in answer["errors"]] == [error]
    assert answer["errors"][0]["row"] == row
    assert answer["errors"][0]["col"] == col
    assert answer["errors"][0]["message"]
    assert cell(typed_sheet, row, col) is None
    assert version(typed_sheet) == before
    assert Change.objects.filter(sheet=typed_sheet).count() == before


def test_valid_cells_are_applied_and_invalid_ones_reported(typed_sheet, user):
    row = row_ids(typed_sheet)[0]
    text, number = col_ids(typed_sheet)[:2]
    before = version(typed_sheet)
    answer = update(
        typed_sheet,
        user,
        [{"row": row, "col": text, "value": "ok"}, {"row": row, "col": number, "value": "x"}],
    )
    assert answer["applied"] is True
    assert answer["version"] == before + 1
    assert answer["event"]["changes"] == [{"row": row, "col": text, "value": "ok"}]
    assert [(e["col"], e["error"]) for e in answer["errors"]] == [(number, "not_a_number")]
    assert cell(typed_sheet, row, text) == "ok"
    assert cell(typed_sheet, row, number) is None


@pytest.mark.parametrize("empty", [None, ""])
def test_null_or_empty_string_clears_a_cell(sheet, user, empty):
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    update(sheet, user, [{"row": row, "col": col, "value": "x"}])
    answer = update(sheet, user, [{"row": row, "col": col, "value": empty}])
    assert answer["event"]["changes"] == [{"row": row, "col": col, "value": None}]
    assert col not in Row.objects.get(pk=row).values


def test_unknown_row_or_column_is_a_per_cell_error(sheet, user):
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    ghost_row, ghost_col = new_id(), new_id()
    answer = update(
        sheet,
        user,
        [
            {"row": ghost_row, "col": col, "value": "a"},
            {"row": row, "col": ghost_col, "value": "b"},
            {"row": row, "col": col, "value": "c"},
        ],
    )
    assert answer["applied"] is True
    assert sorted(e["error"] for e in answer["errors"]) == ["column_not_found", "row_not_found"]
    assert answer["event"]["changes"] == [{"row": row, "col": col, "value": "c"}]


def test_row_of_another_sheet_is_not_written(sheet, make_sheet, user):
    other = make_sheet(title="Other")
    foreign_row = row_ids(other)[0]
    answer = update(sheet, user, [{"row": foreign_row, "col": col_ids(sheet)[0], "value": "x"}])
    assert answer["applied"] is False
    assert answer["errors"][0]["error"] == "row_not_found"
    assert Row.objects.get(pk=foreign_row).values == {}


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ([], "invalid_changes"),
        ("not a list", "invalid_changes"),
        ({"row": "x"}, "invalid_changes"),
        (["not an object"], "invalid_change"),
        ([{"row": "r", "col": "c"}], "invalid_change"),
        ([{"row": "nope", "col": "nope", "value": 1}], "invalid_id"),
        ([{"row": 5, "col": 6, "value": 1}], "invalid_id"),
    ],
)
def test_malformed_changes_are_refused_with_400(sheet, user, changes, error):
    with pytest.raises(OpError) as info:
        update(sheet, user, changes)
    assert (info.value.status, info.value.error) == (400, error)
    assert version(sheet) == 0


@pytest.mark.parametrize("value", [{"a": 1}, [1, 2]])
def test_value_must_be_a_scalar(sheet, user, value):
    change = {"row": row_ids(sheet)[0], "col": col_ids(sheet)[0], "value": value}
    with pytest.raises(OpError) as info:
        update(sheet, user, [change])
    assert (info.value.status, info.value.error) == (400, "invalid_change")


def test_too_many_changes_in_one_op_is_413(sheet, user, settings):
    settings.MAX_CHANGES_PER_OP = 3
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    with pytest.raises(OpError) as info:
        update(sheet, user, [{"row": row, "col": col, "value": str(i)} for i in range(4)])
    assert info.value.status == 413
    assert version(sheet) == 0


@pytest.mark.parametrize("client_id", [5, None, "x" * 65])
def test_client_id_must_be_a_short_string(sheet, user, client_id):
    change = {"row": row_ids(sheet)[0], "col": col_ids(sheet)[0], "value": "x"}
    with pytest.raises(OpError) as info:
        update(sheet, user, [change], client_id=client_id)
    assert (info.value.status, info.value.error) == (400, "invalid_client_id")


def test_malformed_op_id_is_400(sheet, user):
    change = {"row": row_ids(sheet)[0], "col": col_ids(sheet)[0], "value": "x"}
    with pytest.raises(OpError) as info:
        update(sheet, user, [change], op_id="not-a-uuid")
    assert (info.value.status, info.value.error) == (400, "invalid_id")


# --- Versions, the change log and idempotent retries


def test_each_op_bumps_version_and_appends_to_change_log(sheet, user):
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    answers = [update(sheet, user, [{"row": row, "col": col, "value": str(i)}]) for i in range(3)]
    assert [a["version"] for a in answers] == [1, 2, 3]
    assert [a["event"]["seq"] for a in answers] == [1, 2, 3]
    assert version(sheet) == 3
    log = list(Change.objects.filter(sheet=sheet).order_by("seq"))
    assert [c.seq for c in log] == [1, 2, 3]
    assert [c.payload for c in log] == [a["event"] for a in answers]
    assert all(c.user_id == user.id and c.client_id == "tab-1" for c in log)


def test_event_describes_the_op(sheet, user):
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    op_id = new_id()
    event = update(sheet, user, [{"row": row, "col": col, "value": "v"}], op_id=op_id)["event"]
    assert event == {
        "type": "cells.changed",
        "sheet_id": sheet.id,
        "seq": 1,
        "op_id": op_id,
        "broadcaster_id": "tab-1",
        "user": realtime.user_info(user),
        "changes": [{"row": row, "col": col, "value": "v"}],
    }


def test_same_op_twice_is_applied_once_and_answered_again(sheet, user):
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    op_id = new_id()
    changes = [{"row": row, "col": col, "value": "first"}]
    first = update(sheet, user, changes, op_id=op_id)
    again = update(sheet, user, changes, op_id=op_id)
    assert again.pop("replayed") is True
    assert "replayed" not in first
    assert again == first
    assert version(sheet) == 1
    assert Change.objects.filter(sheet=sheet).count() == 1


def test_replayed_op_does_not_overwrite_later_edits(sheet, user):
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    op_id = new_id()
    update(sheet, user, [{"row": row, "col": col, "value": "old"}], op_id=op_id)
    update(sheet, user, [{"row": row, "col": col, "value": "new"}])
    again = update(sheet, user, [{"row": row, "col": col, "value": "old"}], op_id=op_id)
    assert again["replayed"] is True
    assert again["version"] == 1
    assert cell(sheet, row, col) == "new"
    assert version(sheet) == 2


def test_replayed_op_broadcasts_nothing(sheet, user, sent, django_capture_on_commit_callbacks):
    change = [{"row": row_ids(sheet)[0], "col": col_ids(sheet)[0], "value": "x"}]
    op_id = new_id()
    with django_capture_on_commit_callbacks(execute=True):
        update(sheet, user, change, op_id=op_id)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        update(sheet, user, change, op_id=op_id)
    assert callbacks == []
    assert len(sent) == 1


def test_same_op_id_on_another_sheet_is_a_different_op(sheet, make_sheet, user):
    other = make_sheet(title="Other")
    op_id = new_id()
    update(sheet, user, [{"row": row_ids(sheet)[0], "col": col_ids(sheet)[0], "value": "a"}], op_id)
    answer = update(
        other, user, [{"row": row_ids(other)[0], "col": col_ids(other)[0], "value": "b"}], op_id
    )
    assert "replayed" not in answer
    assert version(other) == 1


def test_all_invalid_op_can_be_retried(typed_sheet, user):
    row, number = row_ids(typed_sheet)[0], col_ids(typed_sheet)[1]
    op_id = new_id()
    refused = update(typed_sheet, user, [{"row": row, "col": number, "value": "x"}], op_id)
    assert refused["applied"] is False
    answer = update(typed_sheet, user, [{"row": row, "col": number, "value": "1"}], op_id)
    assert answer["applied"] is True


# --- Permission


def test_another_user_gets_not_found_and_writes_nothing(sheet, other_user):
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    with pytest.raises(OpError) as info:
        update(sheet, other_user, [{"row": row, "col": col, "value": "x"}])
    assert (info.value.status, info.value.error) == (404, "not_found")
    assert cell(sheet, row, col) is None
    assert version(sheet) == 0


def test_another_user_cannot_replay_the_owners_op(sheet, user, other_user):
    change = [{"row": row_ids(sheet)[0], "col": col_ids(sheet)[0], "value": "x"}]
    op_id = new_id()
    update(sheet, user, change, op_id=op_id)
    with pytest.raises(OpError) as info:
        update(sheet, other_user, change, op_id=op_id)
    assert info.value.status == 404


@pytest.mark.parametrize(
    "call",
    [
        lambda s, u: services.rows_insert(
            sheet=s, user=u, client_id="", op_id=new_id(), rows=[{"id": new_id(), "after": None}]
        ),
        lambda s, u: services.rows_delete(
            sheet=s, user=u, client_id="", op_id=new_id(), rows=row_ids(s)[:1]
        ),
        lambda s, u: services.columns_insert(
            sheet=s,
            user=u,
            client_id="",
            op_id=new_id(),
            columns=[{"id": new_id(), "name": "N", "type": "text", "after": None}],
        ),
        lambda s, u: services.columns_delete(
            sheet=s, user=u, client_id="", op_id=new_id(), columns=col_ids(s)[:1]
        ),
        lambda s, u: services.column_update(
            sheet=s, user=u, client_id="", op_id=new_id(), column=col_ids(s)[0], name="N"
        ),
        lambda s, u: services.sheet_rename(sheet=s, user=u, title="Mine now"),
        lambda s, u: services.sheet_delete(sheet=s, user=u),
    ],
    ids=[
        "rows_insert",
        "rows_delete",
        "columns_insert",
        "columns_delete",
        "column_update",
        "sheet_rename",
        "sheet_delete",
    ],
)
def test_only_the_owner_may_write(sheet, other_user, call):
    rows, cols = sheet.rows.count(), sheet.columns.count()
    with pytest.raises(OpError) as info:
        call(sheet, other_user)
    assert info.value.status == 404
    sheet.refresh_from_db()
    assert (sheet.title, sheet.version) == ("Budget", 0)
    assert (sheet.rows.count(), sheet.columns.count()) == (rows, cols)


def test_op_on_a_deleted_sheet_is_not_found(sheet, user):
    stale = Sheet.objects.get(pk=sheet.pk)
    services.sheet_delete(sheet=sheet, user=user)
    with pytest.raises(OpError) as info:
        services.sheet_rename(sheet=stale, user=user, title="Back")
    assert info.value.status == 404


# --- Rows


def test_row_is_inserted_after_a_row(sheet, user):
    before = row_ids(sheet)
    new = new_id()
    answer = insert_rows(sheet, user, [{"id": new, "after": before[0], "values": {}}])
    assert row_ids(sheet) == [before[0], new, *before[1:]]
    assert answer["event"]["type"] == "rows.inserted"
    assert answer["event"]["rows"] == [{"id": new, "after": before[0], "values": {}}]
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
        services.columns_insert(
            sheet=sheet,
            user=user,
            client_id="t",
            op_id=new_id(),
            columns=[{"id": extra, "name": "F"}],
        )
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


# --- Columns


def test_column_is_inserted_at_the_left_or_after_a_column(sheet, user):
    before = col_ids(sheet)
    left, middle = new_id(), new_id()
    answer = services.columns_insert(
        sheet=sheet,
        user=user,
        client_id="t",
        op_id=new_id(),
        columns=[
            {"id": left, "name": "First", "type": "number", "after": None},
            {"id": middle, "name": "Mid", "type": "date", "after": before[1]},
        ],
    )
    assert col_ids(sheet) == [left, before[0], before[1], middle, *before[2:]]
    assert answer["event"]["type"] == "columns.inserted"
    assert answer["event"]["columns"] == [
        {"id": left, "after": None, "name": "First", "type": "number"},
        {"id": middle, "after": before[1], "name": "Mid", "type": "date"},
    ]
    assert Column.objects.get(pk=middle).type == "date"


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({"id": "bad", "name": "N"}, "invalid_id"),
        ({"id": str(uuid.uuid4()), "name": ""}, "invalid_name"),
        ({"id": str(uuid.uuid4()), "name": "x" * 101}, "invalid_name"),
        ({"id": str(uuid.uuid4()), "name": "N", "type": "formula"}, "invalid_type"),
    ],
)
def test_malformed_column_insert_is_400(sheet, user, spec, error):
    with pytest.raises(OpError) as info:
        services.columns_insert(
            sheet=sheet, user=user, client_id="t", op_id=new_id(), columns=[spec]
        )
    assert (info.value.status, info.value.error) == (400, error)


def test_column_id_taken_or_repeated_is_409(sheet, user):
    taken = col_ids(sheet)[0]
    with pytest.raises(OpError) as info:
        services.columns_insert(
            sheet=sheet,
            user=user,
            client_id="t",
            op_id=new_id(),
            columns=[{"id": taken, "name": "N"}],
        )
    assert (info.value.status, info.value.error) == (409, "id_taken")
    twice = new_id()
    with pytest.raises(OpError) as info:
        services.columns_insert(
            sheet=sheet,
            user=user,
            client_id="t",
            op_id=new_id(),
            columns=[{"id": twice, "name": "N"}, {"id": twice, "name": "M"}],
        )
    assert (info.value.status, info.value.error) == (409, "duplicate_id")


def test_column_insert_after_a_missing_column_is_409_and_writes_nothing(sheet, user):
    first = new_id()
    with pytest.raises(OpError) as info:
        services.columns_insert(
            sheet=sheet,
            user=user,
            client_id="t",
            op_id=new_id(),
            columns=[{"id": first, "name": "A"}, {"id": new_id(), "name": "B", "after": new_id()}],
        )
    assert info.value.status == 409
    assert not Column.objects.filter(pk=first).exists()
    assert version(sheet) == 0


def test_deleting_a_column_strips_its_values(sheet, user):
    row = row_ids(sheet)[0]
    a, b = col_ids(sheet)[:2]
    update(
        sheet, user, [{"row": row, "col": a, "value": "x"}, {"row": row, "col": b, "value": "y"}]
    )
    answer = services.columns_delete(
        sheet=sheet, user=user, client_id="t", op_id=new_id(), columns=[a]
    )
    assert answer["event"]["columns"] == [a]
    assert a not in col_ids(sheet)
    assert Row.objects.get(pk=row).values == {b: "y"}
    snapshot = selectors.sheet_snapshot(sheet=sheet)
    assert snapshot["rows"][0]["values"] == {b: "y"}


def test_deleting_only_missing_columns_is_409(sheet, user):
    with pytest.raises(OpError) as info:
        services.columns_delete(
            sheet=sheet, user=user, client_id="t", op_id=new_id(), columns=[new_id()]
        )
    assert info.value.status == 409


def test_column_is_renamed(sheet, user):
    col = col_ids(sheet)[0]
    answer = services.column_update(
        sheet=sheet, user=user, client_id="t", op_id=new_id(), column=col, name="  Item "
    )
    assert Column.objects.get(pk=col).name == "Item"
    assert answer["event"]["type"] == "column.updated"
    assert answer["event"]["column"] == {"id": col, "name": "Item", "type": "text"}
    assert answer["event"]["values"] == {}


def test_column_update_needs_a_name_or_a_type(sheet, user):
    with pytest.raises(OpError) as info:
        services.column_update(
            sheet=sheet, user=user, client_id="t", op_id=new_id(), column=col_ids(sheet)[0]
        )
    assert info.value.status == 400


def test_update_of_a_missing_column_is_409(sheet, user):
    with pytest.raises(OpError) as info:
        services.column_update(
            sheet=sheet, user=user, client_id="t", op_id=new_id(), column=new_id(), name="N"
        )
    assert info.value.status == 409


def test_type_change_converts_every_value(sheet, user):
    rows = row_ids(sheet)
    col = col_ids(sheet)[0]
    update(
        sheet,
        user,
        [
            {"row": rows[0], "col": col, "value": "12"},
            {"row": rows[1], "col": col, "value": " 2.5 "},
            {"row": rows[2], "col": col, "value": "   "},
        ],
    )
    answer = services.column_update(
        sheet=sheet, user=user, client_id="t", op_id=new_id(), column=col, type="number"
    )
    assert answer["event"]["column"]["type"] == "number"
    assert answer["event"]["values"] == {rows[0]: 12, rows[1]: 2.5, rows[2]: None}
    assert cell(sheet, rows[0], col) == 12
    assert cell(sheet, rows[1], col) == 2.5
    assert col not in Row.objects.get(pk=rows[2]).values
    assert Column.objects.get(pk=col).type == "number"


def test_type_change_that_does_not_convert_is_422_and_changes_nothing(sheet, user):
    rows = row_ids(sheet)
    col = col_ids(sheet)[0]
    update(
        sheet,
        user,
        [
            {"row": rows[0], "col": col, "value": "12"},
            {"row": rows[1], "col": col, "value": "abc"},
            {"row": rows[2], "col": col, "value": "x1"},
        ],
    )
    before = version(sheet)
    with pytest.raises(OpError) as info:
        services.column_update(
            sheet=sheet,
            user=user,
            client_id="t",
            op_id=new_id(),
            column=col,
            type="number",
            name="N",
        )
    error = info.value
    assert (error.status, error.error) == (422, "not_convertible")
    details = error.as_dict()
    assert details["count"] == 2
    assert sorted((v["row"], v["value"]) for v in details["values"]) == sorted(
        [(rows[1], "abc"), (rows[2], "x1")]
    )
    assert all(v["message"] for v in details["values"])
    column = Column.objects.get(pk=col)
    assert (column.type, column.name) == ("text", "A")
    assert cell(sheet, rows[0], col) == "12"
    assert version(sheet) == before


def test_not_convertible_lists_at_most_100_values(sheet, user):
    col = col_ids(sheet)[0]
    rows = [new_id() for _ in range(120)]
    insert_rows(sheet, user, [{"id": r, "after": None, "values": {col: "abc"}} for r in rows])
    with pytest.raises(OpError) as info:
        services.column_update(
            sheet=sheet, user=user, client_id="t", op_id=new_id(), column=col, type="date"
        )
    details = info.value.as_dict()
    assert details["count"] == 120
    assert len(details["values"]) == 100


# --- Sheet rename and delete


def test_sheet_is_renamed_through_the_log(sheet, user):
    answer = services.sheet_rename(
        sheet=sheet, user=user, title=" Plan ", client_id="t", op_id=new_id()
    )
    assert Sheet.objects.get(pk=sheet.pk).title == "Plan"
    assert answer["event"]["type"] == "sheet.renamed"
    assert answer["event"]["title"] == "Plan"
    assert answer["version"] == 1


@pytest.mark.parametrize("title", ["", "  ", None, 5, "x" * 201])
def test_rename_needs_a_sensible_title(sheet, user, title):
    with pytest.raises(OpError) as info:
        services.sheet_rename(sheet=sheet, user=user, title=title)
    assert info.value.error == "invalid_title"
    assert Sheet.objects.get(pk=sheet.pk).title == "Budget"


def test_sheet_delete_removes_everything_and_broadcasts_after_commit(
    sheet, user, sent, django_capture_on_commit_callbacks
):
    update(sheet, user, [{"row": row_ids(sheet)[0], "col": col_ids(sheet)[0], "value": "x"}])
    sheet_id = sheet.id
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.sheet_delete(sheet=sheet, user=user)
    assert sent == []
    for callback in callbacks:
        callback()
    assert not Sheet.objects.filter(pk=sheet_id).exists()
    assert not Row.objects.filter(sheet_id=sheet_id).exists()
    assert not Column.objects.filter(sheet_id=sheet_id).exists()
    assert not Change.objects.filter(sheet_id=sheet_id).exists()
    assert len(sent) == 1
    group, message = sent[0]
    assert group == realtime.sheet_group(sheet_id)
    assert message["event"]["type"] == "sheet.deleted"
    assert message["event"]["sheet_id"] == sheet_id
    assert message["close_code"] == realtime.CLOSE_NOT_FOUND


# --- Broadcast after commit


def test_event_is_broadcast_only_after_commit(
    sheet, user, sent, django_capture_on_commit_callbacks
):
    change = [{"row": row_ids(sheet)[0], "col": col_ids(sheet)[0], "value": "x"}]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = update(sheet, user, change)
    assert sent == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert sent == [
        (realtime.sheet_group(sheet.id), {"event": answer["event"], "close_code": None})
    ]


def test_all_invalid_op_broadcasts_nothing(
    typed_sheet, user, sent, django_capture_on_commit_callbacks
):
    change = [{"row": row_ids(typed_sheet)[0], "col": col_ids(typed_sheet)[1], "value": "x"}]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        update(typed_sheet, user, change)
    assert callbacks == []
    assert sent == []


def test_big_event_is_announced_instead_of_sent(
    sheet, user, sent, settings, django_capture_on_commit_callbacks
):
    settings.EVENT_MAX_BYTES = 300
    change = [{"row": row_ids(sheet)[0], "col": col_ids(sheet)[0], "value": "y" * 400}]
    with django_capture_on_commit_callbacks(execute=True):
        answer = update(sheet, user, change)
    assert sent == [
        (
            realtime.sheet_group(sheet.id),
            {
                "event": {
                    "type": "changes.available",
                    "sheet_id": sheet.id,
                    "seq": answer["version"],
                },
                "close_code": None,
            },
        )
    ]


# --- Catch-up


def _three_ops(sheet, user) -> list[dict]:
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    return [
        update(sheet, user, [{"row": row, "col": col, "value": str(i)}])["event"] for i in range(3)
    ]


def test_changes_since_returns_later_events_in_order(sheet, user):
    events = _three_ops(sheet, user)
    assert selectors.changes_since(sheet=sheet, since=1) == {
        "version": 3,
        "reload": False,
        "changes": events[1:],
    }
    assert selectors.changes_since(sheet=sheet, since=0)["changes"] == events


@pytest.mark.parametrize("since", [3, 4, 10_000])
def test_changes_since_the_current_version_or_beyond_is_empty(sheet, user, since):
    _three_ops(sheet, user)
    assert selectors.changes_since(sheet=sheet, since=since) == {
        "version": 3,
        "reload": False,
        "changes": [],
    }


def test_changes_since_before_the_kept_log_asks_for_reload(sheet, user):
    _three_ops(sheet, user)
    Change.objects.filter(sheet=sheet, seq__lte=1).delete()  # the log was pruned
    Sheet.objects.filter(pk=sheet.pk).update(log_floor=1)
    assert selectors.changes_since(sheet=sheet, since=0) == {
        "version": 3,
        "reload": True,
        "changes": [],
    }
    assert selectors.changes_since(sheet=sheet, since=1)["reload"] is False


def test_too_many_changes_since_asks_for_reload(sheet, user, settings):
    settings.CATCHUP_MAX_CHANGES = 2
    _three_ops(sheet, user)
    assert selectors.changes_since(sheet=sheet, since=0)["reload"] is True
    assert len(selectors.changes_since(sheet=sheet, since=1)["changes"]) == 2


def test_snapshot_lists_columns_and_rows_in_order(typed_sheet, user):
    rows, cols = row_ids(typed_sheet), col_ids(typed_sheet)
    update(typed_sheet, user, [{"row": rows[1], "col": cols[1], "value": "7"}])
    snapshot = selectors.sheet_snapshot(sheet=typed_sheet)
    assert snapshot["id"] == typed_sheet.id
    assert snapshot["version"] == version(typed_sheet)
    assert [c["id"] for c in snapshot["columns"]] == cols
    assert [c["type"] for c in snapshot["columns"][:4]] == ["text", "number", "date", "checkbox"]
    assert [r["id"] for r in snapshot["rows"]] == rows
    assert snapshot["rows"][0]["values"] == {}
    assert snapshot["rows"][1]["values"] == {cols[1]: 7}

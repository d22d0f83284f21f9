"""Every sheet write goes through sheets.services: creation, the change log
and idempotent retries, permission, rename and delete, broadcast-after-commit
and catch-up. Cells, rows and columns have test modules of their own."""

import threading
import uuid

import pytest
from django.db import connection

from accounts import realtime as users_wire
from accounts.selectors import user_info
from sheets import realtime, selectors, services
from sheets.models import Change, Column, Row, Sheet
from sheets.services import OpError
from sheets.tests.helpers import cell, col_ids, new_id, row_ids, update, version

pytestmark = pytest.mark.django_db


# --- Creating sheets


@pytest.mark.django_db(transaction=True)
def test_the_same_create_token_sent_twice_at_once_makes_one_sheet(user):
    # Both requests look for the token before either has written it: the
    # database's unique constraint decides, and both answer the same sheet.
    token = uuid.uuid4()
    start = threading.Barrier(2)
    made: list[int] = []
    errors: list[BaseException] = []

    def create() -> None:
        try:
            start.wait(timeout=10)
            made.append(services.sheet_create(owner=user, title="Twice", create_token=token).id)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert len(made) == 2 and made[0] == made[1]
    sheet = Sheet.objects.get(owner=user)
    assert sheet.id == made[0] and sheet.columns.count() == 5


def test_a_malformed_create_token_is_refused_and_makes_nothing(user):
    with pytest.raises(OpError) as refused:
        services.sheet_create(owner=user, title="X", create_token="not-a-token")
    assert refused.value.error == "invalid_token"
    assert not Sheet.objects.exists()


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
        "user": user_info(user=user),
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
    assert len(sent) == 2
    group, message = sent[0]
    assert group == realtime.sheet_group(sheet_id)
    assert message["event"]["type"] == "sheet.deleted"
    assert message["event"]["sheet_id"] == sheet_id
    assert message["close_code"] == realtime.CLOSE_NOT_FOUND
    # Then the owner's list pages hear that their list changed.
    assert sent[1] == (
        users_wire.user_group(user.id),
        {"event": realtime.sheets_changed(sheet_id=sheet_id, reason="deleted"), "close_code": None},
    )


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

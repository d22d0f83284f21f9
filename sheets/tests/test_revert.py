"""Reverting one change from the history panel: every kind of change, refusals
that say who and when (and change nothing), who may revert, changes reverted
already, bad ids, and how a revert sits on the reverting user's undo stack."""

import datetime
import zoneinfo

import pytest

from accounts.models import Profile
from sheets import op_registry, selectors, services
from sheets.models import Change, Column, Row, Sheet
from sheets.services import OpError
from sheets.tests.helpers import (
    assert_json_error,
    col_ids,
    insert_columns,
    insert_rows,
    new_id,
    post,
    row_ids,
    sheet_state,
    update,
    version,
)

pytestmark = pytest.mark.django_db


def revert(sheet, user, change, op_id=None):
    return services.change_revert(
        sheet=sheet, user=user, client_id="tab-2", op_id=op_id or new_id(), change=change
    )


def set_cell(sheet, user, row, col, value) -> int:
    """The seq of the change."""
    return update(sheet, user, [{"row": row, "col": col, "value": value}])["version"]


def refused(call, error: str) -> OpError:
    with pytest.raises(OpError) as exc:
        call()
    assert exc.value.error == error, exc.value.message
    return exc.value


@pytest.fixture
def shared_sheet(sheet, user, other_user):
    services.sheet_share(sheet=sheet, user=user, who=other_user.username, role="editor")
    return sheet


# --- Each kind of change


def test_revert_puts_another_users_cell_back(shared_sheet, user, other_user):
    row, col = row_ids(shared_sheet)[0], col_ids(shared_sheet)[0]
    set_cell(shared_sheet, user, row, col, "old")
    seq = set_cell(shared_sheet, user, row, col, "new")

    answer = revert(shared_sheet, other_user, seq)
    assert answer["applied"]
    event = answer["event"]
    assert (event["type"], event["kind"], event["reverts"]) == ("cells.changed", "revert", seq)
    assert event["changes"] == [{"row": row, "col": col, "value": "old"}]
    assert event["user"]["id"] == other_user.id
    assert Row.objects.get(pk=row).values[col] == "old"
    log = Change.objects.get(sheet=shared_sheet, seq=answer["version"])
    assert (log.user, log.undo_of.seq, log.payload) == (other_user, seq, event)


def test_revert_of_a_row_insert_and_of_a_row_delete(sheet, user):
    first, col = row_ids(sheet)[0], col_ids(sheet)[0]
    new = new_id()
    inserted = insert_rows(sheet, user, [{"id": new, "after": first, "values": {col: "typed"}}])
    answer = revert(sheet, user, inserted["version"])
    assert (answer["event"]["type"], answer["event"]["rows"]) == ("rows.deleted", [new])
    assert not Row.objects.filter(pk=new).exists()

    before = sheet_state(sheet)
    gone = services.rows_delete(sheet=sheet, user=user, client_id="", op_id=new_id(), rows=[first])
    answer = revert(sheet, user, gone["version"])
    assert answer["event"]["type"] == "rows.inserted"
    assert sheet_state(sheet)["snapshot"]["rows"] == before["snapshot"]["rows"]


def test_revert_of_column_insert_delete_and_update(sheet, user):
    cols = col_ids(sheet)
    new = new_id()
    added = insert_columns(sheet, user, [{"id": new, "name": "Extra", "after": cols[0]}])
    assert revert(sheet, user, added["version"])["event"]["type"] == "columns.deleted"
    assert not Column.objects.filter(pk=new).exists()

    row = row_ids(sheet)[0]
    set_cell(sheet, user, row, cols[1], "kept")
    gone = services.columns_delete(
        sheet=sheet, user=user, client_id="", op_id=new_id(), columns=[cols[1]]
    )
    answer = revert(sheet, user, gone["version"])
    assert answer["event"]["type"] == "columns.inserted"
    assert Row.objects.get(pk=row).values[cols[1]] == "kept"

    renamed = services.column_update(
        sheet=sheet, user=user, client_id="", op_id=new_id(), column=cols[2], name="Renamed"
    )
    old_name = answer = revert(sheet, user, renamed["version"])["event"]["column"]["name"]
    assert Column.objects.get(pk=cols[2]).name == old_name != "Renamed"


# --- Refusals


def test_revert_refused_when_someone_changed_it_since_says_who_and_when(
    shared_sheet, user, other_user, make_user
):
    row, cols = row_ids(shared_sheet)[0], col_ids(shared_sheet)
    Profile.objects.filter(user=user).update(time_zone="Asia/Tokyo")
    user.refresh_from_db()
    seq = set_cell(shared_sheet, user, row, cols[0], "ann's")
    set_cell(shared_sheet, other_user, row, cols[1], "elsewhere")
    bobs = set_cell(shared_sheet, other_user, row, cols[0], "bob's")
    carl = make_user("carl")
    services.sheet_share(sheet=shared_sheet, user=user, who="carl", role="editor")
    before, at = sheet_state(shared_sheet), version(shared_sheet)

    error = refused(lambda: revert(shared_sheet, user, seq), "revert_conflict")
    when = Change.objects.get(sheet=shared_sheet, seq=bobs).created_at
    local = when.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo")).strftime("%H:%M")
    assert error.status == 409
    assert error.message.startswith("Can't revert: a cell it changed was changed since by bob ")
    assert local in error.message  # in the time zone of the user who asked
    # Nothing changed: not the sheet, not the version, not the change's place on its author's stack.
    assert (sheet_state(shared_sheet), version(shared_sheet)) == (before, at)
    assert not Change.objects.get(sheet=shared_sheet, seq=seq).reverted
    # Another user asking reads the time in their own zone (UTC by default).
    utc = when.astimezone(datetime.UTC).strftime("%H:%M")
    assert utc in refused(lambda: revert(shared_sheet, carl, seq), "revert_conflict").message


def test_undo_refusal_says_who_and_when(shared_sheet, user, other_user):
    row, col = row_ids(shared_sheet)[0], col_ids(shared_sheet)[0]
    set_cell(shared_sheet, user, row, col, "mine")
    bobs = set_cell(shared_sheet, other_user, row, col, "bob's")
    when = Change.objects.get(sheet=shared_sheet, seq=bobs).created_at
    error = refused(
        lambda: services.sheet_undo(sheet=shared_sheet, user=user, client_id="t", op_id=new_id()),
        "undo_conflict",
    )
    assert error.message == (
        f"Can't undo: a cell it changed was changed since by bob at {when:%H:%M}."
    )


def test_reverting_a_change_reverted_already_is_refused(shared_sheet, user, other_user):
    row, col = row_ids(shared_sheet)[0], col_ids(shared_sheet)[0]
    seq = set_cell(shared_sheet, user, row, col, "x")
    revert(shared_sheet, other_user, seq)
    at = version(shared_sheet)
    error = refused(lambda: revert(shared_sheet, user, seq), "already_reverted")
    assert error.status == 409
    assert version(shared_sheet) == at

    # An undone change is reverted already too.
    seq = set_cell(shared_sheet, user, row, col, "y")
    services.sheet_undo(sheet=shared_sheet, user=user, client_id="t", op_id=new_id())
    refused(lambda: revert(shared_sheet, other_user, seq), "already_reverted")


def test_a_change_without_an_undo_record_cannot_be_reverted(sheet, user):
    renamed = services.sheet_rename(
        sheet=sheet, user=user, client_id="", op_id=new_id(), title="Other"
    )
    refused(lambda: revert(sheet, user, renamed["version"]), "not_revertible")
    assert Sheet.objects.get(pk=sheet.pk).title == "Other"


# --- Who may revert


def test_a_viewer_cannot_revert(sheet, user, other_user):
    services.sheet_share(sheet=sheet, user=user, who=other_user.username, role="viewer")
    seq = set_cell(sheet, user, row_ids(sheet)[0], col_ids(sheet)[0], "x")
    error = refused(lambda: revert(sheet, other_user, seq), "forbidden")
    assert error.status == 403
    assert not Change.objects.get(sheet=sheet, seq=seq).reverted


def test_a_change_of_another_users_sheet_is_not_found(sheet, user, other_user, foreign_sheet):
    seq = set_cell(
        foreign_sheet, other_user, row_ids(foreign_sheet)[0], col_ids(foreign_sheet)[0], "b"
    )
    before = sheet_state(foreign_sheet)
    # On the foreign sheet itself: the sheet is not found (as a missing one).
    assert refused(lambda: revert(foreign_sheet, user, seq), "not_found").status == 404
    # The same number on the user's own sheet names nothing there.
    assert version(sheet) < seq
    assert refused(lambda: revert(sheet, user, seq), "change_not_found").status == 409
    assert sheet_state(foreign_sheet) == before


@pytest.mark.parametrize("change", [None, "1", "abc", 1.5, True, 0, -3, [1], {"seq": 1}])
def test_malformed_change_ids_are_refused(sheet, user, change):
    set_cell(sheet, user, row_ids(sheet)[0], col_ids(sheet)[0], "x")
    before, at = sheet_state(sheet), version(sheet)
    error = refused(lambda: revert(sheet, user, change), "invalid_change")
    assert error.status == 400
    assert (sheet_state(sheet), version(sheet)) == (before, at)


@pytest.mark.parametrize("change", [10**6, 2**63, 10**30])
def test_change_ids_past_the_log_are_not_found(sheet, user, change):
    before = sheet_state(sheet)
    refused(lambda: revert(sheet, user, change), "change_not_found")
    assert sheet_state(sheet) == before


def test_a_bad_op_id_is_refused(sheet, user):
    seq = set_cell(sheet, user, row_ids(sheet)[0], col_ids(sheet)[0], "x")
    refused(lambda: revert(sheet, user, seq, op_id="not-a-uuid"), "invalid_id")
    assert not Change.objects.get(sheet=sheet, seq=seq).reverted


# --- The undo stack


def test_the_reverting_user_undoes_the_revert_and_redoes_it(shared_sheet, user, other_user):
    row, col = row_ids(shared_sheet)[0], col_ids(shared_sheet)[0]
    set_cell(shared_sheet, user, row, col, "old")
    seq = set_cell(shared_sheet, user, row, col, "new")
    revert(shared_sheet, other_user, seq)
    # Off its author's stack: ann's undo goes on to the change before.
    services.sheet_undo(sheet=shared_sheet, user=user, client_id="t", op_id=new_id())
    assert col not in Row.objects.get(pk=row).values
    services.sheet_redo(sheet=shared_sheet, user=user, client_id="t", op_id=new_id())
    assert Row.objects.get(pk=row).values[col] == "old"

    undone = services.sheet_undo(sheet=shared_sheet, user=other_user, client_id="t", op_id=new_id())
    assert undone["event"]["kind"] == "undo"
    assert Row.objects.get(pk=row).values[col] == "new"
    services.sheet_redo(sheet=shared_sheet, user=other_user, client_id="t", op_id=new_id())
    assert Row.objects.get(pk=row).values[col] == "old"


def test_a_revert_retried_with_its_op_id_is_applied_once(sheet, user):
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    seq = set_cell(sheet, user, row, col, "x")
    op_id = new_id()
    first = revert(sheet, user, seq, op_id)
    again = revert(sheet, user, seq, op_id)
    assert again["replayed"] and again["version"] == first["version"]
    assert Change.objects.filter(sheet=sheet, undo_of__seq=seq).count() == 1


# --- Through the API


def test_api_revert_and_its_refusals(auth_client, sheet, user):
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    seq = set_cell(sheet, user, row, col, "x")
    url = f"/api/sheets/{sheet.id}/revert"
    body = {"client_id": "tab-1", "op_id": new_id(), "change": seq}
    answer = post(auth_client, url, body)
    assert answer.status_code == 200
    assert answer.json()["event"]["reverts"] == seq
    assert_json_error(post(auth_client, url, {**body, "op_id": new_id()}), 409, "already_reverted")
    assert_json_error(post(auth_client, url, {"op_id": new_id()}), 400, "missing_field")
    assert_json_error(post(auth_client, url, {**body, "change": "1"}), 400, "invalid_change")


# --- The history panel


def test_history_lists_cells_old_and_new_with_column_and_row(sheet, user):
    rows, cols = row_ids(sheet), col_ids(sheet)
    set_cell(sheet, user, rows[1], cols[0], "<b>old</b>")
    seq = set_cell(sheet, user, rows[1], cols[0], "new")
    name = Column.objects.get(pk=cols[0]).name
    entry = selectors.recent_changes(sheet=sheet)[0]
    assert entry["seq"] == seq
    assert entry["lines"] == [{"where": f"{name}, row 2", "old": "<b>old</b>", "new": "new"}]
    assert entry["can_revert"] and not entry["reverted"]


def test_history_of_a_big_change_lists_a_few_cells_and_counts_the_rest(sheet, user):
    rows = row_ids(sheet)
    col = col_ids(sheet)[0]
    update(sheet, user, [{"row": r, "col": col, "value": f"v{i}"} for i, r in enumerate(rows)])
    entry = selectors.recent_changes(sheet=sheet)[0]
    assert len(entry["lines"]) == 3
    assert entry["more"] == len(rows) - 3 > 0


def test_history_says_what_was_reverted(sheet, user, client_for):
    seq = set_cell(sheet, user, row_ids(sheet)[0], col_ids(sheet)[0], "x")
    revert(sheet, user, seq)
    newest, reverted = selectors.recent_changes(sheet=sheet)[:2]
    assert (newest["kind"], newest["reverts"], newest["can_revert"]) == ("revert", seq, True)
    assert reverted["reverted"] and not reverted["can_revert"]
    page = client_for(user).get(f"/sheets/{sheet.id}/history/", HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert f"reverted #{seq}" in html
    assert f'data-revert-seq="{seq}"' not in html  # reverted already
    assert 'hx-trigger="gridroom:changed from:body"' in html


def test_history_times_are_in_the_viewers_time_zone(sheet, user, client_for):
    set_cell(sheet, user, row_ids(sheet)[0], col_ids(sheet)[0], "<i>x</i>")
    Profile.objects.filter(user=user).update(time_zone="America/New_York")
    when = Change.objects.filter(sheet=sheet).latest("seq").created_at
    local = when.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    html = client_for(user).get(f"/sheets/{sheet.id}/history/").content.decode()
    assert local.strftime("%H:%M") in html
    assert local.isoformat()[:19] in html
    assert "&lt;i&gt;x&lt;/i&gt;" in html and "<i>x</i>" not in html


def test_a_viewer_sees_history_without_revert_buttons(sheet, user, other_user, client_for):
    services.sheet_share(sheet=sheet, user=user, who=other_user.username, role="viewer")
    set_cell(sheet, user, row_ids(sheet)[0], col_ids(sheet)[0], "x")
    html = (
        client_for(other_user)
        .get(f"/sheets/{sheet.id}/history/", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "edited 1 cell" in html and "data-revert-seq" not in html


def test_history_lines_of_rows_and_columns(sheet, user):
    rows, cols = row_ids(sheet), col_ids(sheet)
    names = {str(k): v for k, v in Column.objects.filter(sheet=sheet).values_list("id", "name")}
    name = names[cols[0]]
    new = new_id()
    insert_rows(sheet, user, [{"id": new, "after": rows[0], "values": {cols[0]: "typed"}}])
    services.rows_delete(sheet=sheet, user=user, client_id="", op_id=new_id(), rows=[rows[3]])
    added = new_id()
    insert_columns(sheet, user, [{"id": added, "name": "Extra", "after": cols[0]}])
    services.columns_delete(sheet=sheet, user=user, client_id="", op_id=new_id(), columns=[cols[4]])
    services.column_update(
        sheet=sheet, user=user, client_id="", op_id=new_id(), column=cols[1], name="Amount"
    )
    update(sheet, user, [{"row": rows[2], "col": cols[2], "value": True}])
    services.column_update(
        sheet=sheet, user=user, client_id="", op_id=new_id(), column=cols[2], type="checkbox"
    )
    lines = [e["lines"] for e in selectors.recent_changes(sheet=sheet)]
    retyped, checked, renamed, col_gone, col_added, row_gone, row_added = lines[:7]
    assert retyped == [{"where": "column type", "old": "text", "new": "checkbox"}]
    assert checked[0]["new"] == "true"  # typed into a text column
    assert renamed == [{"where": "column name", "old": names[cols[1]], "new": "Amount"}]
    assert col_gone == [{"where": "column", "old": "E", "new": "(deleted)"}]
    assert col_added == [{"where": "column", "old": "(no column)", "new": "Extra"}]
    assert row_gone == [{"where": "a deleted row", "old": "(empty)", "new": "(deleted)"}]
    assert row_added == [{"where": "row 2", "old": "(no row)", "new": f"{name}: typed"}]


def test_history_summaries_read_without_the_long_lists_match_the_whole_events(sheet, user):
    rows, cols = row_ids(sheet), col_ids(sheet)
    update(sheet, user, [{"row": r, "col": cols[0], "value": "x"} for r in rows])
    insert_rows(sheet, user, [{"id": new_id(), "after": None, "values": {}} for _ in range(3)])
    gone = services.columns_delete(
        sheet=sheet, user=user, client_id="", op_id=new_id(), columns=[cols[0]]
    )
    revert(sheet, user, gone["version"])  # columns.inserted with every value back
    services.sheet_rename(sheet=sheet, user=user, client_id="", op_id=new_id(), title="New")
    whole = [
        op_registry.summary(c.payload) for c in Change.objects.filter(sheet=sheet).order_by("-seq")
    ]
    shown = [e["what"] for e in selectors.recent_changes(sheet=sheet)]
    assert shown == whole
    assert "edited 20 cells" in shown and "inserted 3 rows" in shown


def test_refusal_times_read_today_as_a_clock_and_earlier_days_with_the_date():
    from sheets.history import when_text

    when = datetime.datetime(2026, 12, 2, 23, 30, tzinfo=datetime.UTC)
    now = datetime.datetime(2026, 12, 3, 9, 0, tzinfo=datetime.UTC)
    assert when_text(when, datetime.UTC, now) == "on 2 Dec at 23:30"
    # 08:30 on the 3rd in Tokyo, the same day as `now` there.
    assert when_text(when, zoneinfo.ZoneInfo("Asia/Tokyo"), now) == "at 08:30"

"""Change-log retention: catch-up after pruning, op records that outlive payloads."""

import datetime
import json
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone

from sheets import selectors, services
from sheets.models import Change

pytestmark = pytest.mark.django_db


def edit(sheet, user, value, op_id=None, base_version=None):
    snap = selectors.sheet_snapshot(sheet=sheet)
    row, col = snap["rows"][0]["id"], snap["columns"][0]["id"]
    return services.cells_update(
        sheet=sheet,
        user=user,
        client_id="t",
        op_id=op_id or str(uuid.uuid4()),
        base_version=base_version,
        changes=[{"row": row, "col": col, "value": value}],
    )


def age(sheet, days):
    Change.objects.filter(sheet=sheet).update(created_at=timezone.now() - datetime.timedelta(days))


def test_prune_drops_old_payloads_and_catch_up_asks_for_reload(sheet, user, settings):
    settings.CHANGE_LOG_KEEP_COUNT = 1
    for value in "abc":
        edit(sheet, user, value)
    age(sheet, 30)
    result = services.change_log_prune()
    assert result == {"payloads_pruned": 2, "records_deleted": 0}
    assert selectors.changes_since(sheet=sheet, since=0)["reload"] is True
    assert selectors.changes_since(sheet=sheet, since=1)["reload"] is True
    kept = selectors.changes_since(sheet=sheet, since=2)
    assert kept["reload"] is False and [c["seq"] for c in kept["changes"]] == [3]


def test_recent_changes_are_kept_whatever_their_number(sheet, user, settings):
    settings.CHANGE_LOG_KEEP_COUNT = 0
    for value in "ab":
        edit(sheet, user, value)
    assert services.change_log_prune()["payloads_pruned"] == 0
    assert len(selectors.changes_since(sheet=sheet, since=0)["changes"]) == 2


def test_op_records_outlive_payloads_so_a_late_resend_is_not_applied_twice(sheet, user, settings):
    settings.CHANGE_LOG_KEEP_COUNT = 0
    op_id = str(uuid.uuid4())
    first = edit(sheet, user, "once", op_id=op_id)
    edit(sheet, user, "later")
    age(sheet, 30)
    services.change_log_prune()
    again = edit(sheet, user, "once", op_id=op_id)
    assert again["replayed"] is True and again["version"] == first["version"]
    sheet.refresh_from_db()
    assert sheet.version == 2
    assert Change.objects.filter(sheet=sheet).count() == 2


def test_an_op_older_than_the_op_records_is_refused_not_applied(sheet, user, client_for):
    edit(sheet, user, "a")
    age(sheet, 365)
    assert services.change_log_prune()["records_deleted"] == 1
    sheet.refresh_from_db()
    assert sheet.op_floor == 1
    with pytest.raises(services.OpError) as exc:
        edit(sheet, user, "stale", base_version=0)
    assert exc.value.error == "op_too_old" and exc.value.status == 409
    sheet.refresh_from_db()
    assert sheet.version == 1
    # Through the API: a clear 409, and nothing changes.
    snap = selectors.sheet_snapshot(sheet=sheet)
    body = {
        "client_id": "t",
        "op_id": str(uuid.uuid4()),
        "base_version": 0,
        "changes": [{"row": snap["rows"][0]["id"], "col": snap["columns"][0]["id"], "value": 1}],
    }
    answer = client_for(user).post(
        f"/api/sheets/{sheet.id}/cells", json.dumps(body), content_type="application/json"
    )
    assert answer.status_code == 409 and answer.json()["error"] == "op_too_old"
    # An op based on a version the records still cover goes through.
    assert edit(sheet, user, "fresh", base_version=1)["applied"] is True


@pytest.mark.parametrize("bad", [-1, "3", 1.5, True])
def test_malformed_base_version_is_refused(sheet, user, bad):
    with pytest.raises(services.OpError) as exc:
        edit(sheet, user, "x", base_version=bad)
    assert exc.value.error == "invalid_base_version"


def test_prune_command_reports_what_it_did(sheet, user, capsys):
    edit(sheet, user, "a")
    call_command("prune_changes")
    assert "0 payloads pruned, 0 op records deleted" in capsys.readouterr().out


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(sheet, user, client_for, constant):
    snap = selectors.sheet_snapshot(sheet=sheet)
    row, col = snap["rows"][0]["id"], snap["columns"][0]["id"]
    body = (
        f'{{"client_id": "t", "op_id": "{uuid.uuid4()}", '
        f'"changes": [{{"row": "{row}", "col": "{col}", "value": {constant}}}]}}'
    )
    answer = client_for(user).post(
        f"/api/sheets/{sheet.id}/cells", body, content_type="application/json"
    )
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_json"
    sheet.refresh_from_db()
    assert sheet.version == 0


def test_iso_week_dates_are_not_dates(sheet, user):
    from sheets import values

    with pytest.raises(values.InvalidValue):
        values.clean("date", "2021-W01-1")
    assert values.clean("date", "2021-01-04") == "2021-01-04"

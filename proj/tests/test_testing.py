"""The test-only endpoints (proj/testing.py): routed only when switched on,
refused in production, and doing what the JS convergence test relies on."""

import importlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import clear_url_caches

import proj.urls
from sheets import selectors, services
from sheets.models import Change

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def routed(settings):
    """proj/urls.py read again with GRIDROOM_TEST_ENDPOINTS on or off."""

    def route(on: bool) -> None:
        settings.TEST_ENDPOINTS = on
        importlib.reload(proj.urls)
        clear_url_caches()

    yield route
    settings.TEST_ENDPOINTS = False
    importlib.reload(proj.urls)
    clear_url_caches()


def post(client: Client, path: str, body: dict, **headers):
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


def edit(sheet, user, value) -> int:
    snap = selectors.sheet_snapshot(sheet=sheet)
    row, col = snap["rows"][0]["id"], snap["columns"][0]["id"]
    answer = services.cells_update(
        sheet=sheet,
        user=user,
        client_id="t",
        op_id=str(uuid.uuid4()),
        changes=[{"row": row, "col": col, "value": value}],
    )
    return answer["version"]


def test_the_endpoints_are_not_routed_by_default(routed, sheet):
    routed(False)
    client = Client()
    assert post(client, "/test/users", {"username": "zed"}).status_code == 404
    assert post(client, "/test/prune", {"sheet_id": sheet.id, "seq": 1}).status_code == 404
    assert not get_user_model().objects.filter(username="zed").exists()


def test_a_new_user_comes_with_a_session_and_a_csrf_token(routed, user, sheet):
    routed(True)
    answer = post(Client(), "/test/users", {"username": "zed"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["username"] == "zed" and body["csrf_token"]
    # A client holding just those cookies and that token is zed, and may write.
    browser = Client(enforce_csrf_checks=True)
    for name, morsel in answer.cookies.items():
        browser.cookies[name] = morsel.value
    who = browser.get("/api/initial_state")
    assert who.status_code == 200 and who.json()["user"]["username"] == "zed"
    mine = browser.post("/sheets/new/", {"title": "Zed's"}, headers={"X-CSRFToken": "wrong"})
    assert mine.status_code == 403
    mine = browser.post(
        "/sheets/new/", {"title": "Zed's"}, headers={"X-CSRFToken": body["csrf_token"]}
    )
    assert mine.status_code == 302
    zed = get_user_model().objects.get(username="zed")
    assert [s.title for s in selectors.sheets_for_user(user=zed)] == ["Zed's"]


def test_a_user_needs_a_name(routed):
    routed(True)
    assert post(Client(), "/test/users", {"username": ""}).status_code == 400
    assert Client().get("/test/users").status_code == 405


def test_prune_drops_payloads_up_to_a_seq_through_the_retention_service(
    routed, settings, user, sheet
):
    routed(True)
    settings.CHANGE_LOG_KEEP_COUNT = 0
    for value in "abcd":
        edit(sheet, user, value)
    answer = post(Client(), "/test/prune", {"sheet_id": sheet.id, "seq": 2})
    assert answer.json() == {"payloads_pruned": 2, "records_deleted": 0}
    assert selectors.changes_since(sheet=sheet, since=1)["reload"] is True
    kept = selectors.changes_since(sheet=sheet, since=2)
    assert [c["seq"] for c in kept["changes"]] == [3, 4]
    assert Change.objects.filter(sheet=sheet).count() == 4


def test_prune_with_records_drops_op_records_up_to_a_seq(routed, settings, user, sheet):
    routed(True)
    settings.CHANGE_LOG_KEEP_COUNT = 0
    for value in "abc":
        edit(sheet, user, value)
    answer = post(Client(), "/test/prune", {"sheet_id": sheet.id, "seq": 2, "records": True})
    # Records outlive payloads: every payload is past keeping by then.
    assert answer.json() == {"payloads_pruned": 3, "records_deleted": 2}
    sheet.refresh_from_db()
    assert (sheet.op_floor, sheet.log_floor) == (2, 3)
    assert list(Change.objects.filter(sheet=sheet).values_list("seq", flat=True)) == [3]
    # A seq whose record is gone already: nothing more to do.
    again = post(Client(), "/test/prune", {"sheet_id": sheet.id, "seq": 1, "records": True})
    assert again.json() == {"payloads_pruned": 0, "records_deleted": 0}
    assert post(Client(), "/test/prune", {"sheet_id": sheet.id}).status_code == 400


def _start_settings(tmp_path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GRIDROOM_", "DJANGO_"))}
    clean.update(
        DJANGO_SETTINGS_MODULE="proj.settings",
        DJANGO_SECRET_KEY="not-a-secret-just-a-test",
        GRIDROOM_DATA_DIR=str(tmp_path),
        GRIDROOM_PRODUCTION="1",
        **env,
    )
    code = "import django; django.setup(); from django.conf import settings; settings.DEBUG"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=clean, capture_output=True, text=True
    )


def test_production_settings_refuse_the_test_endpoints(tmp_path):
    assert _start_settings(tmp_path).returncode == 0
    refused = _start_settings(tmp_path, GRIDROOM_TEST_ENDPOINTS="1")
    assert refused.returncode != 0
    assert "GRIDROOM_TEST_ENDPOINTS is for tests, not production" in refused.stderr

"""Another user's sheet (or import) on every endpoint: answered exactly as a
sheet that does not exist (404; the API's JSON body identical), the sheet is
unchanged, and the caller's own requests are still served."""

import pytest
from channels.db import database_sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile

from sheets import realtime
from sheets.api import OPS
from sheets.models import ImportJob, Sheet, SheetShare
from sheets.tests.helpers import assert_json_error, col_ids, new_id, post, row_ids, sheet_state
from sheets.tests.importing import inline_imports  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

MISSING = 999_999_999


def op_body(sheet: Sheet, op: str) -> dict:
    """A body that would be applied if the caller could write the sheet."""
    rows, cols = row_ids(sheet), col_ids(sheet)
    fields = {
        "cells": {"changes": [{"row": rows[0], "col": cols[0], "value": "x"}]},
        "rows/insert": {"rows": [{"id": new_id(), "after": None, "values": {}}]},
        "rows/delete": {"rows": [rows[0]]},
        "rows/sort": {"sort": [{"column": cols[0], "descending": True}]},
        "columns/insert": {"columns": [{"id": new_id(), "name": "N", "type": "text"}]},
        "columns/delete": {"columns": [cols[0]]},
        "columns/update": {"column": cols[0], "name": "N"},
        "rename": {"title": "Mine now"},
        "freeze": {"columns": 3},
        "undo": {},
        "redo": {},
        "revert": {"change": 1},
        "views/save": {"name": "Mine", "spec": {"sort": [{"column": cols[0]}]}},
        "views/update": {"view": new_id(), "name": "Mine"},
        "views/delete": {"view": new_id()},
    }[op]
    return {"client_id": "tab-1", "op_id": new_id(), **fields}


def everything(sheet: Sheet) -> dict:
    return {**sheet_state(sheet), "shares": list(SheetShare.objects.values_list("user_id", "role"))}


def assert_own_sheet_served(client, own: Sheet) -> None:
    body = {"client_id": "tab-1", "op_id": new_id()}
    change = {"row": row_ids(own)[0], "col": col_ids(own)[0], "value": "mine"}
    response = post(client, f"/api/sheets/{own.id}/cells", {**body, "changes": [change]})
    assert response.status_code == 200 and response.json()["applied"] is True


API_READS = ["/api/sheets/{id}/", "/api/sheets/{id}/changes?since=0"]


@pytest.mark.parametrize("op", list(OPS))
def test_an_op_on_a_foreign_sheet_is_the_404_of_a_missing_one(
    auth_client, sheet, foreign_sheet, op
):
    before = everything(foreign_sheet)
    foreign = post(auth_client, f"/api/sheets/{foreign_sheet.id}/{op}", op_body(foreign_sheet, op))
    missing = post(auth_client, f"/api/sheets/{MISSING}/{op}", op_body(foreign_sheet, op))
    assert assert_json_error(foreign, 404, "not_found") == assert_json_error(missing, 404)
    assert everything(foreign_sheet) == before
    assert_own_sheet_served(auth_client, sheet)


@pytest.mark.parametrize("url", API_READS)
def test_reading_a_foreign_sheet_is_the_404_of_a_missing_one(
    auth_client, sheet, foreign_sheet, url
):
    foreign = auth_client.get(url.format(id=foreign_sheet.id))
    missing = auth_client.get(url.format(id=MISSING))
    assert assert_json_error(foreign, 404, "not_found") == assert_json_error(missing, 404)
    assert_own_sheet_served(auth_client, sheet)


PAGES = [
    ("get", "/sheets/{id}/", {}),
    ("get", "/sheets/{id}/rename/", {}),
    ("post", "/sheets/{id}/rename/", {"title": "Mine now"}),
    ("get", "/sheets/{id}/delete/", {}),
    ("post", "/sheets/{id}/delete/", {}),
    ("get", "/sheets/{id}/share/", {}),
    ("post", "/sheets/{id}/share/", {"who": "ann", "role": "editor"}),
    ("post", "/sheets/{id}/share/{owner}/remove/", {}),
    ("post", "/sheets/{id}/transfer/", {"who": "ann"}),
    ("get", "/sheets/{id}/history/", {}),
    ("get", "/sheets/{id}/import/", {}),
    ("post", "/sheets/{id}/import/", {"file": b"Name\r\nx\r\n"}),
    ("get", "/sheets/{id}/export.csv", {}),
    ("get", "/sheets/{id}/export.xlsx", {}),
]


@pytest.mark.parametrize(("method", "url", "data"), PAGES, ids=[f"{m} {u}" for m, u, _ in PAGES])
def test_a_page_of_a_foreign_sheet_is_the_404_of_a_missing_one(
    auth_client, sheet, foreign_sheet, method, url, data
):
    before, jobs = everything(foreign_sheet), ImportJob.objects.count()
    for sheet_id in (foreign_sheet.id, MISSING):
        form = {
            k: SimpleUploadedFile("x.csv", v) if isinstance(v, bytes) else v
            for k, v in data.items()
        }
        path = url.format(id=sheet_id, owner=foreign_sheet.owner_id)
        response = getattr(auth_client, method)(path, form)
        assert response.status_code == 404, path
        assert b"Bob&#x27;s" not in response.content and b"Bob's" not in response.content
    assert everything(foreign_sheet) == before
    assert Sheet.objects.filter(pk=foreign_sheet.pk).exists()
    assert ImportJob.objects.count() == jobs
    assert_own_sheet_served(auth_client, sheet)


@pytest.mark.usefixtures("inline_imports")
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/imports/{id}/"),
        ("post", "/imports/{id}/confirm/"),
        ("post", "/imports/{id}/reread/"),
        ("get", "/imports/{id}/skipped.csv"),
    ],
)
def test_another_users_import_is_the_404_of_a_missing_one(
    auth_client, client_for, other_user, foreign_sheet, method, url
):
    theirs = client_for(other_user)
    theirs.post(
        f"/sheets/{foreign_sheet.id}/import/",
        # A row with a value past the header: its owner may download it.
        {"file": SimpleUploadedFile("x.csv", b"Name\r\nx\r\ny,z\r\n")},
    )
    job = ImportJob.objects.get(user=other_user)
    assert theirs.get(f"/imports/{job.id}/skipped.csv").status_code == 200
    status, before = job.status, everything(foreign_sheet)
    for job_id in (job.id, new_id()):
        response = getattr(auth_client, method)(
            url.format(id=job_id),
            {"mode": "append", "delimiter": "comma", "bad_rows": "skip", "action": "cancel"},
        )
        assert response.status_code == 404
    job.refresh_from_db()
    assert job.status == status
    assert everything(foreign_sheet) == before


@pytest.mark.django_db(transaction=True)
async def test_a_socket_to_a_foreign_sheet_is_closed_as_not_found(ws_connect, user, other_user):
    from sheets import services

    foreign = await database_sync_to_async(services.sheet_create)(owner=other_user, title="Bob's")
    for sheet_id in (foreign.id, MISSING):
        socket = await ws_connect(f"/ws/sheet/{sheet_id}/", user=user)
        assert await socket.receive_close() == realtime.CLOSE_NOT_FOUND
        await socket.disconnect()
    own = await ws_connect("/ws/live/", user=user)
    await own.receive_type("hello")
    await own.ping()
    await own.disconnect()

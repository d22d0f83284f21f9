"""The hostile suite's gate (conftest.ErrorRecords) sees what it must: a view's
unhandled exception and an export's logged failure reach it; a refusal does not."""

import logging

import pytest
from django.test import Client

from conftest import ErrorRecords
from sheets import selectors

pytestmark = pytest.mark.django_db


def test_an_unhandled_exception_in_a_view_is_seen(user, sheet, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "sheet_for_user", broken)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    with ErrorRecords() as errors:
        assert client.get(f"/api/sheets/{sheet.id}/").status_code == 500
    assert [r.name for r in errors.records] == ["django.request"]
    assert "RuntimeError: boom" in errors.described()


def test_an_error_logged_by_our_code_is_seen_and_a_refusal_is_not(auth_client, sheet):
    with ErrorRecords() as errors:
        assert (
            auth_client.post(
                f"/api/sheets/{sheet.id}/cells", "[", content_type="application/json"
            ).status_code
            == 400
        )
        assert auth_client.get("/api/sheets/999999/").status_code == 404
        assert not errors.records
        logging.getLogger("sheets.io.export").error("failed")
    assert len(errors.records) == 1

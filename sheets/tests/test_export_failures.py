"""An export that fails part-way (here: legacy data the writers cannot
encode, planted in the database as older versions could have stored it) ends
its stream cleanly: the response's iterator stops without raising, under
WSGI and ASGI alike, the failure is logged with the sheet's id, and the next
export is served. An exception out of a started response would leave the
ASGI server unable to clean up crashed connections in that process."""

import logging

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections
from django.test import AsyncClient
from openpyxl.worksheet._writer import ALL_TEMP_FILES  # its files not yet removed

from sheets.models import Row, Sheet
from sheets.tests.helpers import col_ids, row_ids

pytestmark = pytest.mark.django_db

not_on_postgresql = pytest.mark.skipif(
    connection.vendor == "postgresql", reason="PostgreSQL's jsonb cannot hold it"
)


def plant(sheet: Sheet, column_type: str, value) -> None:
    """A value in the sheet's first column, written past the services."""
    col = col_ids(sheet)[0]
    sheet.columns.filter(id=col).update(type=column_type)
    Row.objects.filter(pk=row_ids(sheet)[0]).update(values={col: value})


def header(fmt: str) -> bytes:
    """What a failed download got before it stopped: the CSV's header line;
    nothing of a workbook (it is written whole before it is sent)."""
    return b"\xef\xbb\xbfA,B,C,D,E\r\n" if fmt == "csv" else b""


def assert_failure_logged(caplog, sheet: Sheet) -> None:
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.name == "sheets.io.export"
    assert f"sheet {sheet.id} failed" in record.getMessage()
    assert record.exc_info is not None


BAD = {
    # A text column holding a number: the formula escape cannot read it.
    "number in a text column": ("text", 5, ("csv",)),
    # A date column holding what is no date: XLSX writes real dates.
    "no date in a date column": ("date", "soon", ("xlsx",)),
}


@pytest.mark.parametrize("case", BAD)
def test_an_export_failing_part_way_ends_its_stream_and_logs(auth_client, sheet, caplog, case):
    column_type, value, formats = BAD[case]
    plant(sheet, column_type, value)
    for fmt in formats:
        caplog.clear()
        temporary = list(ALL_TEMP_FILES)
        response = auth_client.get(f"/sheets/{sheet.id}/export.{fmt}")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == header(fmt)
        assert_failure_logged(caplog, sheet)
        assert ALL_TEMP_FILES == temporary  # a half-written sheet's file is gone
    good = auth_client.get(
        f"/sheets/{Sheet.objects.create(owner=sheet.owner, title='x').id}/export.csv"
    )
    assert b"".join(good.streaming_content).startswith(b"\xef\xbb\xbf")


@not_on_postgresql
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_stored_lone_surrogate_ends_the_export_instead_of_hanging_it(
    auth_client, sheet, caplog, fmt
):
    """What older versions let in on SQLite: the writers cannot encode it."""
    plant(sheet, "text", "a\ud800b")
    response = auth_client.get(f"/sheets/{sheet.id}/export.{fmt}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == header(fmt)
    assert_failure_logged(caplog, sheet)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_under_asgi_a_failing_export_ends_its_stream(user, caplog, fmt):
    from conftest import session_key_for

    sheet = await sync_to_async(_planted_sheet)(user, fmt)
    client = AsyncClient()
    client.cookies["sessionid"] = await sync_to_async(session_key_for)(user)
    response = await client.get(f"/sheets/{sheet.id}/export.{fmt}")
    assert response.status_code == 200
    assert response.is_async
    body = b"".join([chunk async for chunk in response.streaming_content])
    assert body == header(fmt)
    assert_failure_logged(caplog, sheet)
    # The test client keeps the view thread's connection open; PostgreSQL
    # could not drop the test database with it.
    await sync_to_async(connections.close_all)()


def _planted_sheet(user, fmt: str) -> Sheet:
    from sheets import services

    sheet = services.sheet_create(owner=user, title="Legacy")
    column_type, value, _ = BAD[
        "number in a text column" if fmt == "csv" else "no date in a date column"
    ]
    plant(sheet, column_type, value)
    return sheet

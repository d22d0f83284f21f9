"""Exports: CSV streamed in chunks and XLSX, mapped and converted by the
sheet's Resource; formula escaping on every path; export → import round
trips every value exactly; who may export."""

import csv
import datetime
import io
import uuid

import openpyxl
import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection, connections
from django.test import AsyncClient
from django.test.utils import CaptureQueriesContext

from sheets import services
from sheets.io import export, writer
from sheets.io.resources import SheetResource
from sheets.models import Role
from sheets.tests.helpers import col_ids, insert_columns, new_id, row_ids, update
from sheets.tests.importing import (  # noqa: F401 (fixtures)
    columns_of,
    confirm,
    download,
    grid,
    inline_imports,
    last_job,
    read_csv,
    remove_rows,
    rename,
    typed_columns,
    upload,
)

pytestmark = pytest.mark.django_db

DANGEROUS = ["=1+2", "+44 20", "-minus", "@SUM(A1)", "\tTab", "\rReturn"]
# Values that are easy to get wrong on the way out and back in.
TRICKY = [
    ["Rent", 900, "2027-01-31", True],
    ["Food, drink", -12.5, "2027-02-28", False],
    ["Quote \" and 'single'", 0.1, "1999-12-31", None],
    ["Line\nbreak\r\nand CRLF", 1e20, None, True],
    ["  spaces  ", 2**53 - 1, "2000-02-29", None],
    ["007", 1.5e-7, None, None],
    ["Ünïcödé ✓ 😀", -0.5, None, False],
    ["'quoted already", 0, None, None],
    ["bell\x07 and _x0041_ kept", 3, None, None],
    [None, None, None, None],
] + [[text, -1, None, None] for text in DANGEROUS]


@pytest.fixture
def filled(sheet, user):
    """A sheet with typed columns (text, number, date, checkbox) holding TRICKY."""
    typed_columns(
        sheet, user, {"Item": "text", "Amount": "number", "Due": "date", "Paid": "checkbox"}
    )
    cols = [str(c.id) for c in sheet.columns.order_by("position")][:4]
    remove_rows(sheet, user)
    after = None
    specs = []
    for values in TRICKY:
        row_id = str(uuid.uuid4())
        cells = {c: v for c, v in zip(cols, values, strict=True) if v is not None}
        specs.append({"id": row_id, "after": after, "values": cells})
        after = row_id
    result = services.rows_insert(
        sheet=sheet, user=user, client_id="", op_id=str(uuid.uuid4()), rows=specs
    )
    assert not result["errors"]
    return sheet


def read_xlsx(data: bytes) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def test_csv_has_names_then_values_in_column_order(auth_client, filled):
    response = auth_client.get(f"/sheets/{filled.id}/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="budget.csv"'
    rows = read_csv(b"".join(response.streaming_content))
    assert rows[0] == ["Item", "Amount", "Due", "Paid", "E"]
    assert rows[1] == ["Rent", "900", "2027-01-31", "true", ""]
    assert rows[2] == ["Food, drink", "-12.5", "2027-02-28", "false", ""]
    assert rows[4][:2] == ["Line\nbreak\r\nand CRLF", "1e+20"]
    assert rows[10] == ["", "", "", "", ""]
    assert len(rows) == 1 + len(TRICKY)


def test_xlsx_has_native_numbers_dates_and_booleans(auth_client, filled):
    response = auth_client.get(f"/sheets/{filled.id}/export.xlsx")
    assert response["Content-Type"] == export.XLSX_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="budget.xlsx"'
    rows = read_xlsx(b"".join(response.streaming_content))
    assert rows[0] == ("Item", "Amount", "Due", "Paid", "E")
    assert rows[1][:4] == ("Rent", 900, datetime.datetime(2027, 1, 31), True)
    assert rows[2][:4] == ("Food, drink", -12.5, datetime.datetime(2027, 2, 28), False)


def test_the_xlsx_download_starts_before_the_workbook_is_written(auth_client, filled):
    """The browser lists the download at once: the view answers without reading
    a row, and the first chunk, which sends the headers, comes before the workbook."""
    with CaptureQueriesContext(connection) as seen:
        response = auth_client.get(f"/sheets/{filled.id}/export.xlsx")
        content = iter(response.streaming_content)
        assert next(content) == b""
    assert not [q for q in seen.captured_queries if "sheets_row" in q["sql"]]
    assert read_xlsx(b"".join(content))[1][0] == "Rent"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_formula_prefix_is_escaped_but_numbers_are_not(auth_client, user, filled, fmt):
    rename(filled, user, "Item", "=Item")
    data = download(auth_client, filled, fmt)
    if fmt == "csv":
        rows = read_csv(data)
        assert rows[0][0] == "'=Item"
        escaped = {r[0]: r[1] for r in rows[1:] if r and r[0] and r[0][0] == "'"}
        for text in DANGEROUS:
            assert escaped["'" + text] in ("-1", -1)  # a negative number stays a number
    else:
        # XLSX: string cells, never formulas, so the text is written as it is.
        rows = read_xlsx(data)
        assert rows[0][0] == "=Item"
        as_text = {r[0]: r[1] for r in rows[1:] if r}
        for text in DANGEROUS:
            assert as_text[text] == -1  # a negative number stays a number
        book = openpyxl.load_workbook(io.BytesIO(data))
        assert all(c.data_type != "f" for row in book.worksheets[0].iter_rows() for c in row)
    assert "'quoted already" in [r[0] for r in rows if r]  # not a formula: untouched


@pytest.mark.usefixtures("inline_imports")
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_round_trips_every_value(auth_client, user, filled, fmt):
    before = grid(filled)
    data = download(auth_client, filled, fmt)
    upload(auth_client, data, name=f"budget.{fmt}", sheet=filled)
    job = last_job(user)
    assert job.status == "ready", job.error
    assert job.preview["error_count"] == 0, job.preview["errors"]
    confirm(auth_client, job, "replace")
    job.refresh_from_db()
    assert job.status == "done", job.error
    after = grid(filled)
    # Every value comes back; an empty row does not (blank lines are not rows).
    before = [r for r in before if any(v is not None for v in r)]
    assert after == before
    assert [[type(v) for v in r] for r in after] == [[type(v) for v in r] for r in before]


@pytest.mark.usefixtures("inline_imports")
def test_a_text_that_really_starts_with_quote_equals_loses_the_quote(auth_client, user, sheet):
    """The one ambiguity of the escape (docs/import-export.md)."""
    typed_columns(sheet, user, {"Item": "text"})
    col = str(sheet.columns.get(name="Item").id)
    row = str(sheet.rows.order_by("order").values_list("id", flat=True).first())
    services.cells_update(
        sheet=sheet,
        user=user,
        client_id="",
        op_id=str(uuid.uuid4()),
        changes=[{"row": row, "col": col, "value": "'=x"}],
    )
    upload(auth_client, download(auth_client, sheet, "csv"), sheet=sheet)
    confirm(auth_client, last_job(user), "replace")
    assert grid(sheet)[0][0] == "=x"


def test_csv_is_streamed_in_chunks_from_an_iterator(
    user, make_sheet, django_assert_max_num_queries
):
    sheet = make_sheet(title="Long")
    columns = [{"id": str(c.id)} for c in sheet.columns.order_by("position")]
    count = 2 * export.CHUNK_ROWS + 7  # several fetches, the last one short
    rows = ([f"r{i}", str(i), "x" * 20, "", "y"] for i in range(count))
    writer.sheet_import(
        sheet=sheet, user=user, mode="replace", columns=columns, rows=enumerate(rows, 2)
    )
    chunks = export.csv_chunks(sheet)
    with django_assert_max_num_queries(1):  # the header needs the columns only
        first = next(chunks)
    assert first == "\ufeffA,B,C,D,E\r\n".encode()
    rest = list(chunks)
    assert len(rest) >= count // export.ROWS_PER_WRITE
    assert max(len(c) for c in rest) < 64 * 1024
    lines = b"".join(rest).split(b"\r\n")
    assert len(lines) == count + 1 and lines[-1] == b""
    assert [line.split(b",")[1] for line in lines[:-1]] == [str(i).encode() for i in range(count)]


def test_a_sheet_with_more_columns_than_a_function_takes_exports_whole(auth_client, user, sheet):
    """PostgreSQL functions take at most 100 arguments; a sheet may have 200 columns."""
    count = settings.MAX_COLUMNS_PER_SHEET
    last = str(sheet.columns.order_by("-position").first().id)
    specs = []
    for i in range(5, count):
        specs.append({"id": new_id(), "name": f"C{i}", "after": last})
        last = specs[-1]["id"]
    insert_columns(sheet, user, specs)
    ids = col_ids(sheet)
    row = row_ids(sheet)[0]
    changes = [{"row": row, "col": ids[i], "value": f"v{i}"} for i in (0, 99, 100, 150, count - 1)]
    update(sheet, user, changes)
    rows = read_csv(download(auth_client, sheet, "csv"))
    assert len(rows[0]) == count and rows[0][-1] == f"C{count - 1}"
    assert [i for i, v in enumerate(rows[1]) if v] == [0, 99, 100, 150, count - 1]
    assert rows[1][150] == "v150"
    assert read_xlsx(download(auth_client, sheet, "xlsx"))[1][count - 1] == f"v{count - 1}"


def test_an_export_stopped_early_leaves_the_connection_as_it_was(user, make_sheet):
    """A download cancelled half-way: the read-ahead stops, the cursor and
    (on PostgreSQL) the transaction around it close, the connection goes on."""
    sheet = make_sheet(title="Cancelled")
    columns = [{"id": str(c.id)} for c in sheet.columns.order_by("position")]
    rows = ([f"r{i}", "", "", "", ""] for i in range(export.CHUNK_ROWS + 1))
    writer.sheet_import(
        sheet=sheet, user=user, mode="replace", columns=columns, rows=enumerate(rows, 2)
    )
    depth = len(connection.atomic_blocks)
    chunks = export.csv_chunks(sheet)
    next(chunks), next(chunks)
    assert len(connection.atomic_blocks) == depth + (connection.vendor == "postgresql")
    chunks.close()
    assert len(connection.atomic_blocks) == depth
    assert sheet.rows.count() == export.CHUNK_ROWS + 1


@pytest.mark.django_db(transaction=True)
async def test_under_asgi_the_csv_streams_from_a_thread(asgi_client, filled_id):
    response = await asgi_client.get(f"/sheets/{filled_id}/export.csv")
    assert response.status_code == 200
    assert response.is_async  # an async iterator: Django does not buffer it
    body = b"".join([chunk async for chunk in response.streaming_content])
    assert read_csv(body)[1] == ["Rent", "900", "2027-01-31", "true", ""]
    # The test client keeps the view thread's connection open; PostgreSQL
    # could not drop the test database with it.
    await sync_to_async(connections.close_all)()


@pytest.fixture
def filled_id(filled) -> int:
    return filled.id


@pytest.fixture
def asgi_client(user) -> AsyncClient:
    """Logged in from sync code, so no database work happens on the event loop's threads."""
    from conftest import session_key_for

    client = AsyncClient()
    client.cookies["sessionid"] = session_key_for(user)
    return client


def test_the_library_export_agrees_with_ours(filled):
    """The same Resource: django-import-export's own `export()` gives the same rows."""
    resource = SheetResource(filled.columns.order_by("position"))
    dataset = resource.export(filled.rows.order_by("order").values_list("values", flat=True))
    ours = read_csv(b"".join(export.csv_chunks(filled)))
    assert [list(dataset.headers)] + [[str(v) for v in r] for r in dataset] == ours


@pytest.mark.parametrize("native", [False, True])
def test_bulk_rendering_is_the_widgets_render(native):
    """`render_column` (the bulk export) gives what `render` gives value by value."""
    from sheets.io.resources import WIDGETS

    samples = {
        "text": ["plain", "=1", "+1", "-1", "@a", "\tx", "\rx", "'=x", "", None],
        "number": [0, -1, 1.5, 1e20, 10**20, -(10**20), 2**53 - 1, None],
        "date": ["2027-01-31", None],
        "checkbox": [True, False, None],
    }
    for column_type, column in samples.items():
        widget = WIDGETS[column_type]()
        bulk = widget.render_column(list(column), force_native_type=native)
        one = [widget.render(v, force_native_type=native) for v in column]
        assert [("" if b is None else b) for b in bulk] == one, column_type


# --- Who may export


def test_viewers_may_export_strangers_get_404(client_for, make_user, user, filled, other_user):
    viewer = make_user("vera")
    services.sheet_share(sheet=filled, user=user, who="vera", role=Role.VIEWER)
    for fmt in ("csv", "xlsx"):
        assert client_for(viewer).get(f"/sheets/{filled.id}/export.{fmt}").status_code == 200
        assert client_for(other_user).get(f"/sheets/{filled.id}/export.{fmt}").status_code == 404


def test_export_needs_login(client, filled):
    response = client.get(f"/sheets/{filled.id}/export.csv")
    assert response.status_code == 302


# --- The admin


def test_admin_exports_the_change_log_escaped(client_for, make_user, filled, user):
    admin_user = make_user("root")
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    services.sheet_rename(sheet=filled, user=user, title="=evil()", op_id=str(uuid.uuid4()))
    client = client_for(admin_user)
    response = client.post(
        "/admin/sheets/change/export/",
        {"format": "0", "changeresource_sheet": "on", "changeresource_summary": "on"},
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["sheet", "summary"]
    assert [str(filled.id), "renamed the sheet to =evil()"] in rows
    assert ["'=evil()", "renamed the sheet to =evil()"] not in rows
    response = client.post(
        "/admin/sheets/sheet/export/",
        {"format": "0", "sheetinforesource_title": "on", "sheetinforesource_rows": "on"},
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["title", "rows"], ["'=evil()", str(len(TRICKY))]]


def test_admin_downloads_one_sheet_as_csv(client_for, make_user, filled):
    admin_user = make_user("root")
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    response = client_for(admin_user).post(
        "/admin/sheets/sheet/", {"action": "download_csv", "_selected_action": [filled.id]}
    )
    assert response.status_code == 200
    assert read_csv(b"".join(response.streaming_content))[1][0] == "Rent"

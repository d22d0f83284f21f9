"""Exports don't change text needlessly: in XLSX a text cell is a string
cell, never a formula, so it is written exactly as typed (the quote-prefix
style marks the risky ones) while CSV keeps its formula escape; the XLSX
header row is bold; a line break written as CR LF survives import and export
in both formats."""

import io
import uuid

import openpyxl
import pytest

from sheets import services
from sheets.tests.importing import (  # noqa: F401 (fixtures)
    download,
    grid,
    import_new,
    inline_imports,
    read_csv,
    typed_columns,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def texts(sheet, user):
    """Item (text), Amount (number): a formula typed as text, and a negative number."""
    typed_columns(sheet, user, {"=Item": "text", "Amount": "number"})
    ids = [str(c.id) for c in sheet.columns.order_by("position")][:2]
    first = str(sheet.rows.order_by("order").values_list("id", flat=True).first())
    changes = [
        {"row": first, "col": ids[0], "value": "=SUM(B1:B5)"},
        {"row": first, "col": ids[1], "value": -3},
    ]
    answer = services.cells_update(
        sheet=sheet, user=user, client_id="", op_id=str(uuid.uuid4()), changes=changes
    )
    assert not answer["errors"]
    return sheet


def test_xlsx_writes_a_formula_typed_as_text_as_that_text(auth_client, texts):
    book = openpyxl.load_workbook(io.BytesIO(download(auth_client, texts, "xlsx")))
    page = book.worksheets[0]
    header, cell, number = page["A1"], page["A2"], page["B2"]
    assert (cell.value, cell.data_type) == ("=SUM(B1:B5)", "s")  # text, not a formula
    assert cell.quotePrefix is True  # stays text when edited in a spreadsheet app
    assert (number.value, number.data_type) == (-3, "n")  # a negative number stays one
    assert (header.value, header.data_type) == ("=Item", "s")
    assert all(c.font.b for c in page[1] if c.value is not None)  # the header row is bold
    assert not any(c.font.b for c in page[2])
    assert all(c.data_type != "f" for row in page.iter_rows() for c in row)


def test_csv_keeps_its_formula_escape(auth_client, texts):
    rows = read_csv(download(auth_client, texts, "csv"))
    assert rows[0][:2] == ["'=Item", "Amount"]
    assert rows[1][:2] == ["'=SUM(B1:B5)", "-3"]


@pytest.mark.usefixtures("inline_imports")
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_quoted_cr_lf_is_stored_and_exported_as_written(auth_client, user, fmt):
    source = b'Note,n\r\n"first line\r\nsecond line",1\r\n"only LF\nhere",2\r\n'
    job = import_new(auth_client, user, source, name="notes.csv")
    assert grid(job.sheet) == [["first line\r\nsecond line", 1], ["only LF\nhere", 2]]
    data = download(auth_client, job.sheet, fmt)
    if fmt == "csv":
        assert data == b"\xef\xbb\xbf" + source
    else:
        assert b"_x000D_" not in data_of_sheet(data)
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        assert rows[1:] == [("first line\r\nsecond line", 1), ("only LF\nhere", 2)]
    # And back in: the same values.
    again = import_new(auth_client, user, data, name=f"again.{fmt}")
    assert grid(again.sheet) == grid(job.sheet)


def data_of_sheet(xlsx: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        return book.read("xl/worksheets/sheet1.xml")

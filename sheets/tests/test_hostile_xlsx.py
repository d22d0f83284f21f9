"""XML attacks inside an XLSX (billion laughs, external entities): refused as a
damaged file before anything expands or is read, and nothing changes."""

import io
import zipfile

import openpyxl
import pytest

from sheets.models import ImportJob, Sheet
from sheets.tests.importing import (  # noqa: F401 (fixtures)
    import_new,
    inline_imports,
    last_job,
    state,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_imports")]

LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode()
        for i in range(1, 10)
    )
    + b"]>\n"
)
SHEET_XML = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c></row>'
    b'<row r="2"><c r="A2" t="inlineStr"><is><t>%s</t></is></c></row></sheetData></worksheet>'
)
BOMBS = {
    "billion laughs": LAUGHS + SHEET_XML % b"&lol9;",
    "external entity": (
        b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
        + SHEET_XML % b"&secret;"
    ),
}


def workbook_bytes(sheet_xml: bytes | None = None) -> bytes:
    """A real workbook from openpyxl; with `sheet_xml`, its first sheet replaced."""
    book = openpyxl.Workbook()
    book.active.append(["Name"])
    book.active.append(["Rent"])
    plain = io.BytesIO()
    book.save(plain)
    if sheet_xml is None:
        return plain.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, sheet_xml if item.filename == "xl/worksheets/sheet1.xml" else data)
    return out.getvalue()


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True


@pytest.mark.parametrize("bomb", list(BOMBS))
@pytest.mark.parametrize("target", ["new", "existing"])
def test_xml_bomb_in_an_xlsx_is_refused_and_changes_nothing(auth_client, user, sheet, bomb, target):
    before = state(sheet)
    sheets_before = Sheet.objects.count()
    response = upload(
        auth_client,
        workbook_bytes(BOMBS[bomb]),
        name="bomb.xlsx",
        sheet=sheet if target == "existing" else None,
    )
    assert response.status_code == 200
    job = last_job(user)
    assert job.status == ImportJob.Status.REFUSED, job.preview
    assert "damaged" in job.error, job.error
    assert 'role="alert"' in response.content.decode()
    assert "root:" not in response.content.decode()
    assert state(sheet) == before
    assert Sheet.objects.count() == sheets_before
    # The next good file is served.
    done = import_new(auth_client, user, workbook_bytes(), name="fine.xlsx")
    assert done.status == "done"

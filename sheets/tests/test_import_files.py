"""Messy but valid files import correctly, with what was fixed shown as warnings;
hostile or broken files are refused with a clear error and change nothing."""

import codecs
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sheets.models import ImportJob, Sheet
from sheets.tests.importing import (  # noqa: F401 (fixtures)
    columns_of,
    confirm,
    file_bytes,
    grid,
    import_new,
    inline_imports,
    last_job,
    state,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_imports")]


def preview_of(client, user, data: bytes, **kwargs) -> dict:
    response = upload(client, data, **kwargs)
    assert response.status_code == 200
    job = last_job(user)
    assert job.status == "ready", job.error
    return job.preview


# --- Messy but valid


def test_messy_csv_imports_with_every_fix_reported(auth_client, user):
    job = import_new(auth_client, user, file_bytes("messy.csv"), name="Budget 2027.csv")
    preview = job.preview
    assert (preview["encoding"], preview["delimiter_name"], preview["sniffed"]) == (
        "UTF-8 with BOM",
        "semicolon",
        True,
    )
    warnings = " | ".join(preview["warnings"])
    assert "Column 4 has no header" in warnings
    assert "“Name” appears twice" in warnings
    assert "1 row(s) had fewer values than the header: padded" in warnings
    assert "2 blank row(s): not rows of the sheet, dropped" in warnings
    sheet = job.sheet
    assert sheet.title == "Budget 2027"
    assert columns_of(sheet) == [
        ("Name", "text"),
        ("Amount", "number"),
        ("Code", "text"),  # leading zeros: a code, not a number
        ("Column 4", "text"),
        ("Name (2)", "text"),
        ("Due", "date"),
        ("Paid", "checkbox"),
    ]
    assert grid(sheet) == [
        ["Rent", 900, "007", "x", "first", "2027-01-31", True],
        ["Food\nand drink", 12.5, "010", None, "second", "2027-02-28", False],
        ["=1+2", -3, "0", None, "third", None, None],
        ["Heating", 0.25, "042", None, None, "2027-03-31", True],
    ]


def test_preview_shows_first_rows_as_they_will_land(auth_client, user):
    response = upload(auth_client, file_bytes("messy.csv"))
    body = response.content.decode()
    assert 'aria-label="First rows"' in body
    assert "Food\nand drink" in body
    assert "semicolon (detected)" in body
    assert "UTF-8 with BOM" in body
    preview = last_job(user).preview
    assert preview["rows"][0] == ["Rent", "900", "007", "x", "first", "2027-01-31", "true"]
    assert [m["type"] for m in preview["mapping"]] == [
        "text",
        "number",
        "text",
        "text",
        "text",
        "date",
        "checkbox",
    ]
    assert Sheet.objects.filter(owner=user).count() == 0  # nothing written before confirm


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("Name,Note\nZoë,naïve\n".encode(), "UTF-8"),
        (codecs.BOM_UTF8 + "Name,Note\nZoë,naïve\n".encode(), "UTF-8 with BOM"),
        (codecs.BOM_UTF16_LE + "Name,Note\nZoë,naïve\n".encode("utf-16-le"), "UTF-16 LE with BOM"),
        (codecs.BOM_UTF16_BE + "Name,Note\nZoë,naïve\n".encode("utf-16-be"), "UTF-16 BE with BOM"),
        ("Name,Note\nZoë,naïve\n".encode("utf-16-le"), "UTF-16 LE"),
        ("Name,Note\nZoë,naïve\n".encode("cp1252"), "Windows-1252"),
    ],
)
def test_encodings_are_detected(auth_client, user, data, encoding):
    job = import_new(auth_client, user, data)
    assert job.preview["encoding"] == encoding
    assert grid(job.sheet) == [["Zoë", "naïve"]]


def test_windows_1252_and_utf16_files(auth_client, user):
    job = import_new(auth_client, user, file_bytes("latin1.csv"))
    assert "not UTF-8: read as Windows-1252" in " ".join(job.preview["warnings"])
    assert grid(job.sheet) == [["Zürich", "Café crème"], ["Köln", "“quoted” – €5"]]
    job = import_new(auth_client, user, file_bytes("utf16.csv"))
    assert (job.preview["encoding"], job.preview["delimiter_name"]) == ("UTF-16 LE with BOM", "tab")
    assert grid(job.sheet) == [["Äpfel", 3], ["Birnen", 4]]


def test_bytes_windows_1252_lacks_fall_back_to_latin_1(auth_client, user):
    job = import_new(auth_client, user, b"Name\nA\x81B\n")
    assert job.preview["encoding"] == "Latin-1"
    assert grid(job.sheet) == [["A\x81B"]]


@pytest.mark.parametrize(
    ("delimiter", "name"), [(",", "comma"), (";", "semicolon"), ("\t", "tab"), ("|", "pipe")]
)
def test_delimiters_are_sniffed(auth_client, user, delimiter, name):
    rows = [["Item", "Note", "Qty"], ["a, b", "c; d", "1"], ["e|f", "g", "2"], ["h", "", "3"]]
    quoted = [[f'"{v}"' if set(v) & set(",;|\t") else v for v in r] for r in rows]
    data = "\n".join(delimiter.join(r) for r in quoted).encode()
    job = import_new(auth_client, user, data)
    assert job.preview["delimiter_name"] == name
    assert grid(job.sheet) == [["a, b", "c; d", 1], ["e|f", "g", 2], ["h", None, 3]]


def test_the_sniffed_delimiter_can_be_overridden(auth_client, user):
    data = b"a;b,c\n1;2,3\n"  # both look plausible: the user says semicolon
    assert preview_of(auth_client, user, data)["delimiter_name"] == "comma"
    job = last_job(user)
    response = auth_client.post(
        f"/imports/{job.id}/reread/", {"delimiter": "semicolon"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    job.refresh_from_db()
    assert (job.preview["delimiter_name"], job.preview["sniffed"]) == ("semicolon", False)
    assert [m["header"] for m in job.preview["mapping"]] == ["a", "b,c"]
    job = import_new(auth_client, user, data, delimiter="pipe")
    assert grid(job.sheet) == [["1;2,3"]]


def test_empty_cells_past_the_header_are_dropped(auth_client, user):
    job = import_new(auth_client, user, b"a,b,\n1,2,\n3,4,,\n")
    assert columns_of(job.sheet) == [("a", "number"), ("b", "number")]
    assert grid(job.sheet) == [[1, 2], [3, 4]]
    assert "empty cells past the header" in " ".join(job.preview["warnings"])


def test_values_past_the_header_are_a_row_error(auth_client, user):
    preview = preview_of(auth_client, user, b"a,b\n1,2\n3,4,5\n")
    assert preview["errors"] == [
        {"row": 3, "column": "", "message": "The row has 3 values but the header names 2 columns."}
    ]


def test_xlsx_imports_the_first_sheet_with_native_types(auth_client, user):
    job = import_new(auth_client, user, file_bytes("budget.xlsx"), name="budget.xlsx")
    assert job.preview["kind"] == "xlsx"
    assert "Only the first sheet, “Budget”, is imported" in job.preview["warnings"][0]
    assert columns_of(job.sheet) == [
        ("Item", "text"),
        ("Amount", "number"),
        ("Due", "date"),
        ("Paid", "checkbox"),
        ("Code", "text"),
    ]
    assert grid(job.sheet) == [
        ["Rent", 900, "2027-01-31", True, "007"],
        ["Food", 12.5, "2027-02-28", False, "010"],
        ["=not a formula", -3, None, None, None],
    ]


def test_an_escaped_value_keeps_its_new_column_text(auth_client, user):
    job = import_new(auth_client, user, b"n\n'-5\n3\n")
    assert columns_of(job.sheet) == [("n", "text")]
    assert grid(job.sheet) == [["-5"], ["3"]]


# --- Hostile or broken: refused, nothing changed


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


HOSTILE = {
    "binary image": ("photo.csv", None, "This is a PNG image, not a CSV file."),
    "NUL bytes": ("nul.csv", None, "contains NUL bytes"),
    "unclosed quote": ("unclosed.csv", None, "Row 2: a quoted value is never closed"),
    "random binary": ("x.csv", bytes(range(1, 9)) * 2000, "binary data, not text"),
    "empty file": ("x.csv", b"", "The file is empty."),
    "text after a quote": ("x.csv", b'a,b\n"x"y,2\n', "Row 2: text follows a closing quote"),
    "too many columns": ("x.csv", b",".join([b"c"] * 201) + b"\n", "Row 1 has 201 values"),
    "cell too long": (
        "x.csv",
        b"a,b\n1," + b"x" * 10_001 + b"\n",
        "Row 2, column 2: a value of 10,001",
    ),
    "row too long": ("x.csv", b"a\n" + b",".join([b"x" * 9000] * 150) + b"\n", "Row 2 holds"),
    "zip bomb": (
        "bomb.xlsx",
        _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": bytes(20 << 20)}),
        "like a zip bomb",
    ),
    "zip, not a workbook": ("x.xlsx", _zip({"a.txt": b"hello"}), "not an XLSX workbook"),
    "damaged workbook": ("x.xlsx", _zip({"xl/workbook.xml": b"<nope"}), "damaged"),
    "xlsx that is no zip": ("x.xlsx", b"Name\nRent\n", "not a valid XLSX workbook"),
}


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
@pytest.mark.parametrize("target", ["new", "existing"])
def test_hostile_files_are_refused_and_change_nothing(auth_client, user, sheet, case, target):
    name, data, message = HOSTILE[case]
    data = file_bytes(name) if data is None else data
    before = state(sheet)
    sheets_before = Sheet.objects.count()
    response = upload(auth_client, data, name=name, sheet=sheet if target == "existing" else None)
    job = last_job(user)
    assert job.status == ImportJob.Status.REFUSED
    assert message in job.error
    body = response.content.decode()
    assert 'role="alert"' in body
    assert message.split("“")[0][:20] in body.replace("&quot;", '"').replace("&#x27;", "'")
    assert confirm(auth_client, job, "append").status_code == 200
    job.refresh_from_db()
    assert job.status == ImportJob.Status.REFUSED  # a refused file cannot be confirmed
    assert state(sheet) == before
    assert Sheet.objects.count() == sheets_before


def test_a_file_over_the_upload_limit_is_refused_unread(auth_client, user, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    response = upload(auth_client, b"a\n" + b"1\n" * 1000)
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert "larger than the" in response.content.decode()
    plain = auth_client.post(
        "/sheets/import/", {"file": SimpleUploadedFile("a.csv", b"a\n" + b"1\n" * 1000)}
    )
    assert plain.status_code == 413
    assert not ImportJob.objects.exists()


def test_uploads_need_the_csrf_token(user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    refused = client.post("/sheets/import/", {"file": SimpleUploadedFile("a.csv", b"a\n1\n")})
    assert refused.status_code == 403
    assert not ImportJob.objects.exists()
    client.get("/sheets/")
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/sheets/import/", {"file": SimpleUploadedFile("a.csv", b"a\n1\n")}, HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 302
    assert last_job(user).status == "ready"


def test_nginx_takes_uploads_as_large_as_the_app(settings):
    from deploy.render import max_body_bytes
    from proj.embedded import max_request_bytes

    # By default a million rows × 20 columns (a CSV of about 210 MiB) fit.
    assert settings.MAX_UPLOAD_BYTES == 256 * 1024 * 1024
    assert settings.MAX_ROWS_PER_SHEET == 1_000_000
    assert max_body_bytes() >= settings.MAX_UPLOAD_BYTES
    assert max_request_bytes() >= settings.MAX_UPLOAD_BYTES
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE < settings.MAX_UPLOAD_BYTES


def test_a_file_with_more_rows_than_a_sheet_holds_is_refused(auth_client, user, settings):
    settings.MAX_ROWS_PER_SHEET = 3
    upload(auth_client, b"a\n1\n2\n3\n4\n")
    job = last_job(user)
    assert (job.status, job.error) == (
        "refused",
        "The file has more than 3 rows, the most a sheet holds.",
    )


def test_an_xlsx_claiming_a_huge_size_is_read_as_it_is(auth_client, user):
    """A workbook may claim A1:XFD1048576; rows are read as stored, not padded to it."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["a", "b"])
    book.active.append([1, 2])
    plain = io.BytesIO()
    book.save(plain)
    patched = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(patched, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b'<dimension ref="A1:B2"' in data
                data = data.replace(b'<dimension ref="A1:B2"', b'<dimension ref="A1:XFD1048576"')
            out.writestr(item, data)
    job = import_new(auth_client, user, patched.getvalue(), name="huge.xlsx")
    assert grid(job.sheet) == [[1, 2]]

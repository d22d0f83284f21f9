"""Text that cannot be stored (a lone surrogate, NUL) at every way into a
sheet: the page forms, the JSON API, the services any other caller uses, and
imported files. Each is refused with words that say why, nothing changes,
and the next good request is served. (The JSON parse's own refusal of lone
surrogates is in test_hostile_api.py and test_hostile_socket.py.)"""

import codecs
import io
import json

import openpyxl
import pytest

from proj.text import LONE_SURROGATE, NUL
from sheets import services
from sheets.io import writer
from sheets.models import ImportJob, Sheet, SheetShare
from sheets.tests.helpers import (
    assert_json_error,
    col_ids,
    insert_rows,
    new_id,
    post,
    row_ids,
    sheet_state,
    update,
)
from sheets.tests.importing import (  # noqa: F401 (fixtures)
    HX,
    import_new,
    inline_imports,
    last_job,
    state,
    upload,
)

pytestmark = pytest.mark.django_db

# Bad text as the Python strings a service may be handed, and the words that say why.
UNSTORABLE = {"NUL": ("a\x00b", NUL), "lone surrogate": ("a\ud800b", LONE_SURROGATE)}


def assert_still_serves(client, sheet) -> None:
    change = {"row": row_ids(sheet)[0], "col": col_ids(sheet)[0], "value": "fine"}
    body = {"client_id": "tab-1", "op_id": new_id(), "changes": [change]}
    response = post(client, f"/api/sheets/{sheet.id}/cells", body)
    assert response.status_code == 200, response.content
    assert response.json()["applied"] is True


def refuses(call, error: str, words: str) -> None:
    with pytest.raises(services.OpError) as refused:
        call()
    assert refused.value.error == error
    assert words in refused.value.message


# --- The services: whoever calls them (views, consumers, the admin, commands)


@pytest.mark.parametrize("bad", UNSTORABLE)
def test_a_title_that_cannot_be_stored_is_refused(user, sheet, bad):
    text, words = UNSTORABLE[bad]
    count, before = Sheet.objects.count(), sheet_state(sheet)
    refuses(lambda: services.sheet_create(owner=user, title=text), "invalid_title", words)
    rename = services.sheet_rename
    refuses(
        lambda: rename(sheet=sheet, user=user, title=text, op_id=new_id()), "invalid_title", words
    )
    assert Sheet.objects.count() == count
    assert sheet_state(sheet) == before


@pytest.mark.parametrize("bad", UNSTORABLE)
def test_a_column_name_that_cannot_be_stored_is_refused(user, sheet, bad):
    text, words = UNSTORABLE[bad]
    before = sheet_state(sheet)
    spec = {"id": new_id(), "name": text, "type": "text"}
    refuses(
        lambda: services.columns_insert(
            sheet=sheet, user=user, client_id="t", op_id=new_id(), columns=[spec]
        ),
        "invalid_name",
        words,
    )
    refuses(
        lambda: services.column_update(
            sheet=sheet,
            user=user,
            client_id="t",
            op_id=new_id(),
            column=col_ids(sheet)[0],
            name=text,
        ),
        "invalid_name",
        words,
    )
    assert sheet_state(sheet) == before


@pytest.mark.parametrize("bad", UNSTORABLE)
@pytest.mark.parametrize("column_type", ["text", "number", "date", "checkbox"])
def test_a_cell_that_cannot_be_stored_is_refused_in_every_column_type(
    user, typed_sheet, bad, column_type
):
    text, words = UNSTORABLE[bad]
    col = col_ids(typed_sheet)[["text", "number", "date", "checkbox"].index(column_type)]
    before = sheet_state(typed_sheet)
    result = update(
        typed_sheet, user, [{"row": row_ids(typed_sheet)[0], "col": col, "value": text}]
    )
    assert result["applied"] is False
    [error] = result["errors"]
    assert error["error"] == "invalid_text" and words in error["message"]
    result = insert_rows(
        typed_sheet, user, [{"id": new_id(), "after": None, "values": {col: text}}]
    )
    assert [e["error"] for e in result["errors"]] == ["invalid_text"]
    assert not any(
        text in json.dumps(r["values"]) for r in sheet_state(typed_sheet)["snapshot"]["rows"]
    )
    assert sheet_state(typed_sheet)["snapshot"]["columns"] == before["snapshot"]["columns"]


@pytest.mark.parametrize("bad", UNSTORABLE)
def test_a_client_id_that_cannot_be_stored_is_refused(user, sheet, bad):
    text, words = UNSTORABLE[bad]
    before = sheet_state(sheet)
    refuses(
        lambda: update(
            sheet,
            user,
            [{"row": row_ids(sheet)[0], "col": col_ids(sheet)[0], "value": "x"}],
            client_id=text,
        ),
        "invalid_client_id",
        words,
    )
    assert sheet_state(sheet) == before


@pytest.mark.parametrize("bad", UNSTORABLE)
def test_sharing_with_a_name_that_cannot_be_stored_is_refused(user, other_user, sheet, bad):
    text, words = UNSTORABLE[bad]
    for who in (text, f"{other_user.username}{text}", f"{text}{other_user.email}"):
        refuses(
            lambda who=who: services.sheet_share(sheet=sheet, user=user, who=who, role="editor"),
            "invalid_user",
            words,
        )
        refuses(
            lambda who=who: services.sheet_transfer(sheet=sheet, user=user, who=who),
            "invalid_user",
            words,
        )
    assert not SheetShare.objects.exists()
    assert Sheet.objects.get(pk=sheet.pk).owner == user


# --- Through HTTP: the page forms and the JSON API (a form cannot carry a
# lone surrogate: invalid UTF-8 in a form reads as U+FFFD; NUL it can).


def test_a_new_sheet_titled_with_nul_is_refused_on_the_page(auth_client, user):
    count = Sheet.objects.count()
    response = auth_client.post("/sheets/new/", {"title": "Budget\x00"}, **HX)
    assert response.status_code == 200
    assert NUL in response.content.decode()
    assert Sheet.objects.count() == count


def test_a_rename_with_nul_is_refused_on_the_page_and_by_the_api(auth_client, sheet):
    before = sheet_state(sheet)
    response = auth_client.post(f"/sheets/{sheet.id}/rename/", {"title": "Budget\x00"})
    assert response.status_code == 400
    assert NUL in response.content.decode()
    body = {"op_id": new_id(), "title": "Budget\x00"}
    response = post(auth_client, f"/api/sheets/{sheet.id}/rename", body)
    assert NUL in assert_json_error(response, 400, "invalid_title")["message"]
    assert sheet_state(sheet) == before
    assert_still_serves(auth_client, sheet)


def test_column_names_with_nul_are_refused_by_the_api(auth_client, sheet):
    before = sheet_state(sheet)
    url = f"/api/sheets/{sheet.id}/columns"
    spec = {"id": new_id(), "name": "Cost\x00", "type": "text"}
    response = post(auth_client, f"{url}/insert", {"op_id": new_id(), "columns": [spec]})
    assert NUL in assert_json_error(response, 400, "invalid_name")["message"]
    body = {"op_id": new_id(), "column": col_ids(sheet)[0], "name": "\x00"}
    response = post(auth_client, f"{url}/update", body)
    assert NUL in assert_json_error(response, 400, "invalid_name")["message"]
    assert sheet_state(sheet) == before
    assert_still_serves(auth_client, sheet)


@pytest.mark.parametrize("value", ["a\x00b", "1\x00", "2027-01-01\x00", "true\x00"])
def test_a_cell_with_nul_is_refused_by_the_api_in_any_column(auth_client, typed_sheet, value):
    before = sheet_state(typed_sheet)
    row = row_ids(typed_sheet)[0]
    changes = [{"row": row, "col": col, "value": value} for col in col_ids(typed_sheet)[:4]]
    body = {"client_id": "tab-1", "op_id": new_id(), "changes": changes}
    response = post(auth_client, f"/api/sheets/{typed_sheet.id}/cells", body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert len(errors) == 4 and {e["error"] for e in errors} == {"invalid_text"}
    assert sheet_state(typed_sheet) == before
    assert_still_serves(auth_client, typed_sheet)


def test_a_client_id_with_nul_is_refused_by_the_api(auth_client, sheet):
    before = sheet_state(sheet)
    response = post(
        auth_client,
        f"/api/sheets/{sheet.id}/cells",
        {
            "client_id": "tab\x00",
            "op_id": new_id(),
            "changes": [{"row": row_ids(sheet)[0], "col": col_ids(sheet)[0], "value": "x"}],
        },
    )
    assert NUL in assert_json_error(response, 400, "invalid_client_id")["message"]
    assert sheet_state(sheet) == before
    assert_still_serves(auth_client, sheet)


def test_sharing_with_a_typed_name_holding_nul_is_refused(auth_client, other_user, sheet):
    response = auth_client.post(
        f"/sheets/{sheet.id}/share/", {"who": f"{other_user.username}\x00", "role": "editor"}
    )
    assert response.status_code == 400
    assert NUL in response.content.decode()
    response = auth_client.post(f"/sheets/{sheet.id}/transfer/", {"who": "\x00"})
    assert response.status_code == 400
    assert not SheetShare.objects.exists()
    assert Sheet.objects.get(pk=sheet.pk).owner_id != other_user.id
    ok = auth_client.post(
        f"/sheets/{sheet.id}/share/", {"who": other_user.username, "role": "viewer"}
    )
    assert ok.status_code == 200 and SheetShare.objects.count() == 1


# --- Imported files


def xlsx(*rows: list) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CSV_FILES = {
    "UTF-8 with a BOM, an encoded surrogate": (
        codecs.BOM_UTF8 + b"Name\r\na\xed\xa0\x80b\r\n",
        "not valid UTF-8 with BOM text",
    ),
    "UTF-16 with a BOM, a lone surrogate": (
        codecs.BOM_UTF16_LE
        + "Name\r\na".encode("utf-16-le")
        + b"\x00\xd8"
        + "b\r\n".encode("utf-16-le"),
        "not valid UTF-16 LE with BOM text",
    ),
    "UTF-8 with a NUL": (b"Name\r\na\x00b\r\n", "NUL"),
}
XLSX_FILES = {
    "a cell escaping a lone surrogate": (xlsx(["Name"], ["a_xD800_b"]), LONE_SURROGATE),
    "a header escaping a lone surrogate": (xlsx(["Na_xDC00_me"], ["a"]), LONE_SURROGATE),
    "a number column escaping a lone surrogate": (xlsx(["N"], [1], ["_xD800_"]), LONE_SURROGATE),
    "a cell escaping NUL": (xlsx(["Name"], ["a_x0000_b"]), NUL),
}
FILES = {
    **{k: (data, words, "bad.csv") for k, (data, words) in CSV_FILES.items()},
    **{k: (data, words, "bad.xlsx") for k, (data, words) in XLSX_FILES.items()},
}


@pytest.mark.usefixtures("inline_imports")
@pytest.mark.parametrize("target", ["new", "existing"])
@pytest.mark.parametrize("case", FILES)
def test_a_file_holding_text_that_cannot_be_stored_is_refused(
    auth_client, user, sheet, case, target
):
    data, words, name = FILES[case]
    before, count = state(sheet), Sheet.objects.count()
    response = upload(auth_client, data, name=name, sheet=sheet if target == "existing" else None)
    assert response.status_code == 200
    job = last_job(user)
    assert job.status == ImportJob.Status.REFUSED, job.preview
    assert words in job.error
    assert 'role="alert"' in response.content.decode()
    assert state(sheet) == before
    assert Sheet.objects.count() == count
    done = import_new(auth_client, user, b"Name\r\nfine\r\n", name="fine.csv")
    assert done.status == "done"


@pytest.mark.usefixtures("inline_imports")
def test_an_8_bit_file_is_read_as_windows_1252_not_as_broken_unicode(auth_client, user):
    """Without a BOM, bytes that are not UTF-8 are Windows-1252 text: valid
    characters, never a surrogate."""
    job = import_new(auth_client, user, b"Name\r\na\xed\xa0\x80b\r\n", name="legacy.csv")
    job.refresh_from_db()
    assert list(job.sheet.rows.values_list("values", flat=True)) == [
        {str(job.sheet.columns.get().id): "a\xed\xa0\u20acb"}
    ]


@pytest.mark.usefixtures("inline_imports")
@pytest.mark.parametrize("name", ["da\x00ta.csv", "\x00.csv"])
def test_a_file_name_holding_nul_is_kept_without_it(auth_client, user, name):
    """Django's upload parser drops it; the file is read as any other."""
    response = upload(auth_client, b"Name\r\nfine\r\n", name=name)
    assert response.status_code == 200
    job = last_job(user)
    assert job.status == ImportJob.Status.READY, job.error
    assert job.filename == name.replace("\x00", "")


@pytest.mark.usefixtures("inline_imports")
@pytest.mark.parametrize("bad", UNSTORABLE)
def test_an_upload_named_with_text_that_cannot_be_stored_is_refused(user, bad):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text, words = UNSTORABLE[bad]
    upload_file = SimpleUploadedFile(f"{text}.csv", b"Name\r\nfine\r\n")
    refuses(
        lambda: writer.import_job_create(user=user, sheet=None, upload=upload_file),
        "invalid_file_name",
        words,
    )
    assert not ImportJob.objects.exists()

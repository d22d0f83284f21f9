"""The preview's row cache: the file is read and validated once, the import
writes the rows the preview kept, and anything that changed since the preview
sends the import back to reading the file (sheets/io/preview_cache.py)."""

import json
import shutil
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from sheets import services
from sheets.io import jobs
from sheets.io.cleaning import encode_rows
from sheets.io.preview_cache import cache_path
from sheets.models import ImportJob, Sheet
from sheets.tests.importing import (  # noqa: F401 (fixtures)
    columns_of,
    confirm,
    grid,
    inline_imports,
    last_job,
    retype,
    state,
    typed_columns,
    upload,
)
from sheets.values import EMPTY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_imports")]

TYPES = {"Item": "text", "Amount": "number", "Due": "date", "Paid": "checkbox"}


def messy_rows(count: int) -> bytes:
    """More than one batch of awkward values: quotes, backslashes, newlines,
    U+2028, escapes, numbers written every way a plain number may be, dates,
    checkboxes in any case, codes with leading zeros, empty and short rows."""
    texts = ['say "hi"', "back\\slash", "two\nlines", "sep\u2028arator", "'=1+2", "é ✓ 🙂", ""]
    numbers = ["-0", "1e20", "5.0", "0.25", "-3", "12345678901234", "1E-7", "", "7"]
    lines = ["Item,Amount,Due,Paid,Code"]
    for i in range(count):
        if i % 997 == 500:
            lines.append("")  # a blank row in the middle: no row of the sheet
            continue
        row = [
            texts[i % len(texts)] + (f" {i}" if i % 3 else ""),
            numbers[i % len(numbers)],
            f"2027-{i % 12 + 1:02d}-{i % 28 + 1:02d}" if i % 5 else "",
            ["TRUE", "false", "True", ""][i % 4],
            f"{i % 1000:04d}",
        ]
        cells = [
            '"' + c.replace('"', '""') + '"' if any(x in c for x in ',"\n') else c for c in row
        ]
        if i % 701 == 0:
            cells = cells[:3]  # a short row: padded
        lines.append(",".join(cells))
    return ("\n".join(lines) + "\n").encode()


def preview(client, user, data: bytes, *, sheet: Sheet | None = None, **form) -> ImportJob:
    upload(client, data, sheet=sheet, **form)
    job = last_job(user)
    assert job.status == "ready", job.error
    return job


def finish(client, job: ImportJob, mode: str | None = None) -> ImportJob:
    confirm(client, job, mode)
    job.refresh_from_db()
    return job


def finish_refused(client, job: ImportJob, mode: str, sheet: Sheet) -> ImportJob:
    """Confirm an import that must fail: nothing of the sheet changes (rows,
    columns, version, change log) and the upload and its row cache are gone."""
    before = state(sheet)
    job = finish(client, job, mode)
    assert job.status == "failed"
    assert state(sheet) == before
    assert files_of(job) == [False, False]
    return job


def stored(sheet: Sheet) -> list[tuple[float, list]]:
    """Each row's order and its cells by column position, exactly as stored."""
    ids = [str(i) for i in sheet.columns.order_by("position").values_list("id", flat=True)]
    return [
        (order, [[values.get(i), type(values.get(i)).__name__] for i in ids], len(values))
        for order, values in sheet.rows.order_by("order").values_list("order", "values")
    ]


def files_of(job: ImportJob) -> list[bool]:
    """Whether the upload and the row cache beside it are there."""
    return [Path(job.file_path).exists(), cache_path(job.file_path).exists()]


@pytest.fixture
def typed(sheet, user):
    typed_columns(sheet, user, TYPES)
    return sheet


# --- The same rows either way


def test_a_new_sheet_from_the_cache_equals_one_read_from_the_file(auth_client, user):
    data = messy_rows(4500)
    cached = finish(auth_client, preview(auth_client, user, data))
    assert cached.status == "done", cached.error
    assert cached.result["from_cache"] is True

    job = preview(auth_client, user, data)
    cache_path(job.file_path).unlink()  # the fallback: the file is read again
    read = finish(auth_client, job)
    assert read.status == "done", read.error
    assert read.result["from_cache"] is False

    assert columns_of(cached.sheet) == columns_of(read.sheet)
    assert columns_of(cached.sheet) == [
        ("Item", "text"),
        ("Amount", "number"),
        ("Due", "date"),
        ("Paid", "checkbox"),
        ("Code", "text"),
    ]
    assert stored(cached.sheet) == stored(read.sheet)
    assert len(stored(cached.sheet)) == 4500 - 5  # the blank lines
    assert grid(cached.sheet)[1][:4] == ["back\\slash 1", 1e20, "2027-02-02", False]


def test_the_new_columns_get_the_ids_the_preview_chose(auth_client, user):
    job = preview(auth_client, user, b"a,b\n1,x\n")
    chosen = [t["id"] for t in job.preview["targets"]]
    job = finish(auth_client, job)
    ids = [str(i) for i in job.sheet.columns.order_by("position").values_list("id", flat=True)]
    assert ids == chosen
    assert job.sheet.rows.get().values == {chosen[0]: 1, chosen[1]: "x"}


@pytest.mark.parametrize("mode", ["append", "replace"])
def test_an_existing_sheet_from_the_cache_equals_one_read_from_the_file(
    auth_client, user, make_sheet, mode
):
    data = messy_rows(2500)
    sheets = []
    for use_cache in (True, False):
        sheet = make_sheet(title=f"cache {use_cache}")
        typed_columns(sheet, user, TYPES | {"Code": "text"})
        job = preview(auth_client, user, data, sheet=sheet)
        if not use_cache:
            cache_path(job.file_path).unlink()
        job = finish(auth_client, job, mode)
        assert job.status == "done", job.error
        assert job.result["from_cache"] is use_cache
        sheets.append(sheet)
    assert stored(sheets[0]) == stored(sheets[1])
    blank = 3
    assert len(stored(sheets[0])) == 2500 - blank + (
        services.DEFAULT_ROWS if mode == "append" else 0
    )


def test_a_column_that_turns_to_text_late_is_kept_as_text(auth_client, user):
    """Numbers for 3,000 rows (more than one batch), then a word: the rows
    kept as numbers are kept again as text, and the import still uses them."""
    data = b"n,m\n" + b"".join(b"%d,%d\n" % (i, i) for i in range(3000)) + b"n/a,1\n"
    job = preview(auth_client, user, data)
    assert [m["type"] for m in job.preview["mapping"]] == ["text", "number"]
    assert job.preview["cache"]["rows"] == 3001
    job = finish(auth_client, job)
    assert job.result["from_cache"] is True
    assert grid(job.sheet)[:2] == [["0", 0], ["1", 1]]
    assert grid(job.sheet)[-1] == ["n/a", 1]


def test_encoded_rows_are_what_json_writes():
    columns = [
        ("a", "text", ['"q"\\', "\n\t\x01", "\u2028é🙂", EMPTY]),
        ("b", "number", [0, -3, 1e20, 0.1]),
        ("c", "checkbox", [True, False, EMPTY, True]),
        ("d", "date", ["2027-01-31", EMPTY, EMPTY, "2000-02-29"]),
    ]
    cells = [{} for _ in range(4)]
    for key, _type, column in columns:
        for row, value in zip(cells, column, strict=True):
            if value is not EMPTY:
                row[key] = value
    expected = [json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in cells]
    assert encode_rows(4, columns) == expected
    assert encode_rows(2, []) == ["{}", "{}"]


# --- Anything changed since the preview: the file is read and validated again


def test_a_column_retyped_after_the_preview_reads_the_file_again(auth_client, user, typed):
    job = preview(auth_client, user, b"Item,Amount\nRent,900\nFood,12.5\n", sheet=typed)
    assert job.preview["cache"]["rows"] == 2
    retype(typed, user, "Amount", "text")
    job = finish(auth_client, job, "replace")
    assert job.status == "done", job.error
    assert job.result["from_cache"] is False
    assert [row[:2] for row in grid(typed)] == [["Rent", "900"], ["Food", "12.5"]]
    assert files_of(job) == [False, False]


def test_a_value_that_no_longer_fits_its_retyped_column_refuses_the_import(
    auth_client, user, typed
):
    job = preview(auth_client, user, b"Item,Amount\nRent,900\n", sheet=typed)
    retype(typed, user, "Amount", "checkbox")
    job = finish_refused(auth_client, job, "replace", typed)
    assert "do not fit their column" in job.error and "“900” is not true or false" in job.error


def test_a_column_deleted_after_the_preview_refuses_the_import(auth_client, user, typed):
    job = preview(auth_client, user, b"Item,Amount\nRent,900\n", sheet=typed)
    services.columns_delete(
        sheet=typed,
        user=user,
        client_id="",
        op_id=str(uuid.uuid4()),
        columns=[str(typed.columns.get(name="Amount").id)],
    )
    job = finish_refused(auth_client, job, "append", typed)
    assert "no longer exists" in job.error


def test_reading_again_with_another_delimiter_never_uses_the_old_rows(auth_client, user):
    data = b"a;b,c\n1;2,3\n"
    job = preview(auth_client, user, data, delimiter="comma")
    assert job.preview["columns"] == ["a;b", "c"]
    old = cache_path(job.file_path)
    kept = old.with_name("old-rows")
    shutil.copy(old, kept)
    # 2,3 as text: with semicolons it would be read as a decimal comma.
    reread = {"delimiter": "semicolon", "decimal_mark": "point"}
    auth_client.post(f"/imports/{job.id}/reread/", reread)
    job.refresh_from_db()
    assert job.status == "ready"
    assert job.preview["columns"] == ["a", "b,c"]
    shutil.copy(kept, old)  # the old rows put back where the new ones were
    job = finish(auth_client, job)
    assert job.status == "done", job.error
    assert job.result["from_cache"] is False
    assert columns_of(job.sheet) == [("a", "number"), ("b,c", "text")]
    assert grid(job.sheet) == [[1, "2,3"]]


def test_a_damaged_cache_is_not_used(auth_client, user):
    data = messy_rows(50)
    job = preview(auth_client, user, data)
    path = cache_path(job.file_path)
    text = path.read_bytes()
    path.write_bytes(text.replace(b"2027", b"1999", 1))
    job = finish(auth_client, job)
    assert job.status == "done", job.error
    assert job.result["from_cache"] is False
    assert "1999" not in json.dumps(grid(job.sheet))


def test_a_file_with_errors_keeps_its_rows_with_the_bad_ones_marked(auth_client, user, typed):
    job = preview(auth_client, user, b"Item,Amount\nRent,abc\nFood,2\n", sheet=typed)
    assert job.preview["error_count"] == 1
    assert job.preview["cache"]["rows"] == 2
    assert job.preview["cache"]["bad_rows"] == 1
    assert files_of(job) == [True, True]


def test_an_xlsx_cell_escaping_a_nul_refuses_the_file(auth_client, user):
    """An XLSX `_x0000_` escape reads as a NUL, which no cell may hold."""
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Note"])
    book.active.append(["a_x0000_b"])
    data = io.BytesIO()
    book.save(data)
    count = Sheet.objects.count()
    upload(auth_client, data.getvalue(), name="nul.xlsx")
    job = last_job(user)
    assert job.status == "refused"
    assert "NUL" in job.error
    assert Sheet.objects.count() == count
    assert files_of(job) == [False, False]


# --- The cache goes with the upload


def test_both_files_go_when_the_job_is_done(auth_client, user):
    job = preview(auth_client, user, b"a\n1\n")
    assert files_of(job) == [True, True]
    job = finish(auth_client, job)
    assert job.status == "done"
    assert files_of(job) == [False, False]


def test_both_files_go_when_the_job_fails(auth_client, user, typed, settings):
    job = preview(auth_client, user, b"Item\na\nb\n", sheet=typed)
    assert files_of(job) == [True, True]
    settings.MAX_ROWS_PER_SHEET = services.DEFAULT_ROWS + 1
    job = finish_refused(auth_client, job, "append", typed)
    assert "at most" in job.error


def test_both_files_go_when_the_file_is_refused(auth_client, user, typed):
    # Refused only once the whole file was read: its rows had been kept meanwhile.
    upload(auth_client, b'Item\nred\n"never closed\n', sheet=typed)
    job = last_job(user)
    assert job.status == "refused"
    assert "a quoted value is never closed" in job.error
    assert files_of(job) == [False, False]


def test_old_and_dead_jobs_lose_both_files(auth_client, user, typed):
    old = preview(auth_client, user, b"Item\na\n", sheet=typed)
    ImportJob.objects.filter(pk=old.pk).update(updated_at=old.updated_at - timedelta(hours=48))
    jobs.sweep()
    assert not ImportJob.objects.filter(pk=old.pk).exists()
    assert files_of(old) == [False, False]

    dead = preview(auth_client, user, b"Item\na\n", sheet=typed)
    ImportJob.objects.filter(pk=dead.pk).update(status="running")
    ImportJob.objects.filter(pk=dead.pk).update(updated_at=dead.updated_at - jobs.STALE_AFTER * 2)
    dead.refresh_from_db()
    assert jobs.expire_stale(dead).status == "failed"
    assert files_of(dead) == [False, False]

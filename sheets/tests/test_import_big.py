"""A large file (20,000 rows: ten of the import's batches) goes through the same
upload, preview and confirm as a small one: the upload lands on disk, the
import writes the rows a batch at a time inside one op, never holding them
all, and a failure past the first batches leaves nothing written."""

import tracemalloc
from pathlib import Path

import pytest

from sheets.io import jobs
from sheets.io.cleaning import BATCH_ROWS
from sheets.io.preview_cache import cache_path
from sheets.models import Change, Sheet
from sheets.tests.helpers import insert_rows, new_id
from sheets.tests.importing import (  # noqa: F401 (fixtures)
    confirm,
    grid,
    inline_imports,
    last_job,
    retype,
    state,
    typed_columns,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_imports")]

ROWS = 20_000
WIDTH = 10


def big_csv(*, bad_row: int | None = None) -> bytes:
    """ROWS rows: Item, Amount and eight text columns of about 20 characters.
    `bad_row` (numbered as in the file: the header is row 1) holds an amount
    that is not a number."""
    lines = ["Item,Amount," + ",".join(f"Note {c}" for c in range(WIDTH - 2))]
    for number in range(2, ROWS + 2):
        amount = "n/a" if number == bad_row else f"{number}.5"
        notes = ",".join(f"note {number:06d} of col {c}" for c in range(WIDTH - 2))
        lines.append(f"item {number},{amount},{notes}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def reports(monkeypatch) -> list[tuple[str, int, int]]:
    """Every progress report of the jobs, as the page's poll would read them."""
    seen: list[tuple[str, int, int]] = []
    real = jobs.set_progress

    def record(job_id, phase: str, done: int, total: int) -> None:
        seen.append((phase, done, total))
        real(job_id, phase, done, total)

    monkeypatch.setattr(jobs, "set_progress", record)
    return seen


def test_a_big_upload_is_moved_into_place_not_held_in_memory(auth_client, user, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024  # the file is spooled to disk
    data = big_csv()
    upload(auth_client, data, name="big.csv")
    job = last_job(user)
    assert job.status == "ready", job.error
    assert Path(job.file_path).read_bytes() == data
    assert job.preview["row_count"] == ROWS
    assert job.preview["cache"]["rows"] == ROWS
    assert len(job.preview["rows"]) == 10  # the page shows the first rows only


def test_a_big_import_is_one_op_written_a_batch_at_a_time(auth_client, user, reports):
    upload(auth_client, big_csv(), name="big.csv")
    job = last_job(user)
    assert job.status == "ready", job.error
    # The file is read once, its progress reported as it goes.
    reading = [done for phase, done, _ in reports if phase == jobs.READING]
    assert len(reading) >= ROWS // BATCH_ROWS and reading == sorted(reading)

    tracemalloc.start()
    try:
        confirm(auth_client, job)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert job.result["from_cache"] is True
    sheet = Sheet.objects.get(pk=job.sheet_id)
    rows = grid(sheet)
    assert len(rows) == ROWS
    assert rows[0][:3] == ["item 2", 2.5, "note 000002 of col 0"]
    assert rows[-1][:2] == [f"item {ROWS + 1}", ROWS + 1.5]
    # One op: one change, one version, one event for the open tabs.
    assert sheet.version == 1
    assert list(Change.objects.filter(sheet=sheet).values_list("payload__type", flat=True)) == [
        "sheet.reset"
    ]
    # Written a batch at a time: one report per batch, rows counted up to all.
    importing = [done for phase, done, _ in reports if phase == jobs.IMPORTING]
    assert importing == [0, *range(BATCH_ROWS, ROWS + 1, BATCH_ROWS)]
    # Never all the rows at once: their stored text alone is about 12 MiB.
    assert peak < 6 * 2**20, f"the import held {peak / 2**20:.1f} MiB at its peak"


def test_the_row_limit_reached_mid_file_leaves_nothing_written(auth_client, user, sheet, settings):
    typed_columns(sheet, user, {"Item": "text", "Amount": "number"})
    settings.MAX_ROWS_PER_SHEET = sheet.rows.count() + ROWS
    upload(auth_client, big_csv(), sheet=sheet)
    job = last_job(user)
    assert job.status == "ready", job.error
    # Someone else's row: the file no longer fits.
    insert_rows(sheet, user, [{"id": new_id(), "after": None}])
    before = state(sheet)
    confirm(auth_client, job, "append")
    job.refresh_from_db()
    assert job.status == "failed"
    assert "at most" in job.error
    assert state(sheet) == before


def test_a_bad_value_late_in_a_file_read_again_leaves_nothing_written(auth_client, user, sheet):
    typed_columns(sheet, user, {"Item": "text", "Amount": "text"})
    upload(auth_client, big_csv(bad_row=ROWS - 5), sheet=sheet)
    job = last_job(user)
    assert job.status == "ready", job.error
    assert not job.preview["error_count"]  # "n/a" is text, for now
    # Retyped after the preview: the import reads and checks the file again.
    retype(sheet, user, "Amount", "number")
    before = state(sheet)
    confirm(auth_client, job, "replace")
    job.refresh_from_db()
    assert job.status == "failed"
    assert "1 value(s) do not fit their column" in job.error
    assert state(sheet) == before
    assert not Path(job.file_path).exists()


def test_a_cache_found_damaged_after_its_last_row_is_undone_and_the_file_read(auth_client, user):
    """The cache's CRC is checked as it is read, so the damage shows only once
    ten batches were written from it: those go, the rows come from the file."""
    upload(auth_client, big_csv(), name="big.csv")
    job = last_job(user)
    path = cache_path(job.file_path)
    text = path.read_bytes()
    last = text.rindex(b"item ")
    path.write_bytes(text[:last] + b"ITEM " + text[last + 5 :])  # same size
    confirm(auth_client, job)
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert job.result["from_cache"] is False
    rows = grid(Sheet.objects.get(pk=job.sheet_id))
    assert len(rows) == ROWS
    assert rows[-1][0] == f"item {ROWS + 1}"


def test_a_cache_row_the_database_refuses_sends_the_import_to_the_file(auth_client, user):
    """Damage that is not JSON any more fails in the database before the
    CRC-32 is known: that too is undone and the file read instead."""
    upload(auth_client, big_csv(), name="big.csv")
    job = last_job(user)
    path = cache_path(job.file_path)
    text = path.read_bytes()
    middle = text.index(b"\n{", len(text) // 2) + 1
    path.write_bytes(text[:middle] + b"[" + text[middle + 1 :])  # same size
    confirm(auth_client, job)
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert job.result["from_cache"] is False
    assert len(grid(Sheet.objects.get(pk=job.sheet_id))) == ROWS

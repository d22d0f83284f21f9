"""Helpers shared by the import and export tests: uploading real files through
the pages, reading what a sheet holds, and proving that nothing changed."""

import queue
import threading
from pathlib import Path
from typing import Any

import pytest

from sheets.io import jobs
from sheets.models import Change, ImportJob, Sheet

FILES = Path(__file__).parent / "files"
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def inline_imports(settings, tmp_path):
    """Jobs run inside the request; uploads are kept in a temporary folder."""
    settings.IMPORT_RUNNER = "inline"
    settings.IMPORT_DIR = tmp_path / "imports"
    return settings


class ProgressGate:
    """Holds the import's thread at each progress report of the importing
    phase until the test lets it go on, so a poll made in between sees that
    report however fast the import runs. The reports still go through the
    real `set_progress` (the cache the page reads)."""

    def __init__(self, within: float):
        self.within = within
        self.thread: threading.Thread | None = None
        self._reports: queue.Queue[int] = queue.Queue()
        self._go_on = threading.Semaphore(0)
        self._open = threading.Event()

    def hold(self, report) -> Any:
        def held(job_id: Any, phase: str, done: int, total: int) -> None:
            report(job_id, phase, done, total)
            if phase == jobs.IMPORTING and not self._open.is_set():
                self.thread = threading.current_thread()
                self._reports.put(done)
                self._go_on.acquire(timeout=self.within)

        return held

    def next_report(self) -> int:
        """The figure the import just reported; it waits until `go_on`."""
        try:
            return self._reports.get(timeout=self.within)
        except queue.Empty:
            raise AssertionError(
                f"waited {self.within} s for the import to report progress"
            ) from None

    def go_on(self) -> None:
        self._go_on.release()

    def open(self) -> None:
        """Hold nothing more (the test ended, passed or not)."""
        self._open.set()
        self._go_on.release()
        if self.thread is not None:
            self.thread.join(self.within)


def file_bytes(name: str) -> bytes:
    return (FILES / name).read_bytes()


def upload(client, data: bytes, *, name: str = "data.csv", sheet: Sheet | None = None, **form):
    """POST a file to the import form (a new sheet, or into `sheet`) as HTMX does."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = f"/sheets/{sheet.id}/import/" if sheet else "/sheets/import/"
    return client.post(url, {"file": SimpleUploadedFile(name, data), **form}, **HX)


def last_job(user) -> ImportJob:
    return ImportJob.objects.filter(user=user).latest("created_at")


def confirm(client, job: ImportJob, mode: str | None = None, **form: Any):
    """POST the preview's confirm form as the page does (with the preview it
    was made from), plus any other fields (`bad_rows`, `add`, `type-N`...)."""
    data = {"mode": mode} if mode else {}
    if "id" in job.preview:
        data["preview"] = job.preview["id"]
    return client.post(f"/imports/{job.id}/confirm/", {**data, **form}, **HX)


def import_new(client, user, data: bytes, *, name: str = "data.csv", **form) -> ImportJob:
    """Upload, check the preview is clean, confirm: the finished job."""
    upload(client, data, name=name, **form)
    job = last_job(user)
    assert job.status == "ready", job.error
    assert not job.preview["error_count"], job.preview["errors"]
    confirm(client, job)
    job.refresh_from_db()
    assert job.status == "done", job.error
    return job


def columns_of(sheet: Sheet) -> list[tuple[str, str]]:
    return list(sheet.columns.order_by("position").values_list("name", "type"))


def grid(sheet: Sheet) -> list[list[Any]]:
    """The committed values, rows in order, columns in order (None: empty)."""
    ids = [str(i) for i in sheet.columns.order_by("position").values_list("id", flat=True)]
    return [
        [values.get(i) for i in ids]
        for values in sheet.rows.order_by("order").values_list("values", flat=True)
    ]


def state(sheet: Sheet) -> dict:
    """Everything an import could change: compare before and after a refusal."""
    fresh = Sheet.objects.get(pk=sheet.pk)
    return {
        "version": fresh.version,
        "columns": list(fresh.columns.order_by("position").values_list("id", "name", "type")),
        "rows": list(fresh.rows.order_by("order").values_list("id", "order", "values")),
        "changes": Change.objects.filter(sheet=fresh).count(),
    }


def _update_column(sheet: Sheet, user, column, **fields: str) -> None:
    """A column's name and/or type changed through the service, as a user would."""
    import uuid

    from sheets import services

    services.column_update(
        sheet=sheet,
        user=user,
        client_id="",
        op_id=str(uuid.uuid4()),
        column=str(column.id),
        **fields,
    )


def typed_columns(sheet: Sheet, user, types: dict[str, str]) -> None:
    """Rename and retype the default sheet's first columns: {name: type}."""
    columns = list(sheet.columns.order_by("position"))
    for column, (name, column_type) in zip(columns, types.items(), strict=False):
        _update_column(sheet, user, column, name=name, type=column_type)


def retype(sheet: Sheet, user, name: str, column_type: str) -> None:
    """Change the type of the sheet's column called `name`."""
    _update_column(sheet, user, sheet.columns.get(name=name), type=column_type)


def rename(sheet: Sheet, user, name: str, new_name: str) -> None:
    """Rename the sheet's column called `name`."""
    _update_column(sheet, user, sheet.columns.get(name=name), name=new_name)


def remove_rows(sheet: Sheet, user) -> None:
    """Every row of the sheet deleted through the service."""
    import uuid

    from sheets import services

    services.rows_delete(
        sheet=sheet,
        user=user,
        client_id="",
        op_id=str(uuid.uuid4()),
        rows=[str(i) for i in sheet.rows.values_list("id", flat=True)],
    )


def download(client, sheet: Sheet, fmt: str) -> bytes:
    """The sheet's export (csv or xlsx), streamed, as bytes."""
    from django.http import StreamingHttpResponse

    response = client.get(f"/sheets/{sheet.id}/export.{fmt}")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content)


def read_csv(data: bytes) -> list[list[str]]:
    """A CSV we wrote (UTF-8 with a BOM) as rows of strings."""
    import csv
    import io

    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode(), newline="")))

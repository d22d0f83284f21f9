"""Import jobs: a file's preview, then its import, both outside the request.

A job (`ImportJob`) moves uploaded → analysing → ready → queued → running →
done, or ends refused/failed. `run_job(job_id)` does whatever the job waits
for; `start(job)` hands it to the configured runner: a thread of the serving
process (the default), the request itself (tests), or `manage.py
run_import_jobs` (a worker). Only the import touches the sheet, through
`writer.sheet_import` (one op); this module keeps the job's own record.
Progress goes through the cache, so another request (or process, with Redis)
sees it while the import's transaction is still open.

The preview leaves the file's rows, cleaned and encoded, beside the upload
(sheets/io/preview_cache.py); the import writes those as they are when it can,
and reads the upload again when it cannot. Both files go when the job ends.
"""

import logging
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.utils import timezone

from sheets import services
from sheets.io import writer
from sheets.io.choices import targets_with
from sheets.io.preview import NumberedRow, RowStats, analyse, data_rows
from sheets.io.preview_cache import RowCache, cache_path, open_cached
from sheets.io.reading import open_table
from sheets.io.skipped import SkippedRows, skipped_path
from sheets.io.table import FileRefused, Table
from sheets.models import ImportJob

log = logging.getLogger(__name__)

# A running job that reported no progress for this long died with its process.
STALE_AFTER = timedelta(minutes=10)
Status = ImportJob.Status


def _progress_key(job_id: Any) -> str:
    return f"import-progress:{job_id}"


READING, IMPORTING = "reading", "importing"


def set_progress(job_id: Any, phase: str, done: int, total: int) -> None:
    """Kept until it expires, never deleted: a poll that read the job's status
    just before the phase ended still finds the figures of that phase."""
    value = [phase, done, total, timezone.now().timestamp()]
    cache.set(_progress_key(job_id), value, 3600)


def job_progress(job: ImportJob) -> tuple[int, int]:
    """(done, total) of the phase the job is in: bytes while reading the file,
    rows while importing."""
    phase = IMPORTING if job.status in (Status.QUEUED, Status.RUNNING) else READING
    found = cache.get(_progress_key(job.id))
    if found and found[0] == phase:
        return found[1], found[2]
    return (0, job.total) if phase == IMPORTING else (0, 0)


def _move(job_id: Any, from_status: str, to_status: str, **fields: Any) -> bool:
    """Change the job's status if it still has `from_status`: only one caller wins."""
    return bool(
        ImportJob.objects.filter(id=job_id, status=from_status).update(
            status=to_status, updated_at=timezone.now(), **fields
        )
    )


def expire_stale(job: ImportJob) -> ImportJob:
    """A job whose runner died (a restart) says so instead of running forever.
    Its transaction died with it: nothing was written."""
    if job.status not in (Status.ANALYSING, Status.RUNNING):
        return job
    phase = IMPORTING if job.status == Status.RUNNING else READING
    found = cache.get(_progress_key(job.id))
    last = job.updated_at.timestamp()
    if found and found[0] == phase:
        last = max(last, found[3])
    if timezone.now().timestamp() - last > STALE_AFTER.total_seconds():
        _move(
            job.id,
            job.status,
            Status.FAILED,
            error="The import stopped before it finished (the server restarted?). "
            "Nothing was changed; try again.",
        )
        job.refresh_from_db()
        if job.status == Status.FAILED:
            _remove_file(job)
    return job


def start(job: ImportJob) -> threading.Thread | None:
    """Hand the job to the configured runner."""
    if settings.IMPORT_RUNNER == "inline":
        run_job(job.id)
        return None
    if settings.IMPORT_RUNNER == "thread":
        thread = threading.Thread(
            target=_thread_main, args=(job.id,), name=f"import-{job.id}", daemon=True
        )
        thread.start()
        return thread
    return None  # "worker": manage.py run_import_jobs picks it up


def _thread_main(job_id: Any) -> None:
    try:
        run_job(job_id)
    finally:
        connections.close_all()  # this thread's connections only


def run_job(job_id: Any) -> None:
    """Do what the job waits for: read the upload, or import it once confirmed."""
    try:
        if _move(job_id, Status.UPLOADED, Status.ANALYSING):
            _analyse_job(job_id)
        elif _move(job_id, Status.QUEUED, Status.RUNNING):
            _import_job(job_id)
    except Exception:
        log.exception("import job %s crashed", job_id)
        _fail(job_id, "Something went wrong on the server. Nothing was changed.")


def _fail(job_id: Any, message: str, status: str = Status.FAILED) -> None:
    job = ImportJob.objects.filter(id=job_id).first()
    if job is None:
        return
    ImportJob.objects.filter(id=job_id).update(
        status=status, error=message, updated_at=timezone.now()
    )
    _remove_file(job)


def _remove_file(job: ImportJob, *, keep_skipped: bool = False) -> None:
    """The upload, the preview's row cache beside it and, unless the user
    may still download it (a finished import that skipped rows), the CSV of
    the rows with problems. `sweep` removes that one with the job."""
    if job.file_path:
        Path(job.file_path).unlink(missing_ok=True)
        cache_path(job.file_path).unlink(missing_ok=True)
        if not keep_skipped:
            skipped_path(job.file_path).unlink(missing_ok=True)


def cancel(job: ImportJob) -> None:
    """The files of a job the user cancelled (sheets/io/writer.py `import_job_cancel`)."""
    _remove_file(job)


def new_sheet_title(filename: str) -> str:
    """A new sheet is named after the file, without its extension."""
    return (Path(filename).stem.strip() or "Imported sheet")[:200]


def _table(job: ImportJob, delimiter: str | None, decimal_mark: str | None) -> Table:
    path = Path(job.file_path)
    return open_table(path, filename=job.filename, delimiter=delimiter, decimal_mark=decimal_mark)


def _analyse_job(job_id: Any) -> None:
    job = ImportJob.objects.select_related("sheet").filter(id=job_id).first()
    if job is None:
        return
    set_progress(job.id, READING, 0, 0)  # not the figures of an earlier reading
    try:
        # Opening it drops the rows kept by an earlier reading (another delimiter).
        with RowCache(cache_path(job.file_path)) as keep:
            options = job.options
            table = _table(job, options.get("delimiter"), options.get("decimal_mark"))
            columns = None if job.options.get("new") else list(job.sheet.columns.all())
            preview = analyse(
                table,
                columns=columns,
                progress=lambda d, t: set_progress(job.id, READING, d, t),
                keep=keep,
                skipped=lambda names: SkippedRows(skipped_path(job.file_path), names),
            )
    except FileRefused as exc:
        _fail(job.id, exc.message, Status.REFUSED)
        return
    _move(job.id, Status.ANALYSING, Status.READY, preview=preview, total=preview["row_count"])


def _import_job(job_id: Any) -> None:
    job = ImportJob.objects.select_related("sheet", "user").filter(id=job_id).first()
    if job is None:
        return
    preview = job.preview
    total = preview["row_count"]
    set_progress(job.id, IMPORTING, 0, total)

    def progress(done: int) -> None:
        set_progress(job.id, IMPORTING, done, total)

    # The service checks, under the sheet's lock, that the cached rows were
    # cleaned for the sheet's columns as they are now; if not, it reads `rows`.
    cached = open_cached(preview.get("cache"), job.file_path)
    on_error = job.options.get("on_error", "refuse")
    past_header: set[int] = set()  # rows with values past the header, if the file is read
    rows = _file_rows(job, preview, on_error, past_header)
    common = {
        "columns": targets_with(preview["targets"], job.options.get("add", [])),
        "rows": rows,
        "cached": cached,
        "decimal_mark": preview.get("decimal_mark", "."),
        "on_error": on_error,
        "op_id": str(job.id),
        "progress": progress,
    }
    try:
        if job.options.get("new"):
            sheet, result = writer.sheet_import_new(
                owner=job.user, title=new_sheet_title(job.filename), **common
            )
        else:
            sheet = job.sheet
            result = writer.sheet_import(
                sheet=sheet, user=job.user, mode=job.options.get("mode"), **common
            )
    except FileRefused as exc:
        _fail(job.id, exc.message)
        return
    except services.OpError as exc:
        listed = exc.details.get("errors") or []
        _fail(job.id, " ".join([exc.message] + [e["message"] for e in listed[:5]]))
        return
    _move(
        job.id,
        Status.RUNNING,
        Status.DONE,
        sheet=sheet,
        progress=result.get("rows", total),
        result={
            "rows": result.get("rows", total),
            "skipped": result.get("skipped", 0) + (len(past_header) if on_error == "skip" else 0),
            "emptied": result.get("emptied", 0),
            "added": [spec["name"] for spec in job.options.get("add", [])],
            "version": result["version"],
            "from_cache": cached is not None and cached.used,
        },
    )
    _remove_file(job, keep_skipped=on_error == "skip")


def _file_rows(
    job: ImportJob, preview: dict, on_error: str, bad: set[int]
) -> Iterator[NumberedRow]:
    """The upload's data rows, read again; opened only if the import needs
    them. A row with values past the header refuses the import, is left out
    ("skip") or is imported without them ("empty"), as the user chose; `bad`
    collects their numbers."""

    def problem(number: int, column: str, message: str) -> None:
        if on_error == "refuse":
            raise FileRefused(f"Row {number}: {message}")
        bad.add(number)

    records = _table(job, preview["delimiter"], preview.get("decimal_mark")).records()
    next(records, None)  # the header, read by the preview
    for number, cells in data_rows(records, preview["width"], RowStats(), problem):
        if on_error == "skip" and number in bad:
            continue
        yield number, cells


def sweep() -> None:
    """Forget old jobs and their files: uploads never confirmed, finished jobs."""
    cutoff = timezone.now() - timedelta(hours=settings.IMPORT_KEEP_HOURS)
    old = ImportJob.objects.filter(updated_at__lt=cutoff).exclude(
        status__in=[Status.QUEUED, Status.RUNNING]
    )
    for job in old:
        _remove_file(job)
    old.delete()

"""Imports: the one write that puts a file's rows into a sheet, and the two
user actions on an import job (upload, confirm) that lead to it.

`sheet_import` is one op like any other (core.run_op): one transaction, the
version bumped once, one change-log entry and one broadcast, a `sheet.reset`
event that tells open tabs to fetch the snapshot (a 100,000-row event would
not fit a socket frame, nor belong in the change log). Values are cleaned by
the sheet's Resource (sheets/io/resources.py), i.e. sheets/values.py; one bad
value refuses the whole import and nothing is written. Rows the preview
already cleaned and encoded (sheets/io/preview_cache.py) are written as they are,
if the columns they were cleaned for are still those of the sheet.
"""

import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.move import file_move_safe
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max

from proj.text import refusal
from sheets import selectors
from sheets.io import bulk
from sheets.io.choices import confirm_options
from sheets.io.preview_cache import CachedRows, fingerprint
from sheets.io.resources import SheetResource
from sheets.io.sniffing import DECIMAL_MARKS, DELIMITERS
from sheets.models import FORMULA, Column, ImportJob, Sheet
from sheets.realtime import events
from sheets.services import computed
from sheets.services.columns import clean_column_name, clean_column_type
from sheets.services.core import ORDER_GAP, OpError, parse_uuid, run_op
from sheets.services.sheets import clean_title

MODES = ("append", "replace")
# What the import does with a row that has a value its column refuses: refuse
# the whole file (the default), leave the row out, or write its bad cells empty.
ON_ERROR = ("refuse", "skip", "empty")


def _column_specs(columns: Any) -> list[dict | None]:
    """Per position in a row: {"id"} an existing column, {"name", "type"} a
    new one (with "new_id" when the preview chose its id), or None."""
    if not isinstance(columns, list) or not columns:
        raise OpError("invalid_columns", "columns must be a non-empty list.")
    specs: list[dict | None] = []
    for spec in columns:
        if spec is None:
            specs.append(None)
        elif isinstance(spec, dict) and "name" in spec:
            specs.append(
                {
                    "name": clean_column_name(spec.get("name")),
                    "type": _file_column_type(spec.get("type", "text")),
                    "new_id": parse_uuid(spec["id"], "column id") if "id" in spec else uuid.uuid4(),
                }
            )
        elif isinstance(spec, dict) and "id" in spec:
            specs.append({"id": str(spec["id"])})
        else:
            raise OpError("invalid_columns", "Each column is {id}, {name, type} or null.")
    if all(s is None for s in specs):
        raise OpError("invalid_columns", "No value of the file goes into a column.")
    return specs


def _file_column_type(raw: Any) -> str:
    """An imported column holds the file's values: never a formula."""
    column_type = clean_column_type(raw)
    if column_type == FORMULA:
        raise OpError("invalid_type", "An imported column holds values, not a formula.")
    return column_type


def _resolve_columns(locked: Sheet, specs: list[dict | None]) -> list[Column | None]:
    """The column of each position; new columns created after the last one."""
    existing = {str(c.id): c for c in locked.columns.all()}
    wanted = [s["id"] for s in specs if s is not None and "id" in s]
    if len(set(wanted)) != len(wanted):
        raise OpError("invalid_columns", "Two values of a row go into one column.")
    if any(existing[i].type == FORMULA for i in wanted if i in existing):
        raise OpError(
            "formula_column",
            "A formula column computes its values: a file's column cannot go into it.",
            status=409,
        )
    missing = [i for i in wanted if i not in existing]
    if missing:
        raise OpError(
            "column_not_found",
            "A column the preview mapped no longer exists; preview the file again.",
            status=409,
        )
    new = [s for s in specs if s is not None and "id" not in s]
    if len(existing) + len(new) > settings.MAX_COLUMNS_PER_SHEET:
        raise OpError(
            "too_many_columns", f"A sheet holds at most {settings.MAX_COLUMNS_PER_SHEET} columns."
        )
    last = max((c.position for c in existing.values()), default=0.0)
    created: dict[int, Column] = {}
    for index, spec in enumerate(specs):
        if spec is not None and "id" not in spec:
            last += ORDER_GAP
            created[index] = Column(
                id=spec["new_id"], sheet=locked, name=spec["name"], type=spec["type"], position=last
            )
    Column.objects.bulk_create(created.values())
    return [
        None if s is None else created[i] if i in created else existing[s["id"]]
        for i, s in enumerate(specs)
    ]


def sheet_import(
    *,
    sheet: Sheet,
    user,
    mode: str,
    columns: Any,
    rows: Iterable[tuple[int, list[str]]],
    cached: CachedRows | None = None,
    decimal_mark: str = ".",
    on_error: str = "refuse",
    client_id: str = "",
    op_id: Any = None,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Append `rows` to the sheet, or replace all its rows with them.

    `columns` says where each position of a row goes (see `_column_specs`;
    new columns are created in this same op, so undo and a failure treat
    them with the rows); `rows` are (row number in the file, list of
    strings) as read from a file (row 1 is the file's header). With
    `cached` (the preview's rows, already cleaned and encoded) `rows` is not
    read at all, unless the columns changed since the preview;
    `decimal_mark` says how its numbers are written (sheets/io/sniffing.py);
    `on_error` what a row with a bad value does (ON_ERROR). Answers like
    every op, plus "rows" (how many were written), "skipped" and "emptied"."""
    if mode not in MODES:
        raise OpError("invalid_mode", "Choose whether to append rows or replace all rows.")
    if on_error not in ON_ERROR:
        raise OpError("invalid_choice", "Choose whether to skip the rows with problems or not.")
    specs = _column_specs(columns)

    def apply(locked: Sheet) -> dict:
        targets = _resolve_columns(locked, specs)
        now = fingerprint(None if c is None else (c.id, c.type) for c in targets)
        outcome = {"skipped": 0, "emptied": 0}
        if mode == "replace":
            locked.rows.all().delete()
            start, present = 0.0, 0
        else:
            start = locked.rows.aggregate(last=Max("order"))["last"] or 0.0
            present = locked.row_count  # kept by every op (no COUNT(*))
        count = None
        usable = cached is not None and not (on_error == "refuse" and cached.bad_rows)
        if usable and cached.matches(now):
            # Cleaned for exactly these columns, and the sheet is locked: as they are.
            count = bulk.write_cached(locked, cached, on_error == "skip", start, present, progress)
        if count is None:
            landing = (c for c in targets if c is not None)
            resource = SheetResource(landing, decimal_mark=decimal_mark)
            cleaners = [
                (index, resource.fields[str(c.id)])
                for index, c in enumerate(targets)
                if c is not None
            ]
            batches = bulk.cleaned_batches(rows, cleaners, on_error, outcome)
            count = bulk.write_rows(locked, batches, start, present, progress)
        # The new rows' formula cells, and every total (the event sends tabs to the snapshot).
        computed.settle_import(locked, None if mode == "replace" else start)
        if cached is not None and cached.used:
            outcome["skipped"] = cached.skipped
        added = [c.name for c, s in zip(targets, specs, strict=True) if s and "id" not in s]
        event = events.sheet_reset(mode=mode, rows=count, added_columns=added)
        return {"event": event, "rows": count, **outcome}

    return run_op(sheet=sheet, user=user, client_id=client_id, op_id=op_id, apply=apply)


def sheet_import_new(
    *,
    owner,
    title: Any,
    columns: Any,
    rows: Iterable[tuple[int, list[str]]],
    cached: CachedRows | None = None,
    decimal_mark: str = ".",
    on_error: str = "refuse",
    op_id: Any = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Sheet, dict]:
    """A new sheet named `title` holding the file's columns and rows, made in
    the same transaction as the import: a failed import leaves no sheet."""
    title = clean_title(title)
    with transaction.atomic():
        sheet = Sheet.objects.create(owner=owner, title=title)
        result = sheet_import(
            sheet=sheet,
            user=owner,
            mode="append",
            columns=columns,
            rows=rows,
            cached=cached,
            decimal_mark=decimal_mark,
            on_error=on_error,
            op_id=op_id,
            progress=progress,
        )
    return sheet, result


# --- Import jobs: the user's two actions. The runner is sheets/io/jobs.py.


def import_job_create(
    *,
    user,
    sheet: Sheet | None,
    upload: UploadedFile,
    delimiter: str = "",
    decimal_mark: str = "",
) -> ImportJob:
    """Keep an uploaded file for preview. `sheet` None: a new sheet. The
    delimiter and decimal mark are named as the form names them ("" to
    detect)."""
    if sheet is not None and not selectors.can_write(sheet=sheet, user=user):
        raise OpError("forbidden", "You may only view this sheet.", status=403)
    options = _reading_options(delimiter, decimal_mark)
    if upload.size > settings.MAX_UPLOAD_BYTES:
        raise OpError("too_large", _too_large(upload.size), status=413)
    if message := refusal(upload.name or "", "A file name"):
        raise OpError("invalid_file_name", message)
    name = Path(upload.name or "upload").name[:200] or "upload"
    job_id = uuid.uuid4()
    folder = Path(settings.IMPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{job_id}{Path(name).suffix.lower()[:8]}"
    if hasattr(upload, "temporary_file_path"):
        # Spooled to disk as it arrived (past FILE_UPLOAD_MAX_MEMORY_SIZE):
        # renamed into place, or copied once if the folder is on another disk.
        file_move_safe(upload.temporary_file_path(), str(path))
    else:
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    return ImportJob.objects.create(
        id=job_id,
        user=user,
        sheet=sheet,
        filename=name,
        file_path=str(path),
        options={**options, "new": sheet is None},
    )


def _reading_options(delimiter: Any, decimal_mark: Any) -> dict:
    """The delimiter and decimal mark a form names ("comma", ...) as
    characters, "" for one to detect."""
    return {
        "delimiter": _by_name(delimiter, DELIMITERS, "Choose comma, semicolon, tab or pipe."),
        "decimal_mark": _by_name(
            decimal_mark, DECIMAL_MARKS, "Choose point or comma as the decimal mark."
        ),
    }


def _by_name(name: Any, choices: dict[str, str], message: str) -> str:
    if not name:
        return ""
    by_name = {n: c for c, n in choices.items()}
    if name not in by_name:
        raise OpError("invalid_choice", message)
    return by_name[name]


def _too_large(size: int) -> str:
    limit = settings.MAX_UPLOAD_BYTES
    return f"The file is {size / 2**20:,.1f} MiB; the limit is {limit / 2**20:,.1f} MiB."


def import_job_reread(*, job: ImportJob, user, delimiter: str, decimal_mark: str = "") -> bool:
    """Preview the same upload again with another delimiter or decimal mark."""
    if job.user_id != user.id:
        raise OpError("not_found", "Import not found.", status=404)
    options = {**job.options, **_reading_options(delimiter, decimal_mark)}
    return bool(
        ImportJob.objects.filter(
            id=job.id, status__in=[ImportJob.Status.READY, ImportJob.Status.REFUSED]
        )
        .exclude(file_path="")
        .update(status=ImportJob.Status.UPLOADED, options=options, error="", preview={})
    )


def import_job_confirm(
    *,
    job: ImportJob,
    user,
    mode: str | None,
    on_error: Any = None,
    add: list[Any] | None = None,
    types: Mapping[str, Any] | None = None,
    preview_id: Any = None,
) -> bool:
    """Queue the previewed import with the user's choices (sheets/io/choices.py):
    what rows with problems do, which headers become new columns. True if this
    call queued it; a second confirm of the same job (a double click) is a
    no-op and answers False. A choice that does not fit the preview raises
    OpError and changes nothing."""
    if job.user_id != user.id:
        raise OpError("not_found", "Import not found.", status=404)
    new_sheet = bool(job.options.get("new"))
    if not new_sheet:
        if not selectors.can_write(sheet=job.sheet, user=user):
            raise OpError("forbidden", "You may only view this sheet.", status=403)
        if mode not in MODES:
            raise OpError("invalid_mode", "Choose whether to append the rows or replace all rows.")
    if job.status != ImportJob.Status.READY:
        return False
    chosen = confirm_options(
        job.preview,
        on_error=on_error,
        add=add or [],
        types=types or {},
        preview_id=preview_id,
        columns_now=0 if new_sheet else job.sheet.columns.count(),
    )
    options = {**job.options, **chosen, "mode": "new" if new_sheet else mode}
    waiting = ImportJob.objects.filter(id=job.id, status=ImportJob.Status.READY)
    if "id" in job.preview:  # the choices were checked against this very preview
        waiting = waiting.filter(preview__id=job.preview["id"])
    return bool(waiting.update(status=ImportJob.Status.QUEUED, options=options))


def import_job_cancel(*, job: ImportJob, user) -> bool:
    """Give up a previewed import: nothing is written, the upload is removed
    (by the caller, sheets/io/jobs.py `cancel`). True if this call cancelled it."""
    if job.user_id != user.id:
        raise OpError("not_found", "Import not found.", status=404)
    return bool(
        ImportJob.objects.filter(id=job.id, status=ImportJob.Status.READY).update(
            status=ImportJob.Status.FAILED,
            error="You cancelled the import. Nothing was changed.",
            result={"cancelled": True},
        )
    )

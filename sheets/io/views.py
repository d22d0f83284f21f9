"""Import and export pages (docs/import-export.md). Upload → preview → confirm
→ progress runs through one ImportJob; every write is a service call."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from sheets import selectors, services
from sheets.io import export, jobs, writer
from sheets.io.skipped import skipped_path
from sheets.io.sniffing import DELIMITERS
from sheets.models import ColumnType, ImportJob
from sheets.views import sheet_or_404

# How long a request waits for a quick job before answering with progress:
# a small file's preview comes with the upload's answer; an import soon shows
# its progress bar.
PREVIEW_WAIT_SECONDS = 2.0
IMPORT_WAIT_SECONDS = 0.5
POLLING = (
    ImportJob.Status.UPLOADED,
    ImportJob.Status.ANALYSING,
    ImportJob.Status.QUEUED,
    ImportJob.Status.RUNNING,
)
DELIMITER_CHOICES = [(name, name.capitalize()) for name in DELIMITERS.values()]
DECIMAL_MARK_CHOICES = [("point", "Point (1234.5)"), ("comma", "Comma (1.234,5)")]


class _UploadLimit(FileUploadHandler):
    """Stops reading an upload once it passes MAX_UPLOAD_BYTES, rather than
    spooling all of it to disk first (nginx enforces the same limit)."""

    exceeded = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.MAX_UPLOAD_BYTES + settings.UPLOAD_ENVELOPE_BYTES:
            self.exceeded = True

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if self.exceeded or start + len(raw_data) > settings.MAX_UPLOAD_BYTES:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _status(request: HttpRequest, status: int) -> int:
    """htmx 2 does not swap a 4xx answer into the page: an HTMX request gets its
    error message with a 200 (a plain form post keeps the real status)."""
    return 200 if request.htmx else status


def _upload_page(request: HttpRequest, sheet, *, error: str = "", status: int = 200):
    context = _form_context(sheet) | {"error": error}
    template = "sheets/import.html#upload-form" if request.htmx else "sheets/import.html"
    return render(request, template, context, status=_status(request, status))


def _form_context(sheet) -> dict:
    url = reverse("sheet_import", args=[sheet.id]) if sheet else reverse("import_new")
    return {
        "sheet": sheet,
        "upload_url": url,
        "delimiters": DELIMITER_CHOICES,
        "decimal_marks": DECIMAL_MARK_CHOICES,
    }


@csrf_exempt
@login_required
def import_new(request: HttpRequest) -> HttpResponse:
    """A file into a new sheet named after it (the form is also on the sheet list)."""
    return _import_page(request, None)


@csrf_exempt
@login_required
def import_into(request: HttpRequest, sheet_id: int) -> HttpResponse:
    sheet = sheet_or_404(request, sheet_id)
    if not selectors.can_write(sheet=sheet, user=request.user):
        raise PermissionDenied("You may only view this sheet.")
    return _import_page(request, sheet)


def _import_page(request: HttpRequest, sheet) -> HttpResponse:
    # The size limit must be in place before anything reads the body (the
    # CSRF check would): hence csrf_exempt outside and csrf_protect inside.
    limit = _UploadLimit(request)
    request.upload_handlers.insert(0, limit)
    return _upload(request, sheet, limit)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _upload(request: HttpRequest, sheet, limit: _UploadLimit) -> HttpResponse:
    if request.method == "GET":
        return _upload_page(request, sheet)
    upload = request.FILES.get("file")
    if limit.exceeded:
        too_big = f"The file is larger than the {settings.MAX_UPLOAD_BYTES / 2**20:,.0f} MiB limit."
        return _upload_page(request, sheet, error=too_big, status=413)
    if upload is None:
        return _upload_page(request, sheet, error="Choose a file to import.", status=400)
    jobs.sweep()
    try:
        job = writer.import_job_create(
            user=request.user,
            sheet=sheet,
            upload=upload,
            delimiter=request.POST.get("delimiter", ""),
            decimal_mark=request.POST.get("decimal_mark", ""),
        )
    except services.OpError as exc:
        return _upload_page(request, sheet, error=exc.message, status=exc.status)
    _start(job)
    if not request.htmx:
        return redirect("import_job", job_id=job.id)
    return _job_panel(request, job)


def _start(job: ImportJob, wait: float = PREVIEW_WAIT_SECONDS) -> None:
    """Start the job and give it `wait` seconds to finish before answering."""
    thread = jobs.start(job)
    if thread is not None:
        thread.join(wait)
    job.refresh_from_db()


def _job(request: HttpRequest, job_id) -> ImportJob:
    job = ImportJob.objects.select_related("sheet").filter(id=job_id, user=request.user).first()
    if job is None:
        raise Http404("Import not found")
    return jobs.expire_stale(job)


def _job_panel(request: HttpRequest, job: ImportJob, *, error: str = "", status: int = 200):
    done, total = jobs.job_progress(job)
    new_sheet = bool(job.options.get("new"))
    importing = job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)
    context = _form_context(None if new_sheet else job.sheet) | {
        "job": job,
        "preview": job.preview,
        "new_sheet": new_sheet,
        "new_title": jobs.new_sheet_title(job.filename),
        "polling": job.status in POLLING,
        "importing": importing,
        "done": done,
        "total": total,
        "percent": min(100, int(100 * done / total)) if total else 0,
        # Rows while importing, the file's bytes while reading it.
        "done_text": f"{done:,}" if importing else _mib(done),
        "total_text": f"{total:,}" if importing else _mib(total),
        # Every row sent: the transaction commits (seconds on a large file).
        "saving": importing and total and done >= total,
        "error": error,
        "column_types": ColumnType.choices,
        "new_headers": [m for m in job.preview.get("mapping", []) if m.get("suggested")],
        "skipped_url": _skipped_url(job),
        "sample": _sample(job.preview),
    }
    template = "sheets/import.html#job" if request.htmx else "sheets/import.html"
    response = render(request, template, context, status=_status(request, status))
    if new_sheet and job.status == ImportJob.Status.DONE:
        # The sheet list (if that is where the form was) shows the new sheet.
        trigger_client_event(response, "sheetsChanged")
    return response


@login_required
@require_GET
def import_job(request: HttpRequest, job_id) -> HttpResponse:
    """The job as it stands: progress (polled every second), preview, or result."""
    return _job_panel(request, _job(request, job_id))


@login_required
@require_POST
def import_confirm(request: HttpRequest, job_id) -> HttpResponse:
    """Run the previewed import with the form's choices, or cancel it. Tied to
    one job: a second confirm is a no-op."""
    job = _job(request, job_id)
    post = request.POST
    try:
        if post.get("action") == "cancel":
            if writer.import_job_cancel(job=job, user=request.user):
                jobs.cancel(job)
            job.refresh_from_db()
            if not request.htmx:
                return redirect("import_job", job_id=job.id)
            return _job_panel(request, job)
        queued = writer.import_job_confirm(
            job=job,
            user=request.user,
            mode=post.get("mode"),
            on_error=post.get("bad_rows"),
            add=post.getlist("add"),
            types={key.removeprefix("type-"): v for key, v in post.items() if key[:5] == "type-"},
            preview_id=post.get("preview"),
        )
    except services.OpError as exc:
        if exc.status == 404:
            raise Http404("Import not found") from None
        if exc.status == 403:
            raise PermissionDenied(exc.message) from None
        return _job_panel(request, job, error=exc.message, status=exc.status)
    job.refresh_from_db()
    if queued:
        _start(job, IMPORT_WAIT_SECONDS)
    if not request.htmx:
        return redirect("import_job", job_id=job.id)
    return _job_panel(request, job)


@login_required
@require_POST
def import_reread(request: HttpRequest, job_id) -> HttpResponse:
    """The same upload previewed again with another delimiter or decimal mark."""
    job = _job(request, job_id)
    try:
        again = writer.import_job_reread(
            job=job,
            user=request.user,
            delimiter=request.POST.get("delimiter", ""),
            decimal_mark=request.POST.get("decimal_mark", ""),
        )
    except services.OpError as exc:
        return _job_panel(request, job, error=exc.message, status=exc.status)
    job.refresh_from_db()
    if again:
        _start(job)
    if not request.htmx:
        return redirect("import_job", job_id=job.id)
    return _job_panel(request, job)


@login_required
@require_GET
def sheet_export(request: HttpRequest, sheet_id: int, fmt: str) -> HttpResponse:
    """Anyone who may read the sheet may export it."""
    sheet = sheet_or_404(request, sheet_id)
    if fmt == "xlsx":
        chunks, content_type = export.xlsx_chunks, export.XLSX_TYPE
    else:
        chunks, content_type = export.csv_chunks, export.CSV_TYPE
    return export.download(
        request,
        lambda: chunks(sheet),
        content_type=content_type,
        name=export.filename(sheet, fmt),
        sheet_id=sheet.id,
    )


def _mib(size: int) -> str:
    return f"{size / 2**20:,.1f}"


def _sample(preview: dict) -> list[tuple[int, list]]:
    """The preview's first rows with their numbers in the file."""
    rows = preview.get("rows", [])
    numbers = preview.get("row_numbers") or range(2, len(rows) + 2)
    return list(zip(numbers, rows, strict=False))


def _skipped_url(job: ImportJob) -> str:
    """The download of the rows with problems, while it is kept."""
    if job.file_path and job.preview.get("skipped_listed"):
        if job.status == ImportJob.Status.READY or job.result.get("skipped"):
            if skipped_path(job.file_path).exists():
                return reverse("import_skipped", args=[job.id])
    return ""


@login_required
@require_GET
def import_skipped(request: HttpRequest, job_id) -> HttpResponse:
    """The rows of the file that have a problem, as CSV (the job's owner only)."""
    job = _job(request, job_id)
    if not _skipped_url(job):
        raise Http404("No rows were skipped")
    name = f"{jobs.new_sheet_title(job.filename)}-skipped-rows.csv"
    response = FileResponse(
        skipped_path(job.file_path).open("rb"), as_attachment=True, filename=name
    )
    response["Content-Type"] = export.CSV_TYPE
    response["Cache-Control"] = "no-store"
    return response

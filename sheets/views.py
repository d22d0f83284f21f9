"""Pages: the sheet list (HTMX-driven) and the sheet page. Writes go through services."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from sheets import number_format, realtime, selectors, services
from sheets.services.totals import SUMMARIES


def sheet_or_404(request: HttpRequest, sheet_id: int):
    """The sheet, if the user may read it; else 404 (existence is not revealed)."""
    try:
        return selectors.sheet_for_user(user=request.user, sheet_id=sheet_id)
    except selectors.SheetNotFound:
        raise Http404("Sheet not found") from None


def _sheets_with_access(request: HttpRequest) -> list:
    """The user's sheets, each with `access`: what the user may do on it."""
    sheets = list(selectors.sheets_for_user(user=request.user))
    for sheet in sheets:
        sheet.access = realtime.access(sheet.role)
    return sheets


def _list_partial(request: HttpRequest, **extra) -> HttpResponse:
    sheets = _sheets_with_access(request)
    return render(request, "sheets/list.html#sheet-list", {"sheets": sheets, **extra})


@login_required
def sheet_list(request: HttpRequest) -> HttpResponse:
    sheets = _sheets_with_access(request)
    if request.htmx:
        response = render(request, "sheets/list.html#sheet-list", {"sheets": sheets})
    else:
        # A fresh token per form: sent twice, it opens the sheet it made (services.sheet_create).
        context = {"sheets": sheets, "create_token": uuid.uuid4()}
        response = render(request, "sheets/list.html", context)
    # One URL, two answers: the browser's Back must not show the cached partial as the page.
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def sheet_create(request: HttpRequest) -> HttpResponse:
    try:
        sheet = services.sheet_create(
            owner=request.user,
            title=request.POST.get("title", ""),
            create_token=request.POST.get("create_token"),
        )
    except services.OpError as exc:
        if request.htmx:
            return _list_partial(request, create_error=exc.message)
        messages.error(request, exc.message)
        return redirect("sheet_list")
    # The new sheet opens; with HTMX the page goes there itself.
    if request.htmx:
        return HttpResponseClientRedirect(reverse("sheet_detail", args=[sheet.id]))
    return redirect("sheet_detail", sheet_id=sheet.id)


@login_required
@require_http_methods(["GET", "POST"])
def sheet_rename(request: HttpRequest, sheet_id: int) -> HttpResponse:
    sheet = sheet_or_404(request, sheet_id)
    error = None
    if request.method == "POST":
        try:
            services.sheet_rename(sheet=sheet, user=request.user, title=request.POST.get("title"))
        except services.OpError as exc:
            error = exc.message
        else:
            return _list_partial(request) if request.htmx else redirect("sheet_list")
    context = {"sheet": sheet, "error": error}
    template = "sheets/list.html#rename-form" if request.htmx else "sheets/rename.html"
    # htmx 2 swaps only 2xx answers: a form with its error comes back as 200 there.
    return render(request, template, context, status=400 if error and not request.htmx else 200)


@login_required
@require_http_methods(["GET", "POST"])
def sheet_delete(request: HttpRequest, sheet_id: int) -> HttpResponse:
    sheet = sheet_or_404(request, sheet_id)
    if request.method == "POST":
        try:
            services.sheet_delete(sheet=sheet, user=request.user)
        except services.OpError as exc:
            notice = exc.message
        else:
            notice = f"Deleted “{sheet.title}”."
        if request.htmx:
            return _list_partial(request, notice=notice)
        messages.info(request, notice)
        return redirect("sheet_list")
    template = "sheets/list.html#delete-confirm" if request.htmx else "sheets/delete.html"
    return render(request, template, {"sheet": sheet})


# Rows in the snapshot that opens a sheet page.
HEAD_ROWS = 1000


@login_required
def sheet_detail(request: HttpRequest, sheet_id: int) -> HttpResponse:
    sheet = sheet_or_404(request, sheet_id)
    api_base = reverse("api_sheet_snapshot", args=[sheet.id])
    config = {
        "sheet_id": sheet.id,
        "title": sheet.title,
        "ws_path": f"/ws/sheet/{sheet.id}/",
        "snapshot_url": api_base,
        # The snapshot that opens the sheet: a sheet this long or shorter is held whole; a
        # longer one's other rows come in windows. The page asks for it while it loads.
        "head_url": f"{api_base}?rows=block&limit={HEAD_ROWS}",
        "changes_url": reverse("api_sheet_changes", args=[sheet.id]),
        "rows_url": reverse("api_sheet_rows", args=[sheet.id]),
        "find_url": reverse("api_sheet_find", args=[sheet.id]),
        "formula_check_url": reverse("api_formula_check", args=[sheet.id]),
        "formula_max_length": settings.FORMULA_MAX_LENGTH,
        # The footer totals an editor may choose, with their labels.
        "summaries": SUMMARIES,
        # What a number column's format may choose (sheets/number_format.py).
        "number_format": {
            "decimal_places": list(range(number_format.MAX_DECIMALS + 1)),
            "currencies": sorted(number_format.CURRENCIES),
        },
        "ops_url": api_base,
        "license_key": settings.HANDSONTABLE_LICENSE_KEY,
        # role, can_edit, can_manage, role_label: as `hello` and `access.changed` say them.
        **realtime.access(selectors.sheet_role(sheet=sheet, user=request.user)),
        "max_changes_per_op": settings.MAX_CHANGES_PER_OP,
        "max_body_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        "sheet_list_url": reverse("sheet_list"),
        # How this user types numbers and dates ("auto": as the browser's language does).
        "input_locale": {
            "date_order": request.user.profile.date_order,
            "decimal_mark": request.user.profile.decimal_mark,
        },
    }
    return render(request, "sheets/detail.html", {"sheet": sheet, "sheet_config": config})

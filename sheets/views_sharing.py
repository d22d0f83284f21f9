"""The sheet page's side panels (HTMX): sharing (owner only) and history."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sheets import history, selectors, services
from sheets.models import SHARE_ROLES, can_edit, can_manage
from sheets.views import sheet_or_404


def _share_panel(request: HttpRequest, sheet, *, error: str | None = None, notice: str = ""):
    context = {
        "sheet": sheet,
        "shares": selectors.sheet_shares(sheet=sheet),
        "roles": SHARE_ROLES,
        "error": error,
        "notice": notice,
        "can_manage": can_manage(selectors.sheet_role(sheet=sheet, user=request.user)),
    }
    template = "sheets/panels.html#share-panel" if request.htmx else "sheets/share.html"
    # htmx 2 swaps only 2xx answers: a form with its error comes back as 200 there.
    return render(request, template, context, status=400 if error and not request.htmx else 200)


@login_required
@require_http_methods(["GET", "POST"])
def sheet_share(request: HttpRequest, sheet_id: int) -> HttpResponse:
    sheet = sheet_or_404(request, sheet_id)
    if request.method == "GET":
        return _share_panel(request, sheet)
    try:
        share = services.sheet_share(
            sheet=sheet,
            user=request.user,
            who=request.POST.get("who"),
            role=request.POST.get("role"),
        )
    except services.OpError as exc:
        return _share_panel(request, sheet, error=exc.message)
    notice = f"{share.user.get_username()} can now {'edit' if can_edit(share.role) else 'view'}."
    return _share_panel(request, sheet, notice=notice)


@login_required
@require_POST
def share_remove(request: HttpRequest, sheet_id: int, user_id: int) -> HttpResponse:
    sheet = sheet_or_404(request, sheet_id)
    try:
        services.share_remove(sheet=sheet, user=request.user, target_id=user_id)
    except services.OpError as exc:
        return _share_panel(request, sheet, error=exc.message)
    return _share_panel(request, sheet, notice="Access removed.")


@login_required
@require_POST
def sheet_transfer(request: HttpRequest, sheet_id: int) -> HttpResponse:
    sheet = sheet_or_404(request, sheet_id)
    try:
        services.sheet_transfer(sheet=sheet, user=request.user, who=request.POST.get("who"))
    except services.OpError as exc:
        return _share_panel(request, sheet, error=exc.message)
    if request.htmx:
        sheet.refresh_from_db()
        return _share_panel(request, sheet, notice=f"{sheet.owner.get_username()} owns it now.")
    return redirect("sheet_detail", sheet_id=sheet.id)


@login_required
@require_GET
def sheet_history(request: HttpRequest, sheet_id: int) -> HttpResponse:
    sheet = sheet_or_404(request, sheet_id)
    context = {
        "sheet": sheet,
        "changes": selectors.recent_changes(sheet=sheet),
        "can_edit": can_edit(selectors.sheet_role(sheet=sheet, user=request.user)),
        # In the sheet page's panel it follows the sheet live, and a change can
        # be reverted there (through the page's op queue, like an undo).
        "in_panel": bool(request.htmx),
    }
    template = "sheets/panels.html#history-panel" if request.htmx else "sheets/history.html"
    # Times in the viewer's own time zone.
    with timezone.override(history.zone_of(request.user)):
        return render(request, template, context)
